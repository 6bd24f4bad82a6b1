"""Sources that disagree: each kind of source reports bias × the model's true count, with the
bias fitted against its prior when the scenario says so."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from small_runs import cli

from sim import load_scenario
from sim.analysis.sources import judge, reported, scale_free
from sim.scenario.metrics import DERIVED
from sim.scenario.observations import Target

DAY = dt.date(2025, 1, 13)


def target(kind: str, value: float, **fields) -> Target:
    spec = {"id": f"{kind}{value:g}", "metric": "dau_us", "platform": "rednote", "date": DAY,
            "value": value, "tolerance": 0.1 * value, "source": "test", "kind": kind}
    return Target(**{**spec, **fields})


def scenario_with(targets: list[Target], **sources):
    """observed-2025 with these targets and these ``[sources]`` tables."""
    base = load_scenario("observed-2025")
    return base.model_copy(update={
        "targets": targets,
        "sources": base.sources.model_copy(update={
            kind: base.sources.panel.model_copy(update=prior) for kind, prior in sources.items()}),
    })


@given(bias=st.floats(0.01, 100), true=st.floats(0, 1e9))
def test_a_count_is_reported_scaled_and_a_rank_ratio_or_share_as_it_is(bias, true):
    count = target("panel", 1e6)
    rank = Target(id="R", metric="signups", platform="rednote", stat="rank", start=DAY, end=DAY,
                  at_most=1, source="test", kind="installs")
    share = target("panel", 0.2, metric="international_share")
    assert not scale_free(count) and scale_free(rank) and scale_free(share)
    assert math.isclose(reported(count, true, bias), bias * true)
    assert reported(rank, true, bias) == true and reported(share, true, bias) == true


def test_a_wide_prior_lets_the_fit_recover_the_source_factor():
    """Two panel figures that are both 3 × the model's: the fitted panel factor is about 3,
    every target is met, and the installs factor (no targets) stays at its prior."""
    scenario = scenario_with([target("panel", 3e6), target("panel", 6e5)],
                             panel={"bias": 1.0, "spread": 10.0})
    judged = judge(scenario, [1e6, 2e5])
    assert math.isclose(judged.biases["panel"], 3.0, rel_tol=0.02)
    assert all(judged.met()) and judged.biases["installs"] == 1.0
    assert np.allclose(judged.reported, [3e6, 6e5], rtol=0.02)


def test_a_tighter_prior_holds_the_factor_nearer_its_median_and_costs_more():
    figures = [target("installs", 4e6)]
    loose = judge(scenario_with(figures, installs={"spread": 4.0}), [1e6])
    tight = judge(scenario_with(figures, installs={"spread": 1.2}), [1e6])
    fixed = judge(scenario_with(figures, installs={"spread": 1.0}), [1e6])
    assert 1.0 == fixed.biases["installs"] < tight.biases["installs"] < loose.biases["installs"]
    assert loose.loss < tight.loss < fixed.loss
    assert fixed.met() == [False]


@settings(max_examples=40, deadline=None)
@given(factor=st.floats(0.05, 20), spread=st.floats(1.0, 5.0))
def test_fitting_a_factor_never_makes_the_loss_worse_than_fixing_it(factor, spread):
    figures = [target("panel", 2e6), target("panel", 5e5), target("statement", 1e6)]
    true = np.array([2e6, 5e5, 1e6]) / np.array([factor, factor, 1.0])
    fitted = judge(scenario_with(figures, panel={"spread": spread}), true)
    fixed = judge(scenario_with(figures, panel={"spread": 1.0}), true)
    assert fitted.loss <= fixed.loss + 1e-9
    assert fitted.biases["statement"] == 1.0  # a kind without a prior keeps its factor


def test_observed_2025_names_a_kind_for_every_target_and_has_the_install_count():
    observed = load_scenario("observed-2025")
    kinds = {t.id: t.kind for t in observed.targets}
    assert kinds["C4c"] == "panel" and kinds["C13"] == "installs" and kinds["C5"] == "statement"
    installs = next(t for t in observed.targets if t.id == "C13")
    assert (installs.metric, installs.stat, installs.value) == ("signups", "sum", 818_000)
    assert observed.sources.panel.spread == 1.0 < observed.sources.installs.spread  # the panel
    installs = load_scenario("observed-2025-installs").sources  # the other way round
    assert installs.installs.spread == 1.0 < installs.panel.spread


@pytest.mark.slow
def test_sim_check_shows_true_and_reported_for_both_episodes(tmp_path):
    """Through the CLI: the scorecard's reported figure is the kind's factor × the true one; in
    2025 the install count is reported through a small factor, in India every replacement figure
    through 1/0.7, and the companies' own counts through a factor fitted above that prior."""
    for name, days in (("observed-2025", "21"), ("india-2020", "120")):
        out = tmp_path / name
        result = cli("check", name, "--users", "4000", "--replicates", "1", "--set",
                     f"simulation.days={days}", "--out", str(out), "--quiet")
        assert result.returncode in (0, 3), result.stderr
        card = pd.read_csv(out / "scorecard.csv").set_index("id")
        counted = card[card["scored"] & ~card["when"].str.startswith(("rank", "ratio"))
                       & ~card["metric"].isin(DERIVED)]  # a common factor cancels from the rest
        assert len(counted) >= 7
        assert np.allclose(counted["median"], counted["bias"] * counted["true"], rtol=1e-9)
        assert "Reported ÷ true, per kind of source" in (out / "scorecard.md").read_text()
        if name == "observed-2025":
            assert card.loc["C13", "bias"] < 0.2  # the panel fit: installs see a small share
            assert card.loc["C4c", "median"] == card.loc["C4c", "true"]  # the panel as it is
        else:
            assert card.loc["I6a", "bias"] == pytest.approx(1.43)
            assert card.loc["I9a", "bias"] > 1.43  # the companies' counts run high
            assert card.loc["I1", "median"] == card.loc["I1", "true"]
