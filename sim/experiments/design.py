"""Experimental designs: sweeps over any scenario field, full grids, Latin hypercube and Sobol.

A sweep is written ``FIELD=VALUES`` where VALUES is a list (``0.2,0.4,0.6``), an evenly spaced
range (``0.2:0.6:5`` = five values from 0.2 to 0.6) or, for sampled designs, bounds
(``0.2:0.6``). The design turns sweeps into *points*: one dict of field -> value each. A field to
fit (``sim calibrate --fit``, ``sim sensitivity --vary``) is a sweep over bounds, with a prior.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field

import numpy as np

from sim.analysis import priors
from sim.errors import InputError, did_you_mean

DESIGNS = ("grid", "lhs", "sobol")


@dataclass(frozen=True)
class Sweep:
    """One swept field: either explicit values (grid) or bounds (sampled designs)."""

    field: str
    values: tuple[float, ...] = ()
    bounds: tuple[float, float] | None = None
    source: str = "--sweep"  # where it was given: the option or a file's [experiment.sweep]
    prior: tuple = ()  # of a fitted field: its prior over the bounds (sim.analysis.priors)


@dataclass
class ExperimentSpec:
    """What to run besides the scenarios themselves: sweeps, design, samples, replicates.

    ``given`` points (design ``given``) are made by an analysis (a sensitivity sample, posterior
    draws) and recorded as they are, so that ``--resume`` runs exactly them; ``pooled`` says that
    the points are draws of uncertain parameters, to be read together as one ensemble (figures and
    tables pool them with the replicates) rather than as a sweep.
    """

    sweeps: list[Sweep] = field(default_factory=list)
    design: str = "grid"
    samples: int | None = None
    given: list[dict[str, float]] | None = None
    pooled: bool = False

    def as_dict(self) -> dict:
        extra = {"given": self.given, "pooled": self.pooled} if self.given is not None else {}
        return {
            "design": self.design,
            "samples": self.samples,
            "sweeps": [{"field": s.field, "values": list(s.values),
                        "bounds": list(s.bounds) if s.bounds else None} for s in self.sweeps],
            **extra,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ExperimentSpec:
        sweeps = [Sweep(s["field"], tuple(s["values"]), tuple(s["bounds"]) if s["bounds"] else None)
                  for s in data.get("sweeps", [])]
        return cls(sweeps, data.get("design", "grid"), data.get("samples"), data.get("given"),
                   bool(data.get("pooled", False)))

    @classmethod
    def of_points(cls, given: list[dict[str, float]], kind: str, pooled: bool = False,
                  source: str = "--sweep") -> ExperimentSpec:
        """Points made elsewhere (``kind`` says how, e.g. ``sobol-saltelli``), run as given;
        ``source``: the option they came from, for error messages."""
        fields = list(given[0]) if given else []
        sweeps = [Sweep(f, (), (min(p[f] for p in given), max(p[f] for p in given)),
                        source=source) for f in fields]
        return cls(sweeps, kind, len(given), [dict(p) for p in given], pooled)


def parse_sweep(text: str, source: str = "--sweep") -> Sweep:
    """``field=0.2,0.4`` | ``field=0.2:0.6:5`` (evenly spaced) | ``field=0.2:0.6`` (bounds)."""
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not sep or not name or not spec:
        raise InputError(source, text, "expected FIELD=VALUES, e.g. dynamics.buzz=1,2,3 or 1:3:5")
    try:
        if ":" in spec:
            parts = [float(p) for p in spec.split(":")]
            if len(parts) == 2:
                return _bounded(name, parts[0], parts[1], source)
            if len(parts) == 3 and parts[2] == int(parts[2]) and parts[2] >= 1:
                _bounded(name, parts[0], parts[1], source)
                return Sweep(name, tuple(np.linspace(parts[0], parts[1], int(parts[2])).tolist()),
                             source=source)
            raise ValueError
        values = tuple(float(v) for v in spec.split(",") if v.strip())
    except ValueError:
        raise InputError(source, name, f"cannot read '{spec}': use 1,2,3 or LOW:HIGH[:COUNT]"
                         ) from None
    if not values:
        raise InputError(source, name, "empty list of values")
    return Sweep(name, values, source=source)


def _bounded(name: str, low: float, high: float, source: str) -> Sweep:
    if not low < high:
        raise InputError(source, name, f"empty range {low:g}:{high:g} (LOW must be below HIGH)")
    return Sweep(name, (), (low, high), source)


def points(spec: ExperimentSpec, seed: int) -> list[dict[str, float]]:
    """The design's points, in a fixed order (the same for the same spec and seed)."""
    if spec.given is not None:
        return [dict(p) for p in spec.given]
    if not spec.sweeps:
        return [{}]
    if spec.design == "grid":
        return _grid(spec.sweeps)
    return _sampled(spec, seed)


def _grid(sweeps: list[Sweep]) -> list[dict[str, float]]:
    for sweep in sweeps:
        if sweep.bounds is not None:
            raise InputError("--sweep", sweep.field,
                             "a grid needs values (1,2,3 or LOW:HIGH:COUNT), not just bounds; "
                             "or use --design lhs/sobol with --samples")
    names = [s.field for s in sweeps]
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(s.values for s in sweeps))]


def _sampled(spec: ExperimentSpec, seed: int) -> list[dict[str, float]]:
    from scipy.stats import qmc

    if spec.samples is None or spec.samples <= 0:
        raise InputError("--samples", str(spec.samples), f"the {spec.design} design needs "
                         "--samples N with N > 0")
    bounds = []
    for sweep in spec.sweeps:
        if sweep.bounds is None:
            bounds.append((min(sweep.values), max(sweep.values)))
        else:
            bounds.append(sweep.bounds)
    low, high = np.array(bounds).T
    if (low >= high).any():
        raise InputError("--sweep", spec.sweeps[int(np.argmax(low >= high))].field,
                         "empty range: a sampled design needs LOW < HIGH")
    sampler = (qmc.LatinHypercube(d=len(bounds), rng=np.random.default_rng(seed))
               if spec.design == "lhs" else
               qmc.Sobol(d=len(bounds), scramble=True, rng=np.random.default_rng(seed)))
    with warnings.catch_warnings():  # Sobol prefers powers of two; any count is still valid
        warnings.simplefilter("ignore", UserWarning)
        unit = sampler.random(spec.samples)
    scaled = qmc.scale(unit, low, high)
    names = [s.field for s in spec.sweeps]
    return [dict(zip(names, map(float, row), strict=True)) for row in scaled]


def as_overrides(point: dict[str, float]) -> list[str]:
    """A design point as ``--set`` overrides (validated like any other)."""
    return [f"{name}={_toml_number(value)}" for name, value in point.items()]


def _toml_number(value: float) -> str:
    text = repr(float(value))
    return text if ("." in text or "e" in text or "inf" in text or "nan" in text) else text + ".0"


def parse_fit(text: str, scenario, option: str = "--fit") -> Sweep:
    """``FIELD=LOW:HIGH``, or ``FIELD`` alone for half to double its current value (``option``:
    where it was given, for the error message); a prior may follow the range
    (``FIELD=LOW:HIGH:log``, ``...:normal:MEAN:SD``: :mod:`sim.analysis.priors`)."""
    name, sep, bounds = text.partition("=")
    if any(part.isdigit() for part in name.split(".")):
        raise InputError(option, name, "only fields of tables can be fitted, not list entries")
    current = _current(scenario, name, option)  # the field must exist and be a number
    shape: list[str] = []
    if sep:
        parts = bounds.split(":")
        try:
            low, high = (float(p) for p in parts[:2])
        except ValueError:
            raise InputError(option, name, f"cannot read '{bounds}': use FIELD=LOW:HIGH") from None
        shape = parts[2:]
    else:
        low, high = sorted((current * 0.5, current * 2.0)) if current else (-1.0, 1.0)
    if not (np.isfinite(low) and np.isfinite(high)):
        raise InputError(option, name, f"bounds must be finite numbers, not {low:g}:{high:g}")
    if not low < high:
        raise InputError(option, name, f"empty range {low:g}:{high:g} (LOW must be below HIGH)")
    return Sweep(name, (), (low, high), prior=priors.parse(option, name, shape, low, high))


def _current(scenario, dotted: str, option: str = "--fit") -> float:
    node = scenario.model_dump()
    for part in dotted.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            choices = node.keys() if isinstance(node, dict) else ()
            raise InputError(option, dotted, "unknown field" + did_you_mean(part, choices))
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise InputError(option, dotted, "is not a number")
    return float(node)
