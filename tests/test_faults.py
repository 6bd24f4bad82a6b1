"""Faults made to happen: nothing finished is lost, nothing half-made passes for finished.

A corrupted part, a Dask worker killed mid-run, a disk that fills, two runs on one folder,
Ctrl-C, a run that raises: each ends with a clear word, and ``--resume`` gives the results of an
uninterrupted run.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from small_runs import assert_same_results, cli, sim

from sim.cli import main

ARGS = ["observed-2025", "--users", "2000", "--days", "40", "--replicates", "6", "--quiet"]


def start(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def finished(folder: Path) -> int:
    return len(list((folder / "status").glob("*.json")))


def wait_for(folder: Path, runs: int, process: subprocess.Popen | None = None) -> None:
    deadline = time.time() + 300
    while finished(folder) < runs and time.time() < deadline:
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.02)


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    """The uninterrupted experiment every faulty one must end up equal to."""
    out = tmp_path_factory.mktemp("faults") / "whole"
    result = cli("run", *ARGS, "--workers", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.slow
def test_a_truncated_or_corrupted_part_is_found_and_only_its_run_made_again(whole, tmp_path):
    out = tmp_path / "copy"
    assert cli("run", *ARGS, "--workers", "2", "--out", str(out)).returncode == 0
    truncated = out / "timeseries" / "observed-2025-r002.parquet"
    truncated.write_bytes(truncated.read_bytes()[:500])
    corrupted = out / "cohorts" / "observed-2025-r004.parquet"
    data = bytearray(corrupted.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: same size, still there
    corrupted.write_bytes(bytes(data))
    untouched = (out / "status" / "observed-2025-r000.json").stat().st_mtime_ns
    result = cli("run", "--resume", str(out), "--workers", "1", "--quiet")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["resumed"][-1]["runs"] == 2  # exactly the two damaged runs
    assert (out / "status" / "observed-2025-r000.json").stat().st_mtime_ns == untouched
    assert_same_results(whole, out)


@pytest.mark.slow
def test_a_dask_worker_killed_mid_run_is_retried_and_the_results_are_whole(whole, tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "dask"
    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None) as cluster,
          distributed.Client(cluster) as client):
        process = start("run", *ARGS, "--executor", "dask", "--scheduler",
                        cluster.scheduler_address, "--out", str(out))
        wait_for(out, 1, process)
        pids = client.run(os.getpid)
        busy = [address for address, runs in client.processing().items() if runs]
        assert busy, "some worker should have a run in hand"
        os.kill(pids[busy[0]], signal.SIGKILL)  # a worker dies with a run in hand
        _, err = process.communicate(timeout=600)
    runs = pd.read_parquet(out / "runs.parquet")
    if process.returncode != 0:  # not retried: recorded as failed, the others finished
        assert "worker lost" in " ".join(runs["error"].fillna("")), err
        assert "sim run --resume" in err
        assert cli("run", "--resume", str(out), "--workers", "2", "--quiet").returncode == 0
    assert (pd.read_parquet(out / "runs.parquet")["status"] == "ok").all()
    assert_same_results(whole, out)


def _small_files_only(limit: int):
    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_file_size


@pytest.mark.slow
def test_a_full_disk_is_a_clear_error_leaves_no_finished_looking_part_and_resumes(whole,
                                                                                   tmp_path):
    out = tmp_path / "full"
    result = sim("run", *ARGS, "--workers", "2", "--out", str(out),
                 preexec_fn=_small_files_only(20_000))  # parts are larger: no room for them
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "File too large" in result.stderr and f"sim run --resume {out}" in result.stderr
    assert not list(out.rglob("*.partial"))
    for status in (out / "status").glob("*.json"):  # nothing passes for a finished run
        assert json.loads(status.read_text())["status"] == "failed"
    assert not list((out / "timeseries").glob("*.parquet"))
    resumed = cli("run", "--resume", str(out), "--workers", "2", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert_same_results(whole, out)


@pytest.mark.slow
def test_two_runs_on_one_folder_the_second_is_refused_and_nothing_is_mixed(whole, tmp_path,
                                                                             capsys):
    out = tmp_path / "shared"
    first = start("run", *ARGS, "--workers", "2", "--out", str(out))
    wait_for(out, 1, first)
    for command in (["run", *ARGS, "--workers", "1", "--out", str(out)],
                    ["run", "--resume", str(out), "--quiet"]):
        assert first.poll() is None, "the first run should still be writing"
        assert main(command) == 2
        assert capsys.readouterr().err.strip().endswith(
            f"{out}: another sim run is writing to this folder")
    assert first.wait(timeout=600) == 0
    assert_same_results(whole, out)
    again = cli("run", "--resume", str(out), "--quiet")  # once the first is done, free again
    assert again.returncode == 0, again.stderr


@pytest.mark.slow
def test_ctrl_c_stops_keeps_finished_runs_and_says_how_to_resume(whole, tmp_path):
    out = tmp_path / "stopped"
    process = start("run", *ARGS, "--workers", "2", "--out", str(out))
    wait_for(out, 2, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    kept = finished(out)
    assert 2 <= kept < 6, "the stop should land part-way"
    assert err.strip().splitlines()[-1] == (
        f"interrupted: {kept} of 6 runs finished and kept; finish with: sim run --resume {out}")
    resumed = cli("run", "--resume", str(out), "--workers", "2", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert not list(out.rglob("*.partial"))
    assert_same_results(whole, out)


@pytest.mark.slow
def test_a_run_that_raises_is_recorded_and_the_figures_say_what_they_rest_on(
        tmp_path, monkeypatch, capsys):
    import sim.experiments.runs

    real = sim.experiments.runs.simulate
    seeds = sim.experiments.runs.replicate_seeds(5, 3)

    def raises_on_one(scenario, seed):
        if scenario.name == "observed-2025" and seed == seeds[1]:
            raise ValueError("bad design point")
        return real(scenario, seed)

    monkeypatch.setattr(sim.experiments.runs, "simulate", raises_on_one)
    out = tmp_path / "out"
    status = main(["run", "observed-2025", "baseline", "--users", "400", "--days", "20",
                   "--replicates", "3", "--seed", "5", "--workers", "1", "--quiet",
                   "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 1
    assert "1 of 6 runs failed or are missing (1 × ValueError: bad design point)" in err
    assert "the figures and summary rest on the 5 others" in err
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.set_index("run_id").loc["observed-2025-r001", "status"] == "failed"
    summary = (out / "plots" / "summary.md").read_text()
    assert "n = 2–3 replicates per scenario" in summary


def test_ctrl_c_in_a_single_process_run_keeps_what_finished(tmp_path, monkeypatch, capsys):
    """The same stop with --workers 1 (runs made in this process): no run after the stop."""
    import sim.experiments.runs

    real = sim.experiments.runs.simulate
    made = []

    def stop_at_third(scenario, seed):
        if len(made) == 2:
            raise KeyboardInterrupt
        made.append(seed)
        return real(scenario, seed)

    monkeypatch.setattr(sim.experiments.runs, "simulate", stop_at_third)
    out = tmp_path / "out"
    status = main(["run", "baseline", "--users", "400", "--days", "10", "--replicates", "5",
                   "--workers", "1", "--quiet", "--out", str(out)])
    assert status == 130
    assert capsys.readouterr().err.strip() == (
        f"interrupted: 2 of 5 runs finished and kept; finish with: sim run --resume {out}")
    assert len(made) == 2 and finished(out) == 2
