"""The data dictionary of a results folder: ``datapackage.json``, a Frictionless Data Package
(https://datapackage.org) naming every table of the folder, its files, and each column's type,
unit and meaning, so that any tool (R, DuckDB, polars, a spreadsheet) reads the results without
sim.

This module is the one place that says what each column means. The columns listed are those
actually written (read off each file's schema); a column this module does not know gets an empty
description, which a test refuses.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from sim.analysis.outcomes import KIND
from sim.analysis.run_table import kind_of
from sim.analysis.run_values import GAIN, label
from sim.experiments.store import write_json
from sim.model.recorder import RETENTION_DAYS
from sim.scenario.metrics import MOTIVE_LABELS
from sim.scenario.schema import Scenario

PACKAGE = "datapackage.json"
USERS = "users"  # real-world people: simulated users × population.real_users / simulation.users
SHARE = "share (1 = 100 %)"


@dataclass(frozen=True)
class Table:
    """A table of the folder: its resource name, where its files are, what a row is."""

    name: str
    path: str  # a file, or a folder of one file per run
    row: str


TABLES = (
    Table("design", "design.parquet", "one run of the experiment, as planned"),
    Table("runs", "runs.parquet", "one run, as it went"),
    Table("run_outcomes", "run_outcomes.parquet", "one run: its design and headline outcomes"),
    Table("run_outcomes_csv", "run_outcomes.csv", "the same as run_outcomes, as CSV"),
    Table("timeseries", "timeseries", "one day and platform of one run"),
    Table("flows", "flows", "one day and pair of main apps (from, to) of one run, where "
          "anyone moved"),
    Table("cohorts", "cohorts", "the newcomers of one platform who signed up on one day, in one "
          "run"),
    Table("profile", "profile", "the newcomers of one platform over one whole run"),
    Table("summary", "summary.parquet", "one scenario, design point, day, platform and daily "
          "metric: quantiles across replicates"),
    Table("summary_table", "plots/summary.csv", "one scenario, design point, platform and "
          "headline outcome: median and 90 % interval across replicates (plots/summary.md)"),
    Table("probabilities", "plots/probabilities.csv", "one scenario, platform and headline "
          "outcome against the baseline: how often it is above"),
)

IDENTITY = {  # column: (unit, meaning)
    "run_id": ("", "the run's name (scenario, -pNNN design point when there are several, -rNNN "
               "replicate); its files are TABLE/<run_id>.parquet"),
    "scenario": ("", "scenario name (config.resolved.toml has it as run)"),
    "point": ("", "design point, 0..: one combination of swept values (with --posterior: one "
              "posterior draw)"),
    "replicate": ("", "replicate number, 0..; replicate k has the same seed in every scenario "
                  "and design point"),
    "seed": ("", "the run's random seed: the replicate's child of numpy's "
             "SeedSequence(root seed in manifest.json)"),
    "status": ("", "ok, failed (see errors/<run_id>.txt) or missing (not run, or a damaged "
               "file: sim run --resume makes it)"),
    "platform": ("", "platform name ([platforms.NAME] of the scenario)"),
    "day": ("days", "days since simulation.start (day 0 is the first simulated day)"),
    "date": ("date", "the calendar day (simulation.start + day)"),
}
METRIC_WORDS = {  # the daily metrics of the timeseries, per platform
    "dau": "daily active users among the simulated population",
    "dau_us": "daily active users: the simulated population plus the platform's other users "
              "of the market (outside it)",
    "engaged": "users with an account who have not gone dormant",
    "accounts": "accounts held (dormant ones included)",
    "signups": "accounts made that day",
    "churn": "users who went dormant that day (they may come back)",
    "returns": "dormant users who came back that day",
    "creators_active": "creators who opened the app that day",
    "protest_posts": "posts under the episode's protest tag (episode.protest_tag) that day",
    "moved": "people so far who chose to move their main app from the origin here on a day the "
             "origin was up (on the origin's rows: away from it, to any platform or to none)",
    "moved_back": "of those who moved, people whose main app is the origin again that day",
    "ever_back": "of those who moved, people whose main app was the origin again on some day "
                 "since their move",
    **{f"signups_{m}": f"accounts made that day by users whose strongest motive was {m}"
       for m in MOTIVE_LABELS},
}
COLUMNS = {  # table: {column: (unit, meaning)}, beyond IDENTITY and the patterns below
    "runs": {
        "error": ("", "the first line of a failed run's error (empty if ok)"),
        "worker": ("", "host:process that made the run"),
        "duration_s": ("seconds", "wall-clock time of the run"),
        "parts": ("", "sha256 of each of the run's files, by table (checked by --resume)"),
    },
    "timeseries": {**{k: ("posts" if k == "protest_posts" else USERS, v)
                      for k, v in METRIC_WORDS.items()},
                   "ban_threat": (SHARE, "perceived probability that the origin platform is "
                                  "lost (the same on every platform's row)")},
    "flows": {"from": ("", "main app before (none: no main app)"),
              "to": ("", "main app after (none: no main app)"),
              "users": (USERS, "users whose main app changed from -> to that day")},
    "cohorts": {"day": ("days", "sign-up day, days since simulation.start"),
                "signups": (USERS, "newcomers who signed up on that day"),
                **{f"retained_{k}": (USERS, f"of those, not gone dormant {k} days later (empty "
                                     "past the end of the run)") for k in RETENTION_DAYS}},
    "profile": {"newcomers": (USERS, "users who signed up during the run"),
                "newcomer_share_18_34": (SHARE, "share of the newcomers aged 18-34 (18-29 plus "
                                         "a quarter of 30-49)"),
                "top_creator_accounts": (SHARE, "share of the top creators (the most-followed "
                                         "1 %) with an account at the end")},
    "summary": {"metric": ("", "a daily metric of the timeseries table"),
                **{f"q{q:02d}": ("as the metric", f"{q} % quantile across replicates")
                   for q in (5, 25, 50, 75, 95)},
                "replicates": ("", "replicates the quantiles are taken over")},
    "summary_table": {
        "platform_label": ("", "the platform's name in words"),
        "outcome": ("", "outcome key (the column PLATFORM.OUTCOME of run_outcomes)"),
        "label": ("", "the outcome in words"),
        "kind": ("", "count (users), percent (a share 0..1) or date (days since "
                 "simulation.start)"),
        "median": ("by kind", "median across replicates"),
        "q05": ("by kind", "5 % quantile across replicates"),
        "q95": ("by kind", "95 % quantile across replicates"),
        "n": ("", "replicates (or draws × replicates) with a value"),
        "users": ("simulated users", "for a share of newcomers or movers: the simulated users "
                  "it rests on, median across the replicates that have it (fewer than 30: "
                  "flagged in text)"),
        "text": ("", "the cell as plots/summary.md shows it"),
    },
    "probabilities": {
        "baseline": ("", "the scenario compared against"),
        "outcome": ("", "outcome key (the column PLATFORM.OUTCOME of run_outcomes)"),
        "draws": ("", "draws (or replicate pairs) compared"),
        "above": (SHARE, "share of draws in which the scenario is above the baseline (ties "
                  "count half)"),
        "median_difference": ("as the outcome", "median paired difference, scenario − "
                              "baseline"),
    },
}
OUTCOME_UNITS = {"count": USERS, "percent": SHARE, "date": "date"}
ARROW_TYPES = ((pa.types.is_integer, "integer"), (pa.types.is_floating, "number"),
               (pa.types.is_boolean, "boolean"), (pa.types.is_timestamp, "datetime"),
               (pa.types.is_date, "date"), (pa.types.is_struct, "object"),
               (pa.types.is_list, "array"))
PER_RUN = ("run_outcomes", "run_outcomes_csv")


def meaning(table: str, column: str, scenarios: list[Scenario]) -> tuple[str, str]:
    """(unit, meaning) of a column of a table (``scenarios``: those of the folder, for the
    outcome columns' words); ("", "") for a column nobody described."""
    known = {**IDENTITY, **COLUMNS.get(table, {})}
    if column in known:
        return known[column]
    if table == "profile" and column.startswith("newcomer_share_"):
        return SHARE, f"share of the newcomers aged {column.removeprefix('newcomer_share_')}"
    platform, _, key = column.partition(".")
    having = [s for s in scenarios if platform in s.platforms]
    if table in PER_RUN and having and (key == GAIN or key in KIND):
        words = label(column, having[0]).replace(", % of ", ", as a share of ")
        return OUTCOME_UNITS[kind_of(column)], f"{words.removesuffix(', %')}, in this run"
    if "." in column and table in (*PER_RUN, "design", "summary_table"):
        return "as the field", f"the value of the scenario field {column} at this design point"
    return "", ""


def field_of(table: str, name: str, kind: pa.DataType, scenarios: list[Scenario]) -> dict:
    """The Frictionless field of one column: name, type, unit and description."""
    unit, words = meaning(table, name, scenarios)
    field = {"name": name, "type": _type(kind), "description": words}
    if unit:
        field["unit"] = unit
    return field


def _type(kind: pa.DataType) -> str:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return next((name for test, name in ARROW_TYPES if test(kind)), "string")


def resources(folder: Path) -> list[dict]:
    """One Frictionless resource per table present in the folder."""
    scenarios = scenarios_of(folder)
    found = []
    for table in TABLES:
        where = folder / table.path
        files = sorted(where.glob("*.parquet")) if where.is_dir() else [where]
        files = [f for f in files if f.is_file()]
        if not files:
            continue
        csv = files[0].suffix == ".csv"
        schema = _schema(files[0])
        paths = [str(f.relative_to(folder)) for f in files]
        found.append({
            "name": table.name, "path": paths[0] if len(paths) == 1 else paths,
            "profile": "tabular-data-resource", "format": "csv" if csv else "parquet",
            "mediatype": "text/csv" if csv else "application/vnd.apache.parquet",
            "description": f"A row is {table.row}.",
            "schema": {"fields": [field_of(table.name, n, schema.field(n).type, scenarios)
                                  for n in schema.names]},
        })
    return found


def scenarios_of(folder: Path) -> list[Scenario]:
    """The scenarios of a results folder as run (none if it has no readable config)."""
    try:
        config = tomllib.loads((folder / "config.resolved.toml").read_text())["scenarios"]
        return [Scenario.model_validate(raw) for raw in config.values()]
    except (OSError, KeyError, tomllib.TOMLDecodeError, ValidationError):
        return []


def _schema(path: Path) -> pa.Schema:
    """The column types of a table's file: a Parquet file's own, a CSV's those of the same
    table as Parquet beside it, else as pyarrow infers them."""
    from pyarrow import csv

    twin = path.with_suffix(".parquet")
    return pq.read_schema(twin) if twin.is_file() else csv.read_csv(path).schema


def write_datapackage(folder: Path, title: str = "") -> Path:
    """Describe every table of the results folder in ``datapackage.json`` (rewritten)."""
    folder = Path(folder)
    package = {
        "profile": "data-package",
        "name": re.sub(r"[^a-z0-9._-]+", "-", folder.name.lower()).strip("-") or "results",
        "title": title or f"sim results {folder.name}",
        "description": "Results of the platform-migration agent-based model (sim). Users are "
                       "real-world people (simulated users × population.real_users / "
                       "simulation.users); shares are 0..1; manifest.json says what ran, with "
                       "which code and seeds.",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "resources": resources(folder),
    }
    path = folder / PACKAGE
    write_json(path, package)
    return path
