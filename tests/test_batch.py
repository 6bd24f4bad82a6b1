"""Batch experiments: same results on any executor, resumable after a kill, failures recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from small_runs import assert_same_results, cli, sim

from sim.cli import main
from sim.experiments.design import ExperimentSpec, Sweep, parse_sweep, points

SMALL = ["--users", "800", "--days", "30", "--quiet"]


def sim_here(capsys, *args: str) -> tuple[int, str]:
    """``sim`` in this process (no interpreter to start): its exit status and stderr."""
    status = main(list(args))
    return status, capsys.readouterr().err


EXPERIMENT = ["observed-2025", "baseline", *SMALL, "--replicates", "2",
              "--sweep", "platforms.rednote.language_barrier=0.3,0.8"]


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "w1"
    result = cli("run", *EXPERIMENT, "--workers", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.slow
def test_two_workers_give_identical_parquet(one_worker, tmp_path):
    result = cli("run", *EXPERIMENT, "--workers", "2", "--out", str(tmp_path / "w2"))
    assert result.returncode == 0, result.stderr
    assert_same_results(one_worker, tmp_path / "w2")


@pytest.mark.slow
def test_a_dask_cluster_gives_identical_parquet(one_worker, tmp_path):
    distributed = pytest.importorskip("distributed")
    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None) as cluster,
          distributed.Client(cluster) as client):
        result = sim("run", *EXPERIMENT, "--executor", "dask", "--scheduler",
                     cluster.scheduler_address, "--out", str(tmp_path / "dask"))
        cluster_pids = set(client.run(os.getpid).values())
    assert result.returncode == 0, result.stderr
    assert_same_results(one_worker, tmp_path / "dask")
    runs = pd.read_parquet(tmp_path / "dask" / "runs.parquet")
    assert (runs["status"] == "ok").all()
    ran_in = {int(worker.rsplit(":", 1)[1]) for worker in runs["worker"]}
    assert ran_in and ran_in <= cluster_pids, "every run ran in one of the cluster's workers"


@pytest.mark.slow
def test_design_records_swept_values_and_common_seeds(one_worker):
    design = pd.read_parquet(one_worker / "design.parquet")
    assert len(design) == 2 * 2 * 2
    assert set(design["platforms.rednote.language_barrier"]) == {0.3, 0.8}
    assert design.groupby("replicate")["seed"].nunique().eq(1).all()


def test_summary_median_is_the_median_of_the_runs(three_scenarios):
    summary = pd.read_parquet(three_scenarios / "summary.parquet")
    runs = pd.concat(pd.read_parquet(p)
                     for p in (three_scenarios / "timeseries").glob("*.parquet"))
    pick = runs[(runs.scenario == "observed-2025") & (runs.point == 0) & (runs.day == 20)
                & (runs.platform == "rednote")]
    assert len(pick) == 3
    row = summary[(summary.scenario == "observed-2025") & (summary.point == 0)
                  & (summary.day == 20) & (summary.platform == "rednote")
                  & (summary.metric == "dau_us")]
    assert row["q50"].item() == pytest.approx(pick["dau_us"].median())
    assert (summary["q05"] <= summary["q50"]).all() and (summary["q50"] <= summary["q95"]).all()


@pytest.mark.slow
def test_kill_then_resume_gives_the_uninterrupted_results(tmp_path):
    args = ["observed-2025", "--users", "2500", "--days", "40", "--replicates", "6",
            "--workers", "1", "--quiet"]
    whole = tmp_path / "whole"
    assert cli("run", *args, "--out", str(whole)).returncode == 0
    killed = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-m", "sim", "run", *args, "--out", str(killed)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and len(list((killed / "status").glob("*.json"))) < 2:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = len(list((killed / "status").glob("*.json")))
    assert 2 <= done < 6, "the kill should land part-way"
    assert not (killed / "runs.parquet").exists()
    result = cli("run", "--resume", str(killed), "--workers", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    assert_same_results(whole, killed)
    assert not list(killed.rglob("*.partial"))


def test_a_failing_run_is_recorded_and_the_others_finish(tmp_path, monkeypatch):
    import sim.experiments.runs
    from sim.experiments import launch

    real = sim.experiments.runs.simulate

    def flaky(scenario, seed):
        if seed == launch_seeds[1]:
            raise RuntimeError("injected failure")
        return real(scenario, seed)

    launch_seeds = sim.experiments.runs.replicate_seeds(11, 3)
    monkeypatch.setattr(sim.experiments.runs, "simulate", flaky)
    plan = launch.plan_from_options(["baseline"], ["simulation.users=500", "simulation.days=10"],
                                    [], None, None, 3, 11)
    _, runs = launch.start(plan, tmp_path / "out", {"kind": "process", "workers": 1,
                                                    "scheduler": None}, quiet=True)
    assert list(runs["status"]) == ["ok", "failed", "ok"]
    assert "injected failure" in runs.loc[1, "error"]
    assert "Traceback" in (tmp_path / "out" / "errors" / "baseline-r001.txt").read_text()
    assert (tmp_path / "out" / "summary.parquet").exists()
    table = pd.read_parquet(tmp_path / "out" / "run_outcomes.parquet")
    assert list(table["status"]) == ["ok", "failed", "ok"]  # a row per run, failed ones too
    assert table["rednote.tried"].isna().tolist() == [False, True, False]
    monkeypatch.setattr(sim.experiments.runs, "simulate", real)
    _, resumed = launch.resume(tmp_path / "out", {"kind": "process", "workers": 1,
                                                  "scheduler": None}, quiet=True)
    assert (resumed["status"] == "ok").all()


@pytest.mark.parametrize("args, says", [
    (["--sweep", "platforms.rednote.languag_barrier=0.1,0.2"], "did you mean 'language_barrier'"),
    (["--sweep", "dynamics.buzz=3:1:4"], "empty range"),
    (["--sweep", "dynamics.buzz="], "FIELD=VALUES"),
    (["--sweep", "dynamics.buzz=1:2", "--design", "lhs", "--samples", "0"], "--samples"),
    (["--sweep", "dynamics.buzz=1:2", "--design", "sobol"], "--samples"),
    (["--design", "latin"], "unknown design"),
    pytest.param(["--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach",
                 marks=pytest.mark.slow),  # the Dask client tries for 10 s
    (["--executor", "spark"], "unknown executor"),
])
def test_bad_experiment_input_exits_2_and_writes_nothing(tmp_path, capsys, args, says):
    out = tmp_path / "out"
    status, err = sim_here(capsys, "run", "baseline", *SMALL, *args, "--out", str(out))
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and says in err
    assert not out.exists()


def test_resume_refuses_a_folder_that_is_not_a_results_folder(tmp_path, capsys):
    status, err = sim_here(capsys, "run", "--resume", str(tmp_path))
    assert status == 2 and "not a results folder" in err


@pytest.mark.parametrize("missing", ["design.parquet", "config.resolved.toml"])
def test_resume_of_an_incomplete_folder_names_the_missing_file(three_scenarios, tmp_path, capsys,
                                                               missing):
    folder = tmp_path / "partial"
    folder.mkdir()
    for name in ("manifest.json", "design.parquet", "config.resolved.toml"):
        if name != missing:
            (folder / name).write_bytes((three_scenarios / name).read_bytes())
    status, err = sim_here(capsys, "run", "--resume", str(folder), "--quiet")
    assert status == 2, err
    assert err.strip() == f"error: {folder}: not a results folder (no {missing})"


def test_grid_is_the_product_of_the_sweeps():
    spec = ExperimentSpec([parse_sweep("a=1,2,3"), parse_sweep("b=0:1:2")])
    assert points(spec, 0) == [{"a": a, "b": b} for a in (1, 2, 3) for b in (0.0, 1.0)]


@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_sampled_designs_stay_in_bounds_and_are_reproducible(design):
    spec = ExperimentSpec([Sweep("a", (), (0.0, 2.0)), Sweep("b", (), (5.0, 6.0))], design, 16)
    drawn = points(spec, 3)
    assert len(drawn) == 16 and drawn == points(spec, 3)
    assert all(0 <= p["a"] <= 2 and 5 <= p["b"] <= 6 for p in drawn)
    if design == "lhs":  # one sample in each of the 16 strata of every dimension
        assert sorted(int(p["a"] / 2 * 16) for p in drawn) == list(range(16))


@pytest.mark.slow
def test_experiment_table_in_the_scenario_file_drives_the_run(tmp_path):
    from sim.scenario.loading import SCENARIO_DIR

    path = tmp_path / "exp.toml"
    path.write_text(f'extends = "{SCENARIO_DIR / "baseline.toml"}"\n[experiment]\nreplicates = 2\n'
                    '[experiment.sweep]\n"dynamics.buzz" = [1.0, 2.0]\n')
    result = cli("run", str(path), "--users", "300", "--days", "5", "--quiet", "--workers", "1",
                 "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    design = pd.read_parquet(tmp_path / "out" / "design.parquet")
    assert len(design) == 4 and set(design["dynamics.buzz"]) == {1.0, 2.0}


def test_the_resolved_config_keeps_any_scenario_name(tmp_path):
    import tomllib

    from sim.experiments.store import write_config
    from sim.scenario.loading import load_scenario
    from sim.scenario.schema import Scenario

    odd = load_scenario("baseline").model_copy(update={"name": 'it\'s "odd" \\ one'})
    write_config(tmp_path, [odd])
    stored = tomllib.loads((tmp_path / "config.resolved.toml").read_text())["scenarios"]
    assert list(stored) == [odd.name]
    assert Scenario.model_validate(stored[odd.name]) == odd


def test_kept_pools_keep_one_process_pool_for_experiment_after_experiment():
    """Within kept_pools() (a posterior search, batch after batch) every experiment with as
    many workers gets the same pool, its workers warm; it is shut down at the end. Outside, each
    experiment has its own."""
    from sim.experiments.executors import kept_pools, open_executor

    with kept_pools():
        with open_executor("process", 2) as first:
            worker = first.submit(os.getpid).result()
        with open_executor("process", 2) as second:
            assert second is first and worker != os.getpid()
    with pytest.raises(RuntimeError, match="shutdown"):
        first.submit(os.getpid)
    with open_executor("process", 2) as third, open_executor("process", 2) as fourth:
        assert third is not first and fourth is not third
