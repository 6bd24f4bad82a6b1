"""Numbers for people: a few significant digits and a unit, whatever the size."""

from __future__ import annotations

import pytest

from sim.units import human, signed


@pytest.mark.parametrize(("value", "text"), [
    (3_400_000, "3.4M"), (700_000, "700k"), (0.25, "0.25"), (1e-9, "0"), (-300_000, "-300k"),
    (999_999, "1M"), (999_499, "999k"), (999.9, "1k"), (2.5e9, "2.5B"),
    (float("inf"), "inf"), (float("-inf"), "-inf"), (float("nan"), "n/a"), (None, "n/a"),
])
def test_human_rounds_then_picks_the_unit(value, text):
    assert human(value) == text


def test_signed_shows_the_sign_of_a_change():
    assert (signed(1_200_000), signed(-300_000), signed(0)) == ("+1.2M", "-300k", "0")
