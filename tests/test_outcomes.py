"""The summary table's outcomes: what the table says is what the runs say.

The per-person move and return shares are checked against a replay of every user's main app, day
by day, made here without the recorder: a move from TikTok counts only on a day TikTok was up.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from small_runs import INLINE, make_folder, stored_runs

from sim.analysis.outcomes import FEW_USERS, run_outcomes
from sim.analysis.periods import dark_days
from sim.experiments.launch import plan_from_options, start
from sim.experiments.store import read_results
from sim.model.migration import MigrationModel
from sim.report.summary import summary_table
from sim.scenario.loading import SCENARIO_DIR

MOVES = ("moved", "returned", "ever_returned")


@pytest.fixture(scope="module")
def stored(three_scenarios):
    """The three scenarios' results folder (``stored.folders[0]``), read."""
    return read_results([three_scenarios])


def test_summary_table_reads_peaks_trials_and_retention_off_the_runs(stored):
    folder = stored.folders[0]
    summary = summary_table(run_outcomes(stored), stored).set_index(
        ["scenario", "platform", "outcome"])
    runs = stored_runs(folder, "ban-enforced")
    peaks = [r.loc[r["platform"] == "rednote", "dau_us"].max() for r in runs]
    assert summary.loc[("ban-enforced", "rednote", "peak_dau"), "median"] == np.median(peaks)
    cohorts = stored_runs(folder, "ban-enforced", "cohorts")
    tried = [c.loc[c["platform"] == "rednote", "signups"].sum() / 170e6 for c in cohorts]
    assert summary.loc[("ban-enforced", "rednote", "tried"), "median"] == pytest.approx(
        np.median(tried))
    kept = []
    for c in cohorts:
        known = c[(c["platform"] == "rednote") & c["retained_7"].notna()]
        kept.append(known["retained_7"].sum() / known["signups"].sum())
    assert summary.loc[("ban-enforced", "rednote", "retained_7"), "median"] == pytest.approx(
        np.median(kept))
    assert summary.loc[("ban-enforced", "rednote", "retained_90"), "text"] == "n/a"  # 40 days
    row = summary.loc[("ban-enforced", "rednote", "peak_date")]
    assert row["q05"] <= row["median"] <= row["q95"]
    assert summary.loc[("ban-enforced", "tiktok", "final_dau"), "median"] == 0


def test_a_share_resting_on_a_handful_of_simulated_users_says_how_many(stored):
    """At 800 users some newcomer shares rest on 1-3 simulated users: their cells say so."""
    summary = summary_table(run_outcomes(stored), stored)
    scale = 170e6 / 800
    few = summary[(summary["users"] >= 1) & (summary["users"] <= 3)
                  & summary["outcome"].str.startswith("retained")]
    assert len(few)
    for cell in few.itertuples():
        k = int(cell.outcome.split("_")[1])
        newcomers = []
        for c in stored_runs(stored.folders[0], cell.scenario, "cohorts"):
            known = c[(c["platform"] == cell.platform) & c[f"retained_{k}"].notna()]
            if known["signups"].sum() > 0:
                newcomers.append(known["signups"].sum() / scale)
        assert cell.users == pytest.approx(np.median(newcomers))
        assert cell.text.endswith(f"({cell.users:.0f} user{'s' if cell.users >= 1.5 else ''})")
    assert not summary.loc[summary["users"] >= FEW_USERS, "text"].str.contains("user").any()
    assert summary.loc[summary["outcome"] == "peak_dau", "users"].isna().all()


def tiktok_events(*dated: tuple[str, str]) -> str:
    return "".join(f'[[add_events]]\ndate = {day}\nkind = "{kind}"\nplatform = "tiktok"\n'
                   for day, kind in dated)


def scenario_file(folder: Path, name: str, parent: str, events: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'extends = "{SCENARIO_DIR / parent}"\n{events}')
    return path


def replayed_moves(scenario, seed: int, chosen_only: bool = True
                   ) -> tuple[dict[str, tuple[int, int, int]], int]:
    """Per platform, from each user's main app day by day (not from the recorder): who moved it
    from TikTok there on a day TikTok was up (TikTok: away at all; on any day if not
    ``chosen_only``), of those who had TikTok again on the last day, and who came back to TikTok
    after their first such move; and how many who moved away from TikTok so lost it again as
    their main app later, on a day it was dark."""
    model = MigrationModel(scenario, rng=seed)
    history = [model.users.primary.copy()]
    for _ in range(scenario.simulation.days):
        model.step()
        history.append(model.users.primary.copy())
    primary = np.array(history)
    tiktok = model.platforms.names.index("tiktok")
    dark = dark_days(scenario, "tiktok")[:, None]  # day d: from primary[d] to primary[d + 1]
    leaving = (primary[:-1] == tiktok) & (primary[1:] != tiktok)
    left = leaving & ~dark if chosen_only else leaving
    days = np.arange(len(primary) - 1)[:, None]
    found, pushed = {}, 0
    for j, name in enumerate(model.platforms.names):
        there = left if j == tiktok else left & (primary[1:] == j)
        moved = there.any(axis=0)
        first = np.where(moved, there.argmax(axis=0), len(primary))
        later = ((primary[1:] == tiktok) & (days > first)).any(axis=0)
        found[name] = (moved.sum(), (moved & (primary[-1] == tiktok)).sum(), later.sum())
        if j == tiktok:
            pushed = int((leaving & dark & (days > first)).any(axis=0).sum())
    return found, pushed


def run_of(tmp_path: Path, name: str, parent: str, events: str):
    """One replicate of a scenario made of ``parent`` and ``events``: its stored results, its
    outcomes by platform and outcome, and the scenario with the run's seed."""
    path = scenario_file(tmp_path, name, parent, events)
    stored = read_results([make_folder(tmp_path / name / "results", [str(path)], replicates=1)])
    outcomes = run_outcomes(stored).set_index(["platform", "outcome"])["value"]
    return stored, outcomes, (stored.scenarios[name], int(stored.runs.iloc[0]["seed"]))


def test_return_shares_count_the_people_a_replay_of_their_main_apps_finds(tmp_path):
    # TikTok dark on Jan 19, back on Jan 20, and dark again from Feb 1 to the end of the run
    _, outcomes, (scenario, seed) = run_of(tmp_path, "dark-again", "observed-2025.toml",
                                           tiktok_events(("2025-02-01", "outage")))
    found, pushed = replayed_moves(scenario, seed)
    assert found["tiktok"][0] >= 5 and found["rednote"][0] > 0  # something to count
    assert pushed >= 5 and found["tiktok"][2] >= 5  # came back, and lost it again on Feb 1
    for platform, (moved, back, ever) in found.items():
        assert outcomes[(platform, "moved")] == pytest.approx(moved / 800)
        if moved:
            assert outcomes[(platform, "returned")] == pytest.approx(back / moved)
            assert outcomes[(platform, "ever_returned")] == pytest.approx(ever / moved)
    assert outcomes[("tiktok", "returned")] == 0  # nobody's main app is a dark TikTok
    every, _ = replayed_moves(scenario, seed, chosen_only=False)
    assert every["tiktok"][0] / 800 > 0.9  # everybody, if the days TikTok was dark counted


def test_a_tiktok_outage_alone_moves_nobody_by_choice(tmp_path):
    # no ban threat at all, only TikTok dark for a day: everybody's main app changes that day
    stored, outcomes, (scenario, seed) = run_of(
        tmp_path, "outage-only", "baseline.toml",
        tiktok_events(("2025-01-19", "outage"), ("2025-01-20", "restore")))
    every, _ = replayed_moves(scenario, seed, chosen_only=False)
    assert every["tiktok"][0] / 800 > 0.9 and every["youtube"][0] / 800 > 0.1
    chosen, _ = replayed_moves(scenario, seed)
    assert outcomes[("tiktok", "moved")] == pytest.approx(chosen["tiktok"][0] / 800)
    assert outcomes[("tiktok", "moved")] < 0.01
    assert outcomes[[(p, "moved") for p in scenario.platforms]].max() < 0.01
    tiktok = stored.timeseries[stored.timeseries["platform"] == "tiktok"].set_index("day")
    assert tiktok.loc[18, "moved"] == tiktok.loc[17, "moved"]  # the dark day adds nobody


def test_return_shares_are_shares_and_nobody_returns_to_a_tiktok_that_stays_dark(stored):
    outcomes = run_outcomes(stored)
    shares = outcomes[outcomes["outcome"].isin(MOVES)]
    assert shares["value"].dropna().between(0, 1).all()
    wide = shares.pivot_table(index=["run_id", "platform"], columns="outcome", values="value"
                              ).dropna()
    assert (wide["ever_returned"] >= wide["returned"]).all(), "back at the end is back once"
    returned = shares[shares["outcome"] == "returned"].set_index(["scenario", "platform"])
    enforced = returned.loc["ban-enforced", "value"].dropna()
    assert len(enforced) >= 3 * 2 and (enforced == 0).all()
    assert (returned.loc[("observed-2025", "tiktok"), "value"] > 0.5).all()  # restored
    summary = summary_table(outcomes, stored).set_index(["scenario", "platform", "outcome"])
    assert summary.loc[("ban-enforced", "rednote", "returned"), "text"].startswith("0.0 %")
    assert summary.loc[("observed-2025", "rednote", "moved"), "label"] == (
        "moved their main app here from TikTok by choice (while TikTok was up), "
        "% of US TikTok users")


def test_folders_from_before_the_per_person_moves_show_them_as_not_available(stored, tmp_path):
    older = tmp_path / "older"
    shutil.copytree(stored.folders[0], older, ignore=shutil.ignore_patterns("plots"))
    for part in (older / "timeseries").glob("*.parquet"):
        pd.read_parquet(part).drop(columns=["moved", "moved_back", "ever_back"]).to_parquet(part)
    stored = read_results([older])
    summary = summary_table(run_outcomes(stored), stored).set_index(
        ["scenario", "platform", "outcome"])
    assert summary.loc[("observed-2025", "tiktok", "returned"), "text"] == "n/a"
    assert summary.loc[("observed-2025", "rednote", "peak_dau"), "text"] != "n/a"


def test_newcomers_of_a_platform_gone_dark_for_good_are_not_retained(tmp_path):
    # 130 days, so the 90-day retention of January's newcomers is known
    plan = plan_from_options(["observed-2025", "ban-enforced"],
                             ["simulation.users=800", "simulation.days=130"], [], None, None, 1,
                             None)
    start(plan, tmp_path / "long", INLINE, quiet=True)
    stored = read_results([tmp_path / "long"])
    outcomes = run_outcomes(stored).set_index(["scenario", "platform", "outcome"])["value"]

    def raw(scenario: str, platform: str, k: int) -> float:
        """The share the cohort table alone gives, whether or not the platform is up."""
        c = stored.cohorts
        known = c[(c["scenario"] == scenario) & (c["platform"] == platform)
                  & c[f"retained_{k}"].notna()]
        return known[f"retained_{k}"].sum() / known["signups"].sum()

    assert dark_days(stored.scenarios["ban-enforced"], "lemon8")[18:].all()
    assert raw("ban-enforced", "lemon8", 90) > 0  # forgotten slowly: still "engaged" when dark
    assert outcomes[("ban-enforced", "lemon8", "retained_90")] == 0
    for k in (7, 30, 90):  # RedNote is never dark in observed-2025: nothing changes
        assert outcomes[("observed-2025", "rednote", f"retained_{k}")] == pytest.approx(
            raw("observed-2025", "rednote", k))
