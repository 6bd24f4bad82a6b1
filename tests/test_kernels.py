"""The fast kernels give what a plain numpy version gives: the same uniforms, the same chance of
at least one event to float32 rounding, the same capped values, and alias samples in proportion
to their weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from sim.model import blocks
from sim.model.kernels import SERIES_BELOW, alias_sample, at_least_once, at_most, fill_uniform


def plain_uniforms(n: int, seed: int) -> np.ndarray:
    """24 random bits per float32, from the high bits of each 32-bit half of the raw draws."""
    raw = np.random.default_rng(seed).bit_generator.random_raw(-(-n // 2))
    bits = raw.view(np.uint32)[:n] >> 8
    return (bits.astype(np.float64) / 2**24).astype(np.float32)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 300), block=st.integers(1, 40).map(lambda b: 2 * b),
       seed=st.integers(0, 2**32 - 1))
def test_fill_uniform_is_the_plain_construction_from_the_same_bits(n, block, seed):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(blocks, "BLOCK", block)  # several blocks, the last one odd-sized
        got = fill_uniform(np.empty(n, np.float32), np.random.default_rng(seed))
    np.testing.assert_array_equal(got, plain_uniforms(n, seed))
    np.testing.assert_array_equal(got, np.random.default_rng(seed).random(n, dtype=np.float32))


def test_fill_uniform_fills_a_column_major_table_in_its_memory_order():
    table = np.empty((7, 3), np.float32, order="F")
    assert fill_uniform(table, np.random.default_rng(5)) is table
    np.testing.assert_array_equal(table, plain_uniforms(21, 5).reshape((7, 3), order="F"))


def test_fill_uniform_is_uniform_on_the_unit_interval():
    values = fill_uniform(np.empty(200_000, np.float32), np.random.default_rng(11))
    assert values.min() >= 0.0 and values.max() < 1.0
    assert stats.kstest(values, "uniform").pvalue > 0.001
    counts = np.bincount((values * 50).astype(int), minlength=50)
    assert stats.chisquare(counts).pvalue > 0.001


def correctly_rounded(rate: np.ndarray) -> np.ndarray:
    return (-np.expm1(-rate.astype(np.float64))).astype(np.float32)


def ulps_apart(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in float32 steps (both non-negative)."""
    return np.abs(a.view(np.int32).astype(np.int64) - b.view(np.int32))


rates = hnp.arrays(np.float32, st.integers(0, 64), elements=st.one_of(
    st.floats(0, float(SERIES_BELOW) * 2, width=32),  # around the switch to the series
    st.floats(0, 1e6, width=32), st.just(0.0), st.just(float(SERIES_BELOW))))


@settings(max_examples=200, deadline=None)
@given(rate=rates)
def test_at_least_once_is_one_minus_exp_to_float32_rounding(rate):
    expected = correctly_rounded(rate)
    got = at_least_once(rate.copy())
    assert (ulps_apart(got, expected) <= 1).all(), (rate, got, expected)
    assert ((got >= 0) & (got <= 1)).all()


def test_at_least_once_over_every_scale_of_rate_in_place():
    rate = np.concatenate([[0.0], np.geomspace(1e-38, 1e6, 200_000), [np.inf]]).astype(np.float32)
    expected = correctly_rounded(rate)
    got = at_least_once(rate)
    assert got is rate  # in place
    assert ulps_apart(got, expected).max() <= 1
    assert got[0] == 0.0 and got[-1] == 1.0


@pytest.mark.parametrize("weights", [
    np.array([1.0]),
    np.array([1.0, 1.0, 1.0, 1.0]),
    np.array([0.0, 5.0, 0.0, 1.0, 0.5]),
    np.random.default_rng(2).pareto(1.5, size=300) + 1e-3,  # heavy-tailed, like audiences
], ids=["one", "equal", "with-zeros", "heavy-tailed"])
def test_alias_samples_come_in_proportion_to_their_weights(weights):
    size = 400_000
    drawn = alias_sample(weights, size, np.random.default_rng(17))
    counts = np.bincount(drawn, minlength=len(weights))
    assert len(counts) == len(weights) and (counts[weights == 0] == 0).all()
    if (weights > 0).sum() > 1:
        positive = weights > 0
        expected = size * weights[positive] / weights[positive].sum()
        assert stats.chisquare(counts[positive], expected).pvalue > 0.001


@settings(max_examples=100, deadline=None)
@given(weights=hnp.arrays(np.float64, st.integers(1, 30),
                          elements=st.one_of(st.just(0.0), st.floats(1e-6, 1e6))),
       seed=st.integers(0, 2**32 - 1))
def test_alias_samples_are_indices_of_weights_that_are_not_zero(weights, seed):
    if not weights.any():
        weights[0] = 1.0
    drawn = alias_sample(weights, 2_000, np.random.default_rng(seed))
    assert drawn.shape == (2_000,) and drawn.min() >= 0 and drawn.max() < len(weights)
    assert (weights[np.unique(drawn)] > 0).all()


@settings(max_examples=80, deadline=None)
@given(values=hnp.arrays(np.float32, hnp.array_shapes(max_dims=2, max_side=40),
                         elements=st.floats(width=32, allow_nan=True, allow_infinity=True)),
       most=st.floats(-5, 25, width=32).filter(lambda most: most != 0))
def test_at_most_is_numpys_minimum_bit_for_bit(values, most):
    """(A zero against a cap of zero may come out as either sign of zero.)"""
    most = np.float32(most)
    expected = np.minimum(values, most)
    got = at_most(values, most)
    assert got.shape == values.shape and got.dtype == np.float32
    np.testing.assert_array_equal(got.view(np.uint32), expected.view(np.uint32))  # -0.0, NaN
    out = values.copy()
    assert at_most(out, most, out=out) is out
    np.testing.assert_array_equal(out.view(np.uint32), expected.view(np.uint32))
