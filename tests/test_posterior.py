"""``sim calibrate --posterior``: the ABC search recovers a known parameter point from targets
the model made there, writes a posterior file the table and figures agree with, and resumes."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from sim.analysis import credible
from sim.cli import main
from sim.experiments import abc_smc
from sim.experiments.evaluate import target_values
from sim.experiments.runs import replicate_seeds
from sim.scenario.loading import load_scenario

SIZE = ["simulation.users=800", "simulation.days=20"]
TRUTH = {"dynamics.buzz": 2.2, "platforms.rednote.appeal": 1.2, "dynamics.threat_push": 1.5}
PRIOR = {"dynamics.buzz": (1.5, 3.0), "platforms.rednote.appeal": (0.6, 1.6),
         "dynamics.threat_push": (0.3, 3.5)}
TARGET = """
[[targets]]
id = "{id}"
metric = "{metric}"
platform = "{platform}"
{when}
value = {value}
tolerance = {tolerance}
source = "the model at a known point"
"""
SYNTHETIC = [("S1", "dau_us", "rednote", "date = 2025-01-13"),
             ("S2", "signups", "rednote", 'stat = "sum"\nstart = 2025-01-08\nend = 2025-01-14'),
             ("S3", "dau_us", "lemon8", "date = 2025-01-13"),
             ("S4", "dau_us", "rednote", "date = 2025-01-17")]


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """Targets made by the model at TRUTH (same seed as the search's replicate), then a search
    over the prior box for them."""
    here = tmp_path_factory.mktemp("posterior")
    truth = [f"{k}={v}" for k, v in TRUTH.items()]
    first = "".join(TARGET.format(id=i, metric=m, platform=p, when=w, value=1.0, tolerance=1.0)
                    for i, m, p, w in SYNTHETIC)
    path = here / "synthetic.toml"
    path.write_text('extends = "observed-2025"\n' + first)
    scenario = load_scenario(path, [*SIZE, *truth])
    values = target_values(scenario, replicate_seeds(0, 1)[0])
    path.write_text('extends = "observed-2025"\n' + "".join(
        TARGET.format(id=i, metric=m, platform=p, when=w, value=v, tolerance=max(0.1 * v, 1.0))
        for (i, m, p, w), v in zip(SYNTHETIC, values, strict=True)))
    folder = here / "search"
    argv = ["calibrate", str(path), *[f"--fit={k}={lo}:{hi}" for k, (lo, hi) in PRIOR.items()],
            "--posterior", "40", "--generations", "4", "--replicates", "1", "--seed", "0",
            "--users", "800", "--days", "20", "--workers", "2", "--quiet", "--out", str(folder)]
    assert main(argv) == 0
    return folder, argv


@pytest.mark.slow
def test_the_90_percent_interval_holds_the_true_value_for_most_fields(searched):
    folder, _ = searched
    found = abc_smc.read(folder / "posterior.parquet")
    table = credible.credible(found).set_index("field")
    held = {f: bool(table.loc[f, "low"] <= TRUTH[f] <= table.loc[f, "high"]) for f in TRUTH}
    print("synthetic check, truth within the 90 % interval:", held)
    assert sum(held.values()) >= 2, table
    assert (table["narrowing"] < 1).all() and table["narrowing"].min() < 0.7  # learned something
    assert len(found.draws) == 40 and found.draws["weight"].sum() == pytest.approx(1)
    assert {f"met_{i}" for i, *_ in SYNTHETIC} <= set(found.draws.columns)
    assert found.meta["seed"] == 0 and "--posterior 40" in found.meta["command"]


@pytest.mark.slow
def test_the_table_and_the_figures_show_the_posterior_file(searched):
    from sim.report.posterior import marginals

    folder, _ = searched
    found = abc_smc.read(folder)
    table = credible.credible(found)
    markdown = (folder / "credible.md").read_text()
    for row in table.itertuples():
        assert f"| `{row.field}` |" in markdown and f"[{row.low:.3g}, {row.high:.3g}]" in markdown
    figure = marginals(found, table)
    for field in found.fields:
        bars = [p for ax in figure.axes for p in ax.patches if p.get_gid() == f"marginal:{field}"]
        assert sum(b.get_height() for b in bars) == pytest.approx(1.0)  # all the weight
    assert (folder / "plots" / "posterior-pairs.png").exists()


@pytest.mark.slow
def test_a_killed_search_resumes_to_the_same_posterior(searched, tmp_path):
    folder, argv = searched
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    last = sorted((copy / "batches").iterdir())[-1]
    for status in sorted((last / "status").glob("*.json"))[::2]:
        status.unlink()
    (copy / "posterior.parquet").unlink()
    assert main([*argv[:-1], str(copy), "--resume"]) == 0
    pd.testing.assert_frame_equal(abc_smc.read(copy).draws, abc_smc.read(folder).draws)


def test_resampled_draws_follow_the_weights():
    draws = pd.DataFrame({"draw": range(4), "weight": [0.7, 0.1, 0.1, 0.1],
                          "a": [1.0, 2.0, 3.0, 4.0]})
    posterior = credible.Posterior(draws, {"fields": [{"field": "a", "low": 0, "high": 5}]})
    picked = [p["a"] for p in credible.resampled(posterior, 100, seed=1)]
    assert picked.count(1.0) == 70 and all(picked.count(v) == 10 for v in (2.0, 3.0, 4.0))
    assert credible.weighted_quantiles(np.array([1.0, 2.0]), np.array([0.5, 0.5]), [0.5]) == [1.5]



@pytest.mark.slow
def test_the_search_is_the_same_on_one_worker_as_on_two(searched, tmp_path):
    folder, argv = searched
    one = [*argv[:-1], str(tmp_path / "one")]
    one[one.index("--workers") + 1] = "1"
    assert main(one) == 0
    pd.testing.assert_frame_equal(abc_smc.read(tmp_path / "one").draws, abc_smc.read(folder).draws)
