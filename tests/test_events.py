"""Dated events change the world from their date on, in the direction they should."""

from __future__ import annotations

import pandas as pd
from small_runs import daily, run


def on(frame: pd.DataFrame, date: str) -> pd.Series:
    return frame.loc[pd.Timestamp(date)]


def test_the_outage_darkens_half_of_the_19th_and_restoration_brings_users_back(observed):
    """Dark from 22:30 ET on the 18th to noon on the 19th: the 19th keeps about half of TikTok's
    daily users (the afternoon's), the days after all of them."""
    dau = daily(observed[0], "dau")
    before, half, after = (on(dau, d)["tiktok"] for d in ("2025-01-17", "2025-01-19", "2025-01-21"))
    assert 0.35 * before < half < 0.65 * before
    assert after > 0.9 * before


def test_a_whole_dark_day_sends_its_users_to_their_other_platforms():
    banned = run("ban-enforced")
    dau = daily(banned, "dau")
    assert on(dau, "2025-01-19")["tiktok"] == 0
    assert on(dau, "2025-01-19")["instagram"] > 1.2 * on(dau, "2025-01-17")["instagram"]
    flows = banned.recorder.flow_table(banned.config.simulation.dates)
    out = flows[(flows["from"] == "tiktok") & (flows.date == pd.Timestamp("2025-01-19"))]
    assert out.users.sum() > 0.5 * 170e6


def test_an_owner_wide_ban_darkens_every_app_of_the_owner():
    banned = run("ban-enforced")
    dau = daily(banned, "dau").loc[pd.Timestamp("2025-01-19"):]
    for app in ("tiktok", "lemon8", "douyin"):
        assert (dau[app] == 0).all(), app
    assert (dau["rednote"] > 0).all()


def test_no_restoration_means_no_return_to_tiktok(observed):
    banned = run("ban-enforced", seed=1)
    late = pd.Timestamp("2025-02-10")
    assert daily(banned, "dau").loc[late, "tiktok"] == 0
    assert daily(banned, "engaged").loc[late, "instagram"] > daily(observed[0], "engaged").loc[
        late, "instagram"]


def test_store_removal_stops_new_installs_but_not_existing_users():
    model = run("observed-2025", "simulation.days=80", "simulation.users=20000", seed=1)
    signups, dau = daily(model, "signups"), daily(model, "dau")
    removed = signups.loc["2025-01-20":"2025-02-12", "lemon8"]
    assert (removed == 0).all()
    assert (dau.loc["2025-01-20":"2025-02-12", "lemon8"] > 0).all()
    assert signups.loc["2025-02-13":, "lemon8"].sum() > 0


def test_expectation_shock_raises_signups_elsewhere(observed, baseline_runs):
    calm = baseline_runs[0]
    window = slice("2025-01-10", "2025-01-17")
    shocked = daily(observed[0], "signups").loc[window, "rednote"].sum()
    assert shocked > 3 * daily(calm, "signups").loc[window, "rednote"].sum()


def test_generic_set_event_changes_a_platform_from_its_date(tmp_path, baseline_runs):
    from sim.scenario.loading import SCENARIO_DIR

    path = tmp_path / "what-if.toml"
    path.write_text(
        f'extends = "{SCENARIO_DIR / "baseline.toml"}"\n'
        '[[events]]\ndate = 2025-01-20\nkind = "set"\nplatform = "lemon8"\n'
        'field = "appeal"\nvalue = 4.0\nlabel = "Lemon8 goes viral"\n'
    )
    boosted, plain = run(str(path), seed=3), baseline_runs[2]
    before, after = slice("2025-01-01", "2025-01-19"), slice("2025-01-20", None)
    b, p = daily(boosted, "signups"), daily(plain, "signups")
    assert b.loc[before, "lemon8"].sum() == p.loc[before, "lemon8"].sum()
    assert b.loc[after, "lemon8"].sum() > 3 * p.loc[after, "lemon8"].sum()
    assert boosted.platforms.specs["lemon8"].appeal == 4.0


def test_threat_follows_the_scheduled_expectation_shocks(observed):
    threat = observed[0].recorder.threat
    dates = observed[0].config.simulation.dates
    by_date = dict(zip(dates, threat, strict=True))
    assert by_date[pd.Timestamp("2025-01-09").date()] == 0.3
    assert by_date[pd.Timestamp("2025-01-10").date()] == 0.75
    assert by_date[pd.Timestamp("2025-01-17").date()] == 0.95
    assert by_date[pd.Timestamp("2025-01-20").date()] == 0.35


def test_protest_posts_appear_with_the_wave(observed):
    posts = daily(observed[0], "protest_posts")["rednote"]
    assert posts.loc[:"2025-01-09"].sum() < 0.05 * posts.sum()
    assert posts.loc["2025-01-10":"2025-01-25"].sum() > 0.5 * posts.sum()


def test_datacollector_records_model_level_series(observed):
    frame = observed[0].datacollector.get_model_vars_dataframe()
    assert len(frame) == observed[0].config.simulation.days
    assert frame["ban_threat"].max() == 0.95
    assert frame["dau_tiktok"].min() < 0.6 * frame["dau_tiktok"].max()  # the half-dark 19th
