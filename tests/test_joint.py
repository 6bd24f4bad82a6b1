"""One behaviour for several episodes: the joint fit (``sim calibrate A B ...``), its
per-episode fields (``--fit-each``), the joint posterior and the out-of-sample check
(``sim crossfit``)."""

from __future__ import annotations

import pandas as pd
import pytest
from small_runs import FIT_SIZE, SYNTHETIC, cli, synthetic_episode

from sim.errors import InputError
from sim.experiments.calibration import box_around
from sim.experiments.crossfit import leave_one_out
from sim.experiments.design import parse_fit
from sim.experiments.joint import episodes_of, expand_each, joint_calibrate
from sim.scenario.loading import load_scenario, resolve_path

SHARED_TRUTH = {"dynamics.buzz": 2.0}
OWN_TRUTH = {"early": 0.4, "late": 1.3}  # each episode's RedNote appeal


@pytest.fixture
def two_episodes(tmp_path) -> list:
    """Two episodes made by the model at the shared truth and their own RedNote appeal: the
    2025 timeline, and one where the ban stuck."""
    return [synthetic_episode(tmp_path, name, parent,
                              {**SHARED_TRUTH, "platforms.rednote.appeal": OWN_TRUTH[name]})
            for name, parent in (("early", "observed-2025"), ("late", "ban-enforced"))]


def test_fit_each_with_a_star_is_one_field_per_platform_of_each_episode():
    india, observed = load_scenario("india-2020"), load_scenario("observed-2025")
    fields = [s.field for s in expand_each("platforms.*.appeal=0:3", india,
                                           resolve_path("india-2020"))]
    assert fields == [f"platforms.{name}.appeal" for name in india.platforms]
    assert "platforms.moj.appeal" in fields and "platforms.rednote.appeal" not in fields
    only_india = "india-2020:platforms.other.initial_accounts=0:0.8"
    assert expand_each(only_india, observed, resolve_path("observed-2025")) == []
    assert [s.bounds for s in expand_each(only_india, india, resolve_path("india-2020"))] == [
        (0.0, 0.8)]


def test_each_episode_starts_from_its_own_values():
    episodes = episodes_of([resolve_path("observed-2025"), resolve_path("india-2020")], [],
                           ["platforms.*.appeal=-1:3"])
    assert episodes[0].values["platforms.rednote.appeal"] == pytest.approx(
        load_scenario("observed-2025").platforms["rednote"].appeal)
    assert "platforms.moj.appeal" in episodes[1].values
    assert "platforms.moj.appeal" not in episodes[0].values


@pytest.mark.parametrize(("text", "message"), [
    ("platforms.*=0:1", "stands for a platform"),
    ("platform.*.appeal=0:1", "stands for a platform"),
    ("platforms.rednote.apeal=0:1", "did you mean 'appeal'"),
    ("platforms.*.appeal=2:1", "empty range"),
])
def test_a_bad_fit_each_names_the_option_and_the_field(text, message):
    with pytest.raises(InputError, match=message):
        episodes_of([resolve_path("observed-2025")], [], [text])


def test_the_command_line_refuses_what_a_joint_fit_cannot_do(tmp_path):
    ran = cli("crossfit", "observed-2025", "--fit", "dynamics.buzz=1:3", "--out",
              str(tmp_path / "one"))
    assert ran.returncode == 2 and "two episodes or more" in ran.stderr
    ran = cli("calibrate", "observed-2025", "india-2020", "--fit", "dynamics.buzz",
              "--fit-each", "platforms.*.appeal=0:2", "--posterior", "10")
    assert ran.returncode == 2 and "--fit-each" in ran.stderr
    ran = cli("calibrate", "observed-2025", "--fit", "dynamics.buzz=1:3", "--polish")
    assert ran.returncode == 2 and "--polish" in ran.stderr
    for without, message in (("dynamics.news_push=0", "not one of the --fit fields"),
                             ("dynamics.buzz", "FIELD=VALUE")):
        ran = cli("ablate", "observed-2025", "india-2020", "--fit", "dynamics.buzz=1:3",
                  "--without", without, "--out", str(tmp_path / "two"))
        assert ran.returncode == 2 and message in ran.stderr, ran.stderr
    assert not (tmp_path / "two").exists()
    ran = cli("ablate", "observed-2025", "india-2020")
    assert ran.returncode == 2 and "--without" in ran.stderr
    assert not (tmp_path / "one").exists()


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="known limit of the alternating search (calibration.md): "
                   "round 0 fits the early episode's appeal at 0.21 (truth 0.4) with buzz at "
                   "2.25, and with that appeal every buzz nearer the truth 2.0 scores worse, so "
                   "the shared stage stays on the ridge (interval [2.075, 2.40]; more rounds "
                   "do not leave it). Passes once a stage moves shared and own fields together")
def test_a_joint_fit_recovers_the_shared_value_and_each_episodes_own(two_episodes):
    base = load_scenario(two_episodes[0], FIT_SIZE)
    # started, as sim crossfit starts, from the middle of the range, not from the shipped value
    # (the behaviour fitted to real episodes, where round 0 fits each episode's own appeal)
    found = joint_calibrate(two_episodes, [*FIT_SIZE, "dynamics.buzz=2.25"],
                            [parse_fit("dynamics.buzz=0.5:4", base)],
                            ["platforms.rednote.appeal=-0.5:2"], budget=72, replicates=2,
                            seed=5, workers=2, rounds=2, budget_each=24, quiet=True)
    shared = found.shared.table.set_index("field")
    assert shared.loc["dynamics.buzz", "low"] <= 2.0 <= shared.loc["dynamics.buzz", "high"]
    appeals = {name: fit.table.set_index("field").loc["platforms.rednote.appeal"]
               for name, fit in found.own.items()}
    for name, row in appeals.items():
        assert row["low"] <= OWN_TRUTH[name] <= row["high"], (name, row)
    assert appeals["early"]["fitted"] < appeals["late"]["fitted"]  # each keeps its own
    assert found.total_loss < found.candidates.query("stage == 'round 1, shared'")["loss"].max()


@pytest.mark.slow
def test_a_polish_starts_from_the_files_values_and_never_ends_worse(two_episodes):
    base = load_scenario(two_episodes[0], FIT_SIZE)
    start = [*FIT_SIZE, "dynamics.buzz=3.0", "platforms.rednote.appeal=1.0"]  # off the truth
    found = joint_calibrate(two_episodes, start, [parse_fit("dynamics.buzz=0.5:4", base)],
                            ["platforms.rednote.appeal=-0.5:2"], budget=24, replicates=1,
                            seed=5, workers=2, rounds=1, budget_each=12, quiet=True,
                            polish=True)
    scored = found.candidates
    firsts = [scored[scored["stage"] == f"round 0, own {name}"].iloc[0] for name in found.loss]
    assert all(row["platforms.rednote.appeal"] == 1.0 for row in firsts)  # the files' values
    shared = scored[scored["stage"] == "round 1, shared"]
    assert shared["dynamics.buzz"].iloc[0] == 3.0  # scored first, then the box around them
    sampled = shared["dynamics.buzz"].iloc[1:12]
    assert sampled.between(*box_around(3.0, (0.5, 4.0))).all()
    assert found.total_loss <= sum(row["loss"] for row in firsts)  # never worse than the files


@pytest.mark.slow
def test_crossfit_scores_each_episode_with_a_behaviour_fitted_without_it(two_episodes):
    base = load_scenario(two_episodes[0], FIT_SIZE)
    found = leave_one_out(two_episodes, FIT_SIZE, [parse_fit("dynamics.buzz=0.5:4", base)],
                     ["platforms.rednote.appeal=-0.5:2"], budget=24, replicates=1, seed=5,
                     workers=2, rounds=1, budget_each=12, quiet=True)
    table = found.table().set_index("episode")
    assert list(table.index) == ["early", "late"]
    assert (table["targets"] == len(SYNTHETIC)).all()
    for name, (others, carried) in found.folds.items():
        assert name not in others.loss  # the behaviour never saw the episode left out
        held = carried.shared.table.set_index("field")["fitted"]
        assert held["dynamics.buzz"] == others.shared.table.set_index("field")["fitted"][
            "dynamics.buzz"]
        assert carried.loss[name] == table.loc[name, "loss out of sample"]
    behaviour = found.behaviour()
    assert list(behaviour.columns) == ["all", "without early", "without late"]


@pytest.mark.slow
def test_the_joint_fit_command_writes_one_fitted_file_per_episode_that_runs(tmp_path):
    out = tmp_path / "fit"
    ran = cli("calibrate", "observed-2025", "india-2020", "--fit",
              "dynamics.trial_churn=0.005:0.02", "--fit-each",
              "india-2020:platforms.moj.appeal=0:3", "--budget", "12", "--rounds", "1",
              "--budget-each", "12", "--replicates", "1", "--users", "600", "--quiet",
              "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    assert "Shared by every episode" in ran.stdout and "india-2020" in ran.stdout
    india = load_scenario(out / "india-2020-fitted.toml")
    observed = load_scenario(out / "observed-2025-fitted.toml")
    assert india.dynamics.trial_churn == observed.dynamics.trial_churn  # shared
    assert india.platforms["moj"].appeal != load_scenario("india-2020").platforms["moj"].appeal
    assert "[platforms.moj]" not in (out / "observed-2025-fitted.toml").read_text()
    scored = pd.read_parquet(out / "candidates.parquet")
    assert set(scored["episode"]) == {"observed-2025", "india-2020"}


@pytest.mark.slow
def test_a_rule_switched_off_is_fitted_again_and_compared_across_episodes(tmp_path):
    out = tmp_path / "fit"
    ran = cli("ablate", "observed-2025", "india-2020", "--fit",
              "dynamics.threshold_relative=0:1", "--fit", "dynamics.trial_churn=0.005:0.02",
              "--set", "dynamics.threshold_relative=0.5", "--without",
              "dynamics.threshold_relative=0", "--budget", "12", "--rounds", "1",
              "--replicates", "1", "--users", "600", "--quiet", "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    table = (out / "ablation.md").read_text()
    assert "every rule, as given (the joint fit)" in table
    assert "fitted again with `dynamics.threshold_relative = 0`" in table
    assert "india-2020: targets met" in table
    again = load_scenario(out / "without" / "dynamics.threshold_relative" /
                          "india-2020-fitted.toml")
    assert again.dynamics.threshold_relative == 0


@pytest.mark.slow
def test_a_joint_posterior_sums_the_episodes_and_names_their_targets(tmp_path):
    pytest.importorskip("pyabc")
    from sim.experiments.abc_smc import read

    out = tmp_path / "posterior"
    ran = cli("calibrate", "observed-2025", "india-2020", "--fit",
              "dynamics.trial_churn=0.005:0.02", "--posterior", "10", "--generations", "1",
              "--replicates", "1", "--users", "600", "--quiet", "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    found = read(out)
    assert found.meta["scenario"][1].endswith("india-2020.toml")
    assert "india-2020:I1" in found.meta["targets"]
    assert "met_observed-2025:C1" in found.draws.columns
