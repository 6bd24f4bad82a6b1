"""What-if answers with their uncertainty: ``sim run --posterior`` runs every scenario at the same
posterior draws and seeds, the figures and tables pool draws × replicates and say so, and the
share of draws in which a scenario is above another is exactly that share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import credible
from sim.analysis.whatif import above_shares
from sim.cli import main
from sim.experiments import abc_smc
from sim.experiments.store import read_results


def posterior_file(folder) -> credible.Posterior:
    draws = pd.DataFrame({"draw": range(5), "weight": [0.2] * 5,
                          "dynamics.buzz": [1.6, 2.0, 2.4, 2.8, 3.0],
                          "platforms.rednote.appeal": [0.6, 0.9, 1.2, 1.4, 1.6]})
    meta = {"command": "test", "seed": 0, "scenario": "observed-2025", "overrides": [],
            "fields": [{"field": "dynamics.buzz", "low": 1.5, "high": 3.0},
                       {"field": "platforms.rednote.appeal", "low": 0.5, "high": 1.7}]}
    found = credible.Posterior(draws, meta)
    folder.mkdir(parents=True, exist_ok=True)
    abc_smc.write(found, folder)
    return found


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory):
    here = tmp_path_factory.mktemp("whatif")
    posterior_file(here / "posterior")
    out = here / "run"
    assert main(["run", "observed-2025", "ban-enforced", "--posterior",
                 str(here / "posterior" / "posterior.parquet"), "--draws", "4",
                 "--replicates", "2", "--users", "400", "--days", "40", "--workers", "1",
                 "--quiet", "--out", str(out)]) == 0
    return out


@pytest.mark.slow
def test_every_scenario_runs_at_the_same_draws_and_seeds(ensemble):
    design = pd.read_parquet(ensemble / "design.parquet")
    assert len(design) == 2 * 4 * 2
    by = design.set_index(["scenario", "point", "replicate"])
    for point in range(4):
        for k in range(2):
            a, b = by.loc[("observed-2025", point, k)], by.loc[("ban-enforced", point, k)]
            assert a["seed"] == b["seed"]
            assert a["dynamics.buzz"] == b["dynamics.buzz"]
    draws = set(design["dynamics.buzz"])
    assert draws <= {1.6, 2.0, 2.4, 2.8, 3.0} and len(design["point"].unique()) == 4


@pytest.mark.slow
def test_the_share_of_draws_above_is_the_share_of_draws(ensemble):
    stored = read_results([ensemble])
    assert stored.ensemble == {"draws": 4, "replicates": 2,
                               "fields": ["dynamics.buzz", "platforms.rednote.appeal"]}
    shares = above_shares(stored, "observed-2025").set_index(["platform", "outcome"])
    # RedNote's peak, straight from the Parquet parts: per draw, the median over its replicates
    # of the paired difference (same draw, same seed), then the share of draws above zero
    design = pd.read_parquet(ensemble / "design.parquet")
    peaks = {}
    for run in design.itertuples():
        ts = pd.read_parquet(ensemble / "timeseries" / f"{run.run_id}.parquet")
        peaks[(run.scenario, run.point, run.replicate)] = ts.loc[
            ts["platform"] == "rednote", "dau_us"].max()
    per_draw = [np.median([peaks[("ban-enforced", p, k)] - peaks[("observed-2025", p, k)]
                           for k in range(2)]) for p in range(4)]
    expected = (np.sum(np.array(per_draw) > 0) + 0.5 * np.sum(np.array(per_draw) == 0)) / 4
    assert ("instagram", "gain") in shares.index and ("tiktok", "trough_dau") in shares.index
    row = shares.loc[("rednote", "peak_dau")]
    assert row["above"] == pytest.approx(expected) and row["draws"] == 4
    assert row["median_difference"] == pytest.approx(np.median(per_draw))
    table = (ensemble / "plots" / "probabilities.md").read_text()
    assert f"{100 * expected:.0f} %" in table and "draws) |" in table


@pytest.mark.slow
def test_figures_and_the_summary_say_they_carry_parameter_uncertainty(ensemble):
    summary = (ensemble / "plots" / "summary.md").read_text()
    assert "n = 4 posterior draws × 2 replicates per scenario" in summary
    svg = (ensemble / "plots" / "trajectories-dau_us.svg").read_text()
    assert "4 posterior draws × 2 replicates" in svg and "parameter and run-to-run" in svg
    fan = (ensemble / "plots" / "fan-observed-2025-dau_us.svg").read_text()
    assert "posterior" in fan
    difference = (ensemble / "plots" / "difference-dau_us.svg").read_text()
    assert "4 posterior draws × 2 pairs" in difference


def test_a_file_that_is_not_a_posterior_is_refused(tmp_path, capsys):
    bad = tmp_path / "x.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(bad)
    assert main(["run", "observed-2025", "--posterior", str(bad), "--out",
                 str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--posterior" in err[0] and "not a posterior file" in err[0]
    assert not (tmp_path / "out").exists()


def test_a_posterior_field_a_scenario_lacks_is_refused(tmp_path, capsys):
    found = posterior_file(tmp_path / "p")
    found.draws = found.draws.rename(columns={"dynamics.buzz": "dynamics.buz"})
    found.meta["fields"][0]["field"] = "dynamics.buz"
    abc_smc.write(found, tmp_path / "p")
    assert main(["run", "observed-2025", "--posterior", str(tmp_path / "p"), "--out",
                 str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --posterior: dynamics.buz"), err
    assert not (tmp_path / "out").exists()
