"""The headline outcomes the ablation (``sim ablate``) reads off one run, and their paired
changes when a motive is switched off.

Every variant runs with the same replicate seeds as the full model (common random numbers), so
the change in each headline outcome is a paired difference; the table gives its median and
90 % interval across replicates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.targets import RunTables

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


def paired_changes(full: pd.DataFrame, switched_off: dict[str, pd.DataFrame],
                   words: dict[str, str]) -> pd.DataFrame:
    """Per motive switched off (``switched_off``: its headlines, one row per replicate, in the
    order of ``full``'s replicates, the same seeds) and headline outcome (``words``: their
    column words): the full model's median level, and the median and 90 % interval of the
    paired change."""
    rows = []
    for motive, values in switched_off.items():
        change = values - full
        for key, label in words.items():
            rows.append({"motive_off": motive, "outcome": key, "label": label,
                         "full_median": float(full[key].median()),
                         "change_median": float(change[key].median()),
                         "change_q05": float(np.nanquantile(change[key], 0.05)),
                         "change_q95": float(np.nanquantile(change[key], 0.95)),
                         "replicates": len(full)})
    return pd.DataFrame(rows)
