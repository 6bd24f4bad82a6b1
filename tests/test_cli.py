"""The command line: exit statuses, one-line errors, nothing written on bad input, reproducible.

Commands are called in this process (``sim.cli.main``, what the ``sim`` command runs); one test
runs the installed ``sim`` command itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from small_runs import cli

from sim.cli import main
from sim.scenario.loading import SCENARIO_DIR

TINY = ["--users", "600", "--days", "25", "--replicates", "2", "--quiet", "--workers", "1"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "first"
    result = cli("run", "observed-2025", "baseline", *TINY, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out, result


def test_run_writes_a_complete_results_folder_and_prints_its_path(tiny_run):
    out, result = tiny_run
    assert str(out) in result.stdout
    for name in ("manifest.json", "config.resolved.toml", "design.parquet", "runs.parquet",
                 "summary.parquet"):
        assert (out / name).is_file(), name
    assert len(list((out / "timeseries").glob("*.parquet"))) == 4
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["finished"] and manifest["runs"] == {"ok": 4}
    assert set(manifest["scenarios"]) == {"observed-2025", "baseline"}
    assert (out / "plots" / "trajectories-dau_us.png").stat().st_size > 10_000
    assert (out / "plots" / "trajectories-dau_us.svg").is_file()
    assert not list(out.rglob("*.partial"))


def test_run_ends_with_the_headline_rows_then_where_everything_is(tiny_run):
    out, result = tiny_run
    lines = result.stdout.splitlines()
    table = "\n".join(lines[:lines.index(f"results: {out}")])
    for row in ("RedNote", "peak daily US users", "tried it (signed up)", "TikTok",
                "of those, main app TikTok again at the end"):
        assert row in table
    assert any("observed-2025" in x and "baseline" in x for x in lines)  # a column per scenario
    assert "newcomers still engaged after 7 days" not in table  # the headline rows only
    assert (out / "run_outcomes.csv").is_file() and (out / "datapackage.json").is_file()


def test_replicate_k_has_the_same_seed_in_every_scenario(tiny_run):
    design = pd.read_parquet(tiny_run[0] / "design.parquet")
    seeds = design.pivot(index="replicate", columns="scenario", values="seed")
    assert (seeds["observed-2025"] == seeds["baseline"]).all()
    assert seeds["baseline"].nunique() == 2


@pytest.mark.slow
def test_same_scenario_and_seed_give_identical_parquet(tiny_run, tmp_path):
    again = tmp_path / "again"
    assert cli("run", "observed-2025", "baseline", *TINY, "--out", str(again)).returncode == 0
    for table in ("timeseries", "flows", "cohorts"):
        for part in sorted((tiny_run[0] / table).glob("*.parquet")):
            pd.testing.assert_frame_equal(pd.read_parquet(part),
                                          pd.read_parquet(again / table / part.name))


def test_results_are_never_overwritten(tiny_run):
    out, _ = tiny_run
    before = sorted(p.name for p in out.iterdir())
    result = cli("run", "baseline", *TINY, "--out", str(out))
    assert result.returncode == 2
    assert "never overwritten" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == before


@pytest.mark.parametrize("args, says", [
    (["run", "baseline", "--set", "platforms.rednote.languag_barrier=0.2"],
     "did you mean 'language_barrier'"),
    (["run", "baseline", "--set", "platforms.rednote.moderation=3"], "--set"),
    (["run", "no-such-scenario"], "no such scenario file"),
    (["run", "baseline", "--users", "-5"], "--users"),
    (["run", "baseline", "--replicates", "many"], "--replicates"),
    (["run", "baseline", "--frobnicate"], "--frobnicate"),
    (["validate", "baseline", "--set", "simulation.dayz=3"], "did you mean 'days'"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, args, says):
    out = tmp_path / "out"
    extra = ["--out", str(out)] if args[0] == "run" else []
    result = cli(*args, *extra)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_the_installed_sim_command_exits_2_with_one_line_of_its_own(tmp_path):
    """The entry point in a process of its own: the exit status and the one line reach the shell
    (the other tests call the same ``main`` in this process)."""
    command = Path(sys.executable).with_name("sim")
    done = subprocess.run([str(command), "validate", "baseline", "--set", "simulation.dayz=3"],
                          capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "did you mean 'days'" in done.stderr
    assert not any(tmp_path.iterdir())


def test_bad_scenario_file_error_names_the_file_and_field(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{SCENARIO_DIR / "baseline.toml"}"\n[simulation]\ndays = 0\n')
    result = cli("validate", str(bad))
    assert result.returncode == 2
    assert "bad.toml" in result.stderr


def test_validate_and_scenarios_list_the_shipped_files(capsys):
    assert main(["validate", "observed-2025", "ban-enforced"]) == 0
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "ok:" in out and "observed-2025" in out and "ban-enforced" in out


def test_internal_failure_exits_1(monkeypatch, capsys):
    import sim.experiments.launch

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sim.experiments.launch, "load_scenario", broken)
    assert main(["validate", "baseline"]) == 1
    assert "internal error" in capsys.readouterr().err


def test_resume_takes_no_experiment_options(tiny_run):
    out, _ = tiny_run
    result = cli("run", "--resume", str(out), "--replicates", "5", "--users", "300")
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "takes no --replicates, --users: the folder's experiment is finished as it was planned")


def test_one_broken_scenario_file_does_not_hide_the_others(tmp_path, monkeypatch, capsys):
    import sim.scenario.loading
    from sim.cli import main

    shipped = sim.scenario.loading.SCENARIO_DIR / "baseline.toml"
    (tmp_path / "good.toml").write_text(f'extends = "{shipped}"\nquestion = "Still listed?"\n')
    (tmp_path / "broken.toml").write_text("x = = 1\n")
    monkeypatch.setattr(sim.scenario.loading, "SCENARIO_DIR", tmp_path)
    assert main(["scenarios"]) == 0
    out, err = capsys.readouterr()
    assert "good" in out and "Still listed?" in out
    assert len(err.strip().splitlines()) == 1 and "broken.toml" in err
