"""``sim ablate``: the variants of a scenario with one motive switched off at a time, run on the
same replicate seeds as the full model; their headline outcomes are compared by
:func:`sim.analysis.headlines.paired_changes`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.headlines import headline_words, headlines, paired_changes
from sim.errors import InputError
from sim.experiments.evaluate import evaluate, run_tables
from sim.experiments.runs import replicate_seeds
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Motives

ABLATED = ("follower_loss", "protest", "curiosity", "language", "moderation", "privacy",
           "network_pull")


def _headlines_of(scenario, seed) -> dict[str, float]:
    return headlines(run_tables(scenario, seed), scenario)


def ablate(file: Path, overrides: list[str], replicates: int, seed: int, workers: int,
           motives: tuple[str, ...] = ABLATED) -> pd.DataFrame:
    """Paired change of each headline outcome when each motive is switched off."""
    for motive in motives:
        if motive not in Motives.model_fields:
            raise InputError("--motive", motive, "unknown motive")
    full = load_scenario(file, overrides)
    words = headline_words(full)
    variants = {"full": full, **{m: load_scenario(file, [*overrides, f"motives.{m}=0"])
                                 for m in motives}}
    seeds = replicate_seeds(seed, replicates)
    jobs = [(scenario, s) for scenario in variants.values() for s in seeds]
    values = evaluate(_headlines_of, jobs, workers)
    by_variant = {name: pd.DataFrame(values[i * len(seeds):(i + 1) * len(seeds)])
                  for i, name in enumerate(variants)}
    return paired_changes(by_variant["full"], {m: by_variant[m] for m in motives}, words)


def without_rules(files: list[Path], overrides: list[str], fits: list, each: list[str],
                  without: list[tuple[str, float]], budget: int, replicates: int, seed: int,
                  workers: int, rounds: int, budget_each: int | None,
                  quiet: bool = False) -> tuple:
    """A rule's worth across episodes: the episodes as given (their files: a joint fit), scored,
    and per ``(FIELD, VALUE)`` of ``without`` the behaviour fitted again with that field held at
    the value that switches its rule off (the search starting from the values given; the same
    seeds). Returns the given :class:`~sim.experiments.joint.JointFit` and the variants' by
    label."""
    from sim.experiments.joint import joint_calibrate

    given = joint_calibrate(files, overrides, [], [], budget, replicates, seed, workers,
                            rounds, budget_each, quiet)
    variants = {}
    for field, value in without:
        variant = joint_calibrate(files, [*overrides, f"{field}={value!r}"],
                                  [f for f in fits if f.field != field], each, budget,
                                  replicates, seed, workers, rounds, budget_each, quiet)
        held = pd.DataFrame([{"field": field, "fitted": value, "low": np.nan, "high": np.nan,
                              "range": "held"}])
        variant.shared.table = pd.concat([variant.shared.table, held], ignore_index=True)
        variants[f"{field} = {value:g}"] = variant
    return given, variants
