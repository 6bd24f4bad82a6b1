"""``sim ablate``: switch off one motive at a time and see what each one does.

Every variant runs with the same replicate seeds as the full model (common random numbers), so
the change in each headline outcome is a paired difference; the table gives its median and
90 % interval across replicates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim import tables
from sim.analysis.targets import RunTables
from sim.errors import InputError
from sim.experiments.evaluate import evaluate, run_tables
from sim.experiments.runs import replicate_seeds
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Motives
from sim.units import human, signed

ABLATED = ("follower_loss", "protest", "curiosity", "language", "moderation", "privacy",
           "network_pull")
HEADLINES = {  # outcome -> words ({headline}, {origin}, {market}, {rivals}, {tag} filled in)
    "headline_peak_dau": "{headline} peak {market} daily users",
    "headline_signups": "{headline} sign-ups",
    "headline_first_week_churn": "{headline} newcomers gone within a week",
    "top_creators_on_headline": "Top creators with a {headline} account",
    "rival_signups": "{rivals} sign-ups",
    "protest_posts": "{tag} posts on {headline}",
}


def rivals(scenario) -> list[str]:
    """The destinations that are neither the headline nor a protest move (Instagram, YouTube and
    the rest in 2025)."""
    episode = scenario.episode
    return [name for name, platform in scenario.platforms.items()
            if name not in (episode.origin, episode.headline)
            and not episode.protests_against(platform)]


def headline_words(scenario) -> dict[str, str]:
    """The ablation table's column words for this scenario."""
    words = scenario.words()
    words["rivals"] = " + ".join(scenario.platforms[name].label for name in rivals(scenario))
    return {key: label.format(**words) for key, label in HEADLINES.items()}


def headlines(run: RunTables, scenario) -> dict[str, float]:
    """The outcomes the ablation table reports, read off one run."""
    signups, dau = run.daily("signups"), run.daily("dau_us")
    headline = scenario.episode.headline
    cohort = run.cohorts[(run.cohorts.platform == headline) & run.cohorts.retained_7.notna()]
    joined = cohort.signups.sum()
    return {
        "headline_peak_dau": float(dau[headline].max()),
        "headline_signups": float(signups[headline].sum()),
        "headline_first_week_churn": float(1 - cohort.retained_7.sum() / joined) if joined
        else float("nan"),
        "top_creators_on_headline": float(
            run.profile.set_index("platform").loc[headline, "top_creator_accounts"]),
        "rival_signups": float(signups[rivals(scenario)].sum().sum()),
        "protest_posts": float(run.daily("protest_posts")[headline].sum()),
    }


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
    rows = []
    for motive in motives:
        change = by_variant[motive] - by_variant["full"]
        for key, label in words.items():
            rows.append({"motive_off": motive, "outcome": key, "label": label,
                         "full_median": float(by_variant["full"][key].median()),
                         "change_median": float(change[key].median()),
                         "change_q05": float(np.nanquantile(change[key], 0.05)),
                         "change_q95": float(np.nanquantile(change[key], 0.95)),
                         "replicates": replicates})
    return pd.DataFrame(rows)


def as_markdown(table: pd.DataFrame) -> str:
    """Motives as rows, outcomes as columns: median change [90 % interval] when switched off."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    full = table.drop_duplicates("outcome").set_index("outcome")["full_median"]
    rows = [["*(full model, level)*", *(human(full[o]) for o in outcomes)]]
    for motive, changes in table.groupby("motive_off", sort=False):
        rows.append([motive, *(f"{signed(r.change_median)} [{signed(r.change_q05)}, "
                               f"{signed(r.change_q95)}]" for r in changes.itertuples())])
    labels = table.drop_duplicates("outcome").set_index("outcome")["label"]
    return tables.markdown(["motive switched off", *(labels[o] for o in outcomes)], rows) + "\n"
