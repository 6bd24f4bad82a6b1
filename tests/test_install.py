"""Installing, versions and citing: a wheel that runs a shipped scenario from an empty folder in a
fresh environment, a missing extra said in one line, nothing POSIX-only imported, the lock of a
results folder, the manifest's packages, ``sim --version``, CITATION.cff and the changelog."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml

import sim
from sim.cli import main
from sim.errors import InputError, installed
from sim.experiments.store import is_locked, locked

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CFF_SCHEMA = Path(__file__).with_name("cff-1.2.0.schema.json")  # from PyPI's cffconvert 2.0.0
PIP = "pip install 'tiktok-refugees-sim[{}]'"


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize(("module", "extra", "args"), [
    ("SALib", "uncertainty", ["sensitivity", str(ROOT / "docs" / "uncertainty.toml"),
                              "--users", "200", "--days", "5"]),
    ("pyabc", "uncertainty", ["calibrate", "observed-2025", "--fit", "dynamics.buzz=1:3",
                              "--posterior", "10", "--users", "200", "--days", "5"]),
    ("distributed", "dask", ["run", "observed-2025", "--executor", "dask",
                             "--scheduler", "tcp://127.0.0.1:9", "--users", "200"]),
], ids=["SALib", "pyabc", "dask"])
def test_a_missing_extra_is_exit_2_naming_it_and_its_pip_command_and_writes_nothing(
        module, extra, args, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    out = tmp_path / "out"
    assert main([*args, "--out", str(out), "--quiet"]) == 2
    err = one_error_line(capsys)
    assert f"needs {module}, which is not installed: {PIP.format(extra)}" in err
    assert not out.exists()


def test_the_dashboard_without_its_extra_says_which(monkeypatch, capsys):
    for name in ("SIM_DASHBOARD_SCENARIOS", "SOLARA_TELEMETRY_MIXPANEL_ENABLE",
                 "SOLARA_THEME_LOADER"):  # set by sim dashboard: restored afterwards
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setitem(sys.modules, "solara", None)
    assert main(["dashboard", "--port", "0"]) == 2
    assert one_error_line(capsys) == ("error: sim dashboard: needs solara, which is not "
                                      f"installed: {PIP.format('dashboard')}")


def test_discovery_without_the_workbench_says_which(monkeypatch):
    from sim.analysis.prim import discover

    cases = pd.DataFrame({"dynamics.buzz": [1.0, 2.0, 3.0, 4.0], "rednote.tried": [1, 2, 3, 4]})
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    with pytest.raises(InputError, match=r"sim discover: needs ema_workbench, .*"
                                         r"\[uncertainty\]'$"):
        discover(cases, "rednote.tried", above=2.5, below=None)
    assert not installed("ema_workbench")


def test_sim_version_prints_the_one_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"tiktok-refugees-sim {sim.__version__}\n"
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "sim.__version__"}
    assert "version" not in PYPROJECT["project"]


def test_citation_cff_is_valid_cff_1_2_0_and_agrees_with_the_package():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    released = citation["date-released"]  # the schema asks for YAML dates cast to text
    citation["date-released"] = released.isoformat() if isinstance(released, dt.date) else released
    schema = json.loads(CFF_SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema,
                                           format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    problems = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(citation)]
    assert not problems, problems
    project = PYPROJECT["project"]
    assert str(citation["version"]) == sim.__version__
    assert citation["license"] == project["license"]
    assert citation["keywords"] == project["keywords"]
    assert [a["name"] for a in citation["authors"]] == [a["name"] for a in project["authors"]]
    assert citation["authors"][0]["name"] in (ROOT / "LICENSE").read_text()


def test_the_changelog_has_unreleased_and_the_current_version_dated():
    headings = [line for line in (ROOT / "CHANGELOG.md").read_text().splitlines()
                if line.startswith("## ")]
    assert headings[0] == "## [Unreleased]"
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert f"## [{sim.__version__}] - {citation['date-released']}" in headings


def test_every_package_under_sim_and_the_scenarios_are_in_the_distribution():
    setuptools = PYPROJECT["tool"]["setuptools"]
    found = {".".join(init.parent.relative_to(ROOT).parts)
             for init in (ROOT / "sim").rglob("__init__.py")}
    assert set(setuptools["packages"]) == found | {"sim.shipped"}
    assert setuptools["package-dir"] == {"sim.shipped": "scenarios"}
    assert (ROOT / "scenarios" / "__init__.py").is_file()
    assert setuptools["package-data"] == {"sim.shipped": ["*.toml"]}


def test_the_manifest_lists_every_package_the_run_used_with_versions(three_scenarios):
    packages = json.loads((three_scenarios / "manifest.json").read_text())["packages"]
    wanted = ["numpy", "Mesa", "pandas", "filelock", "psutil",
              "networkx"]  # of mesa[network]: an extra of a requirement
    wanted += [name for name in ("SALib", "pyabc", "distributed") if installed(name)]
    for name in wanted:
        assert packages.get(name) == metadata.version(name), name


HOLDER = """import sys
from pathlib import Path
from sim.experiments.store import locked
with locked(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_folder_locked_by_a_live_process_is_refused_and_free_once_it_is_killed(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    assert not is_locked(folder)
    assert not any(folder.iterdir())  # asking made no lock file
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        assert is_locked(folder)
        with pytest.raises(InputError, match="another sim run is writing to this folder"), \
                locked(folder, "--resume"):
            pass
    finally:
        holder.kill()  # however it ends, the lock goes with it
        holder.wait()
    assert not is_locked(folder)
    with locked(folder):
        assert is_locked(folder) is True  # held by this process: another sim run is refused


IMPORT_ALL = """import sys
sys.modules["fcntl"] = None  # as on Windows
import importlib, pkgutil
import sim
names = [m.name for m in pkgutil.walk_packages(sim.__path__, "sim.")
         if m.name != "sim.__main__" and (installed or not m.name.startswith("sim.dashboard"))]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


@pytest.mark.slow
def test_sim_and_every_module_import_without_posix_only_modules():
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           # Solara asks for a file lock on import unless told an id; without fcntl (here, not on
           # Windows) filelock's stand-in waits on the lock file left by earlier imports
           "SOLARA_TELEMETRY_SERVER_USER_ID": "sim-tests"}
    code = f"installed = {installed('solara')}\n" + IMPORT_ALL
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                          text=True, timeout=300, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 60


SOURCES = ("pyproject.toml", "README.md", "LICENSE", "sim", "scenarios")  # all a wheel is from


def _build_wheel(tmp_path: Path) -> Path:
    """A wheel of the repository as pip builds one, from a copy (the build writes beside it)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(tmp_path / "dist"), str(source)], check=True, timeout=600)
    return next((tmp_path / "dist").glob("tiktok_refugees_sim-*.whl"))


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_environment_runs_a_shipped_scenario_from_an_empty_folder(
        tmp_path):
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for toml in (ROOT / "scenarios").glob("*.toml"):
        assert f"sim/shipped/{toml.name}" in names
    for module in (ROOT / "sim").rglob("*.py"):
        assert module.relative_to(ROOT).as_posix() in names
    assert f"tiktok_refugees_sim-{sim.__version__}.dist-info/licenses/LICENSE" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([bin_dir / "python", "-m", "pip", "install", "--quiet", wheel], check=True,
                   timeout=1200)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def fresh(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([bin_dir / "sim", *args], cwd=empty, env=env, capture_output=True,
                              text=True, timeout=600, check=False)

    version = fresh("--version")
    assert version.stdout == f"tiktok-refugees-sim {sim.__version__}\n"
    ran = fresh("run", "observed-2025", "--users", "500", "--days", "20", "--quiet")
    assert ran.returncode == 0, ran.stderr
    [folder] = (empty / "results").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["runs"] == {"ok": 3} and manifest["version"] == sim.__version__
    assert manifest["packages"]["tiktok-refugees-sim"] == sim.__version__
    assert manifest["git"] == {"commit": None, "dirty": None}  # an installed copy, not a clone
    assert len(list((folder / "timeseries").glob("*.parquet"))) == 3
    assert (folder / "plots" / "trajectories-dau_us.png").is_file()
    where = subprocess.run([bin_dir / "python", "-c", "import sim; print(sim.__file__)"], cwd=empty,
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(venv)  # the installed copy ran, not the repository's
    missing = fresh("sensitivity", str(ROOT / "docs" / "uncertainty.toml"))  # no extras here
    assert missing.returncode == 2
    assert missing.stderr == ("error: sim sensitivity: needs SALib, which is not installed: "
                              f"{PIP.format('uncertainty')}\n")
