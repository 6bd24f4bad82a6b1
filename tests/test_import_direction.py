"""Imports run one way: cli → api → dashboard → report → experiments → analysis → model →
scenario.

The report (files, tables and figures for people) reads results and calls what runs; the
experiments (designs, runs, the results folder, every search) run the model and score with the
analysis; the analysis (pure functions of tables, arrays and scenarios) reads no file and runs
nothing; ``sim.api`` (experiments and results for notebooks) stands on all of them. A package may
import those after it, never one before it; the base modules (errors, units, tables) import
nothing of ``sim`` and anything may import them; the package ``sim`` itself (its version and
docstring; anything above the model may read them) imports the model and scenario, and its public
names from ``sim.api`` only when first used, so that importing it loads nothing else (checked
below); the dashboard (an optional extra) is imported by the command line only; a module of
``sim`` is imported under its own name. Read off the source with ``ast``, every import, also those
inside functions, so a lazy import cannot hide a cycle."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
FLOW = ["cli", "api", "dashboard", "report", "experiments", "analysis", "model",
        "scenario"]  # importer first
BASE = {"errors", "units", "tables"}
PACKAGE = "package"  # sim/__init__.py: version, docstring, the public names (imported lazily)


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = SIM.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """The ``sim`` modules one file imports, anywhere in it."""
    found = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's package upwards
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:  # `from sim import tables` imports the module sim.tables
                whole = f"{base}.{alias.name}"
                found.add(whole if is_module(whole) else base)
    return {name for name in found if name.split(".")[0] == "sim"}


def layer(module: str) -> str:
    """``cli``, ``api``, a package of the flow, ``base``, or ``package`` (sim itself)."""
    parts = module.split(".")
    if len(parts) == 1:
        return PACKAGE
    return "base" if parts[1] in BASE else parts[1]


def allowed(importer: str, imported: str) -> bool:
    source, target = layer(importer), layer(imported)
    if source == "base":
        return False  # the base stands on nothing of sim
    if target == "base" or source == target:
        return True
    if source == "__main__":
        return target == "cli"
    if source == PACKAGE:  # run and the names re-exported when first used
        return target in ("api", "model", "scenario")
    if target == PACKAGE:  # its version and docstring: above the model it exposes
        return FLOW.index(source) < FLOW.index("model")
    return FLOW.index(source) < FLOW.index(target)


MODULES = sorted(SIM.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SIM.parent)))
def test_a_module_imports_only_packages_later_in_the_flow(path):
    importer = module_name(path)
    wrong = sorted(name for name in imports_of(path) if not allowed(importer, name))
    assert not wrong, f"{importer} imports {', '.join(wrong)} (against the flow {' → '.join(FLOW)})"


def test_only_the_command_line_imports_the_dashboard():
    importers = {module_name(path) for path in MODULES
                 if any(layer(name) == "dashboard" for name in imports_of(path))}
    assert {m for m in importers if layer(m) != "dashboard"} <= {"sim.cli.tools"}


def test_every_module_is_in_a_known_place():
    unknown = {layer(module_name(p)) for p in MODULES} - {*FLOW, "base", PACKAGE, "__main__"}
    assert not unknown, f"modules outside the flow: {unknown}; add them to FLOW or BASE"


@pytest.mark.parametrize(("importer", "imported", "ok"), [
    ("sim.model.migration", "sim.experiments.runs", False),  # model must not know experiments
    ("sim.scenario.loading", "sim.model.users", False),
    ("sim.units", "sim.errors", False),  # the base imports nothing of sim
    ("sim.report.compare", "sim.analysis.outcomes", True),
    ("sim.report.summary", "sim.experiments.store", True),
    ("sim.experiments.calibration", "sim.analysis.sources", True),  # searches score with it
    ("sim.analysis.outcomes", "sim.experiments.store", False),  # analysis reads no results
    ("sim.experiments.sampling", "sim.report.sensitivity", False),  # runs write no reports
    ("sim.analysis.outcomes", "sim.tables", True),
    ("sim.model.kernels", "sim.model.blocks", True),
    ("sim", "sim.model.migration", True),
    ("sim", "sim.experiments.runs", False),
    ("sim", "sim.api", True),  # its public names, imported when first used
    ("sim.api", "sim.report.compare", True),
    ("sim.report.compare", "sim.api", False),  # nothing under the API stands on it
    ("sim.experiments.launch", "sim.api", False),
    ("sim.model.recorder", "sim", False),  # the package sits above the model it exposes
    ("sim.experiments.environment", "sim", True),  # sim.__version__
    ("sim.dashboard.engine", "sim.report.figures", True),
    ("sim.report.compare", "sim.dashboard.engine", False),  # nothing needs the optional extra
    ("sim.cli", "sim.dashboard.serve", True),
])
def test_the_rule_itself(importer, imported, ok):
    assert allowed(importer, imported) is ok


def test_imports_are_read_from_every_form(tmp_path, monkeypatch):
    package = tmp_path / "sim" / "model"
    package.mkdir(parents=True)
    for name in ("sim/__init__.py", "sim/model/__init__.py", "sim/model/users.py",
                 "sim/errors.py"):
        (tmp_path / name).write_text("")
    source = package / "rules.py"
    source.write_text("import numpy\nfrom sim import errors\nfrom . import users\n"
                      "def later():\n    from sim.experiments import runs\n")
    monkeypatch.setattr(sys.modules[__name__], "SIM", tmp_path / "sim")
    assert imports_of(source) == {"sim.errors", "sim.model.users", "sim.experiments"}




def aliases_of(path: Path) -> set[tuple[str, str]]:
    """(module, alias) for every ``sim`` name one file imports under another name."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            named = [(alias.name, alias.asname) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "sim" if node.level else node.module or ""  # a relative import is of sim
            named = [(f"{base}.{alias.name}", alias.asname) for alias in node.names]
        else:
            continue
        found |= {(module_name(path), asname) for name, asname in named
                  if asname and name.split(".")[0] == "sim"}
    return found


def test_sim_modules_are_imported_under_their_own_names():
    aliased = {pair for path in MODULES for pair in aliases_of(path)}
    assert not aliased, f"imported under another name: {sorted(aliased)}"


def test_importing_sim_loads_none_of_its_modules():
    """The package's import of ``sim.api`` (and of the model) happens when a name is first used,
    so the packages below that read ``sim.__version__`` do not load what stands on them."""
    import subprocess

    loaded = subprocess.run([sys.executable, "-c", "import sys, sim; print(sorted(m for m in "
                             "sys.modules if m.startswith('sim')))"], capture_output=True,
                            text=True, check=True, cwd=SIM.parent).stdout
    assert loaded.strip() == "['sim']"
