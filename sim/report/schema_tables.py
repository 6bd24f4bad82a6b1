"""Reference tables generated from the code, for ``docs/``: every scenario field (name,
default, allowed values, description, read off the pydantic schema), the event kinds, the
target and experiment fields, the shipped scenarios with the question each answers, and the
public API's example.

``sim docs --table NAME`` prints one of them; ``make docs`` writes them into the pages.
"""

from __future__ import annotations

import datetime as dt
import tomllib
import types
import typing
from pathlib import Path

import annotated_types as at
from pydantic import BaseModel

from sim import tables
from sim.scenario import observations, schema, timeline


def number(value) -> str:
    """A default as a scenario file would write it: ``170_000_000``, ``0.0005``, ``true``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e4:
        return f"{int(value):_}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):  # a round number with digit groups, a seed without
        return f"{value:_}" if abs(value) >= 1e4 and value % 1000 == 0 else str(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return "{" + ", ".join(f"{k} = {number(v)}" for k, v in value.model_dump().items()) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {number(v)}' for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(number(v) for v in value) + "]"
    return str(value)


def default_of(info) -> str:
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        made = info.default_factory()
        return number(made) if made else "empty"
    return "none" if info.default is None else number(info.default)


def allowed(info) -> str:
    """The values a field accepts: ``0..1``, ``≥ 0``, ``grid, lhs, sobol``, ``date``."""
    m = {type(x): x for x in info.metadata}
    if at.Ge in m and at.Le in m:
        bounds = f"{number(m[at.Ge].ge)}..{number(m[at.Le].le)}"
    else:
        low = (f"≥ {number(m[at.Ge].ge)}" if at.Ge in m else
               f"> {number(m[at.Gt].gt)}" if at.Gt in m else "")
        bounds = " ".join(filter(None, [low, f"≤ {number(m[at.Le].le)}" if at.Le in m else ""]))
    kind = _kind(info.annotation)
    return " ".join(filter(None, [kind, bounds])) or "number"


def _kind(annotation) -> str:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Literal:
        return ", ".join(map(str, typing.get_args(annotation)))
    if args and typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " or ".join(filter(None, (_kind(a) for a in args)))
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return "integer"
    if annotation is dt.date:
        return "date"
    if annotation is str:
        return "text"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    if typing.get_origin(annotation) is dict:
        return "table"
    if typing.get_origin(annotation) is list:
        return "list"
    return ""


def field_table(model: type[BaseModel], skip: tuple[str, ...] = ()) -> str:
    rows = [[f"`{name}`", default_of(info), allowed(info), info.description or ""]
            for name, info in model.model_fields.items() if name not in skip]
    return tables.markdown(["field", "default", "allowed", "description"], rows)


def _doc(model: type) -> str:
    return " ".join((model.__doc__ or "").split("\n\n")[0].split())


def fields() -> str:
    """Every field that shapes a run, one table per scenario table."""
    sections = [
        ("`[simulation]`", schema.Simulation, ()),
        ("`[population]`", schema.Population, ()),
        ("Each trait of `[population]` (`{mean, concentration}`)", schema.Trait, ()),
        ("`[motives]`", schema.Motives, ()),
        ("`[dynamics]`", schema.Dynamics, ()),
        ("`[platforms.NAME]`", schema.Platform, ()),
        ("`[episode]`", schema.Episode, ()),
        ("Top level", schema.Scenario,
         ("simulation", "population", "motives", "dynamics", "platforms", "events",
          "experiment", "targets", "sources")),
    ]
    return "\n\n".join(f"#### {title}\n\n{_doc(model)}\n\n{field_table(model, skip)}"
                       for title, model, skip in sections)


def events() -> str:
    """Each event kind: its fields beyond ``date`` and ``label``, and what it does."""
    rows = []
    for kind in typing.get_args(typing.get_args(timeline.Event)[0]):
        name = typing.get_args(kind.model_fields["kind"].annotation)[0]
        own = [f"`{f}`" + ("" if i.is_required() else f" ({default_of(i)})")
               for f, i in kind.model_fields.items() if f not in ("kind", "date", "label")]
        if issubclass(kind, timeline.Targeted):  # exactly one of the two
            own = ["`platform` or `owner`", *own[2:]]
        rows.append([f"`{name}`", ", ".join(own), _doc(kind)])
    return tables.markdown(["kind", "fields (default)", "what it does"], rows)


def targets() -> str:
    """The fields of ``[[targets]]``, ``[sources]`` and ``[experiment]``."""
    return "\n\n".join(f"#### {title}\n\n{field_table(model)}" for title, model in (
        ("`[[targets]]`", observations.Target),
        ("`[sources]`: one table per kind of source", observations.Sources),
        ("Each kind of source (`[sources.KIND]`)", observations.Source),
        ("`[experiment]`", schema.Experiment),
        ("A swept range (`[experiment.sweep]`)", schema.SweepRange)))


def scenarios() -> str:
    """The shipped scenarios: name (linked to the file), what it extends, its question."""
    from sim.scenario.loading import SCENARIO_DIR, load_scenario

    rows = []
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        parent = tomllib.loads(path.read_text()).get("extends", "")
        rows.append([f"[`{path.stem}`](../scenarios/{path.name})",
                     f"`{Path(parent).stem}`" if parent else "—", load_scenario(path).question])
    return tables.markdown(["scenario", "extends", "question"], rows)


def api() -> str:
    """The public API's example, as the docstring of ``sim`` gives it (where a doctest runs it)."""
    import sim

    lines = []
    for line in sim.__doc__.split("::", 1)[1].splitlines()[1:]:
        if line and not line.startswith("    "):
            break
        lines.append(line[4:])
    return "```python\n" + "\n".join(lines).strip() + "\n```"


TABLES = {"fields": fields, "events": events, "targets": targets, "scenarios": scenarios,
          "api": api}
