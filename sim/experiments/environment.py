"""What a results folder's manifest records of the code that made it: sim's version, the git
commit of a clone, the Python and every installed package the run could use."""

from __future__ import annotations

import platform
import re
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

import sim
from sim.errors import PROJECT


def describe() -> dict:
    """The manifest's ``version``, ``git``, ``python`` and ``packages``."""
    return {"version": sim.__version__, "git": _git_state(), "python": platform.python_version(),
            "packages": dict(packages_used())}


@cache
def packages_used() -> dict[str, str]:
    """sim and every installed distribution its requirements lead to, extras and theirs
    included, with its version (every installed one where sim itself is not installed). Made
    once a process: a copy for each use."""
    installed = {}  # normalised name: (name, version, requirements), the first on sys.path
    for dist in metadata.distributions():
        meta = dist.metadata  # read from disk at each use: once here
        installed.setdefault(_normal(meta["Name"]), (meta["Name"], meta["Version"],
                                                     meta.get_all("Requires-Dist") or []))
    todo = [PROJECT] if _normal(PROJECT) in installed else list(installed)
    found: dict[str, str] = {}
    while todo:
        name, version, requires = installed.get(_normal(todo.pop()), (None, None, []))
        if name is not None and name not in found:
            found[name] = version
            todo += [re.match(r"[\w.-]+", requirement)[0] for requirement in requires]
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


def _normal(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503): ``SALib`` = ``salib``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _git_state() -> dict:
    """The commit of the clone sim runs from, and whether tracked files differ from it (None
    for an installed copy, even one in a clone's .venv, or where git is missing)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return {"commit": None, "dirty": None}

    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                             timeout=10, check=False)
        return out.stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD") or None,
                "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
