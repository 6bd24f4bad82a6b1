"""Outcomes by name, one value per run: what sensitivity, discovery and what-if answers read.

A name is ``PLATFORM.OUTCOME``: any outcome of the summary table (:mod:`sim.analysis.outcomes`:
``rednote.peak_dau``, ``rednote.peak_date``, ``rednote.retained_30``, ``tiktok.trough_dau``,
``tiktok.returned``, ...; dates as days from the start), or ``PLATFORM.gain``: the platform's daily
US users in the last week of the run minus the first week (how many users it absorbed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.outcomes import DESTINATION, ORIGIN_OUTCOMES, WEEK, Results, run_outcomes
from sim.errors import InputError, did_you_mean
from sim.model.recorder import origin_of
from sim.scenario.schema import Scenario

GAIN = "gain"
WORDS = {"gain": "daily users gained (last week − first week)",
         **{o.key: o.label for o in DESTINATION}}
ORIGIN_WORDS = {o.key: o.label.replace("of those,", "of those who moved away,")
                for o in ORIGIN_OUTCOMES}  # read alone, not under the row before it


def known(scenario: Scenario) -> list[str]:
    """Every outcome name this scenario has."""
    origin = origin_of(scenario)
    names = [f"{origin}.{o.key}" for o in ORIGIN_OUTCOMES]
    for platform in scenario.platforms:
        if platform != origin:
            names += [f"{platform}.{o.key}" for o in DESTINATION] + [f"{platform}.{GAIN}"]
    return names


def check(names: list[str], scenario: Scenario, option: str = "--outcome") -> list[str]:
    """The names, checked against the scenario (InputError naming the first unknown one)."""
    choices = known(scenario)
    for name in names:
        if name not in choices:
            raise InputError(option, name, "unknown outcome (PLATFORM.OUTCOME, e.g. "
                             f"{choices[0]})" + did_you_mean(name, choices))
    return list(dict.fromkeys(names))


def default(scenario: Scenario) -> list[str]:
    """The outcomes people ask about first: the headline destination's peak, its date and its
    newcomers' retention after 30 and 90 days, the origin's low and how many came back, and every
    destination's gain."""
    origin = origin_of(scenario)
    destinations = [p for p in scenario.platforms if p != origin]
    headline = "rednote" if "rednote" in destinations else destinations[0]
    return [f"{headline}.peak_dau", f"{headline}.peak_date", f"{headline}.retained_30",
            f"{headline}.retained_90", f"{origin}.trough_dau", f"{origin}.returned",
            *(f"{p}.{GAIN}" for p in destinations)]


def label(name: str, stored_or_scenario) -> str:
    """Words for an outcome name: ``RedNote: peak daily US users``."""
    platform, _, key = name.partition(".")
    scenarios = getattr(stored_or_scenario, "scenarios", None)
    scenario = next(iter(scenarios.values())) if scenarios else stored_or_scenario
    platform_label = scenario.platforms[platform].label if platform in scenario.platforms \
        else platform
    told = {"origin": scenario.platforms[origin_of(scenario)].label, "market": "US",
            "population": "US TikTok users"}
    if hasattr(scenario, "words"):  # an episode's own words, where the scenario has them
        told.update(scenario.words())
    words = ORIGIN_WORDS if platform == origin_of(scenario) else WORDS
    return f"{platform_label}: {words.get(key, key).format(**told)}"


def values(results: Results, names: list[str]) -> pd.DataFrame:
    """One row per run of ``results`` (its ``run_id``) and one column per name."""
    wanted = {tuple(n.split(".", 1)): n for n in names}
    long = run_outcomes(results)[["run_id", "platform", "outcome", "value"]]
    if any(key == GAIN for _, key in wanted):
        long = pd.concat([long, gains(results.timeseries)], ignore_index=True)
    long = long[[(p, o) in wanted for p, o in zip(long["platform"], long["outcome"],
                                                  strict=True)]]
    long = long.assign(name=[wanted[(p, o)] for p, o in zip(long["platform"], long["outcome"],
                                                            strict=True)])
    wide = long.pivot_table(index="run_id", columns="name", values="value", aggfunc="first",
                            dropna=False)
    wide = wide.reindex(index=results.runs["run_id"], columns=names)
    return wide.rename_axis(columns=None).reset_index()


def gains(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Each run's last week of daily US users minus its first week, per platform."""
    days = timeseries["day"]
    last = timeseries.groupby("run_id")["day"].transform("max")
    keys = ["run_id", "platform"]
    first = timeseries[days < WEEK].groupby(keys)["dau_us"].mean()
    end = timeseries[days > last - WEEK].groupby(keys)["dau_us"].mean()
    frame = (end - first).rename("value").reset_index()
    frame["outcome"] = GAIN
    return frame[["run_id", "platform", "outcome", "value"]]


def per_point(values: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The mean over replicates of each outcome at each design point (NaN where no run of the
    point has it)."""
    return values.groupby("point", sort=True)[names].mean().astype(float).replace(
        [np.inf, -np.inf], np.nan)
