"""The Python API (``sim.run_experiment``, ``sim.open_results``, ``Results``): the command
line's experiments, tables and figures from Python; and its documentation, run as written: the
README's example, docs/api.md and the tutorial notebook."""

from __future__ import annotations

import doctest
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure
from small_runs import SCENARIOS, assert_same_results, cli

import sim
from sim.errors import InputError
from sim.experiments import launch

ROOT = Path(__file__).resolve().parents[1]
TINY = {"users": 500, "days": 20, "workers": 1, "quiet": True}


@pytest.fixture(scope="module")
def results(three_scenarios):
    return sim.open_results(three_scenarios)


def test_a_results_folder_opens_with_its_scenarios_and_one_row_per_run(results):
    assert results.scenarios == SCENARIOS
    runs = results.runs()
    assert len(runs) == 9 and (runs["status"] == "ok").all()
    assert list(runs.columns[:6]) == ["run_id", "scenario", "point", "replicate", "seed",
                                      "status"]
    seeds = runs.pivot(index="replicate", columns="scenario", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()  # replicate k: the same seed in every scenario
    assert results.scenario("ban-enforced").name == "ban-enforced"


def test_the_per_run_outcomes_are_what_the_summary_table_summarises(results):
    runs, summary = results.runs(), results.summary()
    for scenario, platform, outcome in [("observed-2025", "rednote", "peak_dau"),
                                        ("ban-enforced", "rednote", "retained_7"),
                                        ("observed-2025", "tiktok", "returned")]:
        mine = runs.loc[runs["scenario"] == scenario, f"{platform}.{outcome}"]
        cell = summary.query("scenario == @scenario and platform == @platform "
                             "and outcome == @outcome").iloc[0]
        assert mine.median() == pytest.approx(cell["median"])


def test_the_timeseries_is_every_runs_rows_with_its_design(results, three_scenarios):
    daily = results.timeseries()
    part = pd.read_parquet(three_scenarios / "timeseries" / "baseline-r001.parquet")
    mine = daily[daily["run_id"] == "baseline-r001"].reset_index(drop=True)
    assert len(daily) == 9 * len(part)
    assert mine["dau_us"].tolist() == part["dau_us"].tolist()
    seed = results.runs().set_index("run_id").loc["baseline-r001", "seed"]
    assert (mine["seed"] == seed).all()


def test_a_figure_is_a_matplotlib_figure_of_the_platforms_asked(results):
    figure = results.figure("trajectories", metric="share", platforms=["tiktok", "rednote"])
    assert isinstance(figure, Figure)
    titles = [ax.get_title(loc="left") for ax in figure.axes if ax.get_visible()]
    assert titles == ["TikTok", "RedNote"]
    lines = {line.get_gid() for ax in figure.axes for line in ax.get_lines()}
    assert {f"median:{s}:rednote" for s in SCENARIOS} <= lines
    fan = results.figure("fan", scenario="ban-enforced")
    assert "ban-enforced" in fan.texts[0].get_text()


@pytest.mark.parametrize("call, says", [
    (lambda r: r.figure("fans"), "did you mean 'fan'"),
    (lambda r: r.figure("sweep"), "not swept"),
    (lambda r: r.figure("fan", scenario="observed"), "did you mean .observed-2025."),
    (lambda r: r.figure("trajectories", platforms=["rednot"]), "did you mean 'rednote'"),
    (lambda r: r.figure("trajectories", metric="daus"), "did you mean 'dau'"),
    (lambda r: r.scenario("basline"), "did you mean 'baseline'"),
])
def test_a_bad_name_says_what_was_meant(results, call, says):
    with pytest.raises(InputError, match=says):
        call(results)


def test_run_experiment_plans_what_sim_run_plans_from_the_same_options(tmp_path):
    made = sim.run_experiment("observed-2025", replicates=2, sweep={"dynamics.buzz": [1.5, 3]},
                              set={"platforms.rednote.appeal": 1.2}, seed=4, out=tmp_path / "a",
                              plots=False, **TINY)
    manifest = json.loads((made.folder / "manifest.json").read_text())
    same = launch.plan_of_run(["observed-2025"], ["platforms.rednote.appeal=1.2"],
                              ["dynamics.buzz=1.5,3"], replicates=2, seed=4, users=500, days=20)
    assert manifest["experiment"] == json.loads(json.dumps(same.as_dict(), default=str))
    runs = made.runs()
    assert sorted(runs["dynamics.buzz"].unique()) == [1.5, 3.0]
    assert not (made.folder / "plots").exists()


def test_a_bad_argument_raises_the_command_lines_error_and_writes_nothing(tmp_path):
    with pytest.raises(InputError, match="did you mean 'appeal'"):
        sim.run_experiment("observed-2025", set={"platforms.rednote.appeel": 1.2},
                           out=tmp_path / "x", **TINY)
    with pytest.raises(InputError, match="--replicates"):
        sim.run_experiment("observed-2025", replicates=0, out=tmp_path / "x", **TINY)
    assert not (tmp_path / "x").exists()


def test_a_folder_from_before_the_per_run_table_gets_it_when_read(three_scenarios, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(three_scenarios, old, ignore=shutil.ignore_patterns("plots"))
    (old / "run_outcomes.parquet").unlink()
    expected = pd.read_parquet(three_scenarios / "run_outcomes.parquet")
    pd.testing.assert_frame_equal(sim.open_results(old).runs(), expected)


@pytest.mark.slow
def test_run_experiment_makes_the_folder_sim_run_makes(tmp_path):
    options = ["--users", "500", "--days", "20", "--replicates", "2", "--seed", "3"]
    assert cli("run", "observed-2025", "baseline", *options, "--quiet", "--out",
               str(tmp_path / "cli")).returncode == 0
    made = sim.run_experiment(["observed-2025", "baseline"], replicates=2, users=500, days=20,
                              seed=3, quiet=True, out=tmp_path / "api")
    assert_same_results(tmp_path / "cli", made.folder)
    assert sorted(p.name for p in (tmp_path / "cli" / "plots").iterdir()) == sorted(
        p.name for p in (made.folder / "plots").iterdir())


def _run_doctests(path: Path, where: Path) -> None:
    """Every ``>>>`` example of a page's Python blocks, run in order from an empty folder
    ``where`` (as a reader would, one session)."""
    shutil.copy(ROOT / "docs" / "posterior.parquet", where)
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.DOTALL)
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.tries and not runner.failures


@pytest.mark.slow
def test_the_readme_example_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _run_doctests(ROOT / "README.md", tmp_path)
    assert len(list((tmp_path / "results").iterdir())) == 1


@pytest.mark.slow
def test_the_api_page_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _run_doctests(ROOT / "docs" / "api.md", tmp_path)


@pytest.mark.slow
def test_the_tutorial_notebook_runs_every_cell(tmp_path, monkeypatch):
    """As nbmake runs it (``pytest --nbmake docs/tutorial.ipynb``): every cell in a fresh kernel,
    from the notebook's folder; a cell that raises fails the test with its traceback."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the notebook's results go
    notebook = nbformat.read(ROOT / "docs" / "tutorial.ipynb", as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells)  # committed without outputs
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "docs")}}).execute()
    shown = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert sum("image/png" in o.get("data", {}) for o in shown) == 4  # the figures, inline
