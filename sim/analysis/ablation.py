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
from sim.analysis.evaluate import evaluate, run_tables
from sim.analysis.targets import RunTables
from sim.errors import InputError
from sim.experiments.runs import replicate_seeds
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Motives
from sim.units import human, signed

ABLATED = ("follower_loss", "protest", "curiosity", "language", "moderation", "privacy",
           "network_pull")
HEADLINES = {
    "rednote_peak_dau": "RedNote peak US daily users",
    "rednote_signups": "RedNote sign-ups",
    "rednote_first_week_churn": "RedNote newcomers gone within a week",
    "top_creators_on_rednote": "Top creators with a RedNote account",
    "us_rival_signups": "Instagram + YouTube sign-ups",
    "protest_posts": "#TikTokRefugee posts",
}


def headlines(run: RunTables) -> dict[str, float]:
    """The outcomes the ablation table reports, read off one run."""
    signups, dau = run.daily("signups"), run.daily("dau_us")
    rednote = run.cohorts[(run.cohorts.platform == "rednote") & run.cohorts.retained_7.notna()]
    joined = rednote.signups.sum()
    return {
        "rednote_peak_dau": float(dau["rednote"].max()),
        "rednote_signups": float(signups["rednote"].sum()),
        "rednote_first_week_churn": float(1 - rednote.retained_7.sum() / joined) if joined
        else float("nan"),
        "top_creators_on_rednote": float(
            run.profile.set_index("platform").loc["rednote", "top_creator_accounts"]),
        "us_rival_signups": float(signups[["instagram", "youtube"]].sum().sum()),
        "protest_posts": float(run.daily("protest_posts")["rednote"].sum()),
    }


def _headlines_of(scenario, seed) -> dict[str, float]:
    return headlines(run_tables(scenario, seed))


def ablate(file: Path, overrides: list[str], replicates: int, seed: int, workers: int,
           motives: tuple[str, ...] = ABLATED) -> pd.DataFrame:
    """Paired change of each headline outcome when each motive is switched off."""
    for motive in motives:
        if motive not in Motives.model_fields:
            raise InputError("--motive", motive, "unknown motive")
    full = load_scenario(file, overrides)
    for name in ("rednote", "instagram", "youtube"):
        if name not in full.platforms:
            raise InputError(str(file), "platforms", f"ablation reads '{name}', which is missing")
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
        for key, label in HEADLINES.items():
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
    return tables.markdown(["motive switched off", *(HEADLINES[o] for o in outcomes)], rows) + "\n"
