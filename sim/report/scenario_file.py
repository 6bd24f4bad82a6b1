"""The scenario file ``sim calibrate`` writes: it ``extends`` the scenario fitted with the fitted
values, and says in comments how they were found and how sure they are."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from sim.analysis.fitted import Fit
from sim.errors import InputError

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # not allowed in a TOML comment


def write_fitted(file: Path, fit: Fit, out: Path, command: str) -> Path:
    """A scenario file that ``extends`` the original with the fitted values (written with
    ``tomli_w``, so that any path or name is quoted correctly); the search is told in comments."""
    return write_values(file, fit.table, fit.best_loss, out, command)


def write_values(file: Path, table, loss: float, out: Path, command: str) -> Path:
    """A scenario file that ``extends`` ``file`` with the values of ``table`` (one row per field:
    ``fitted``, the interval ``low`` to ``high`` and the ``range`` searched, as a
    :class:`~sim.analysis.fitted.Fit` has them)."""
    import tomli_w

    if out.exists():
        raise InputError("--out", str(out), "exists; results are never overwritten")
    notes = [f"Fitted by: {command}",
             f"on {dt.date.today()}; loss {loss:.3g} (sum of squared target misses in "
             "tolerances); each value with the 95 % interval of the accepted candidates:"]
    doc: dict = {"extends": _relative(file, out)}
    for row in table.itertuples():
        *tables, key = row.field.split(".")
        node = doc
        for name in tables:
            node = node.setdefault(name, {})
        node[key] = float(f"{row.fitted:.6g}")
        interval = ("held" if row.range == "held"
                    else f"[{row.low:.4g}, {row.high:.4g}], searched {row.range}")
        notes.append(f"  {row.field} = {row.fitted:.6g} {interval}")
    header = "".join(f"# {_CONTROL.sub(' ', note)}\n" for note in notes)  # one line each
    out.write_text(header + tomli_w.dumps(doc), encoding="utf-8")
    return out


def _relative(target: Path, out: Path) -> str:
    return os.path.relpath(target.resolve(), out.resolve().parent)
