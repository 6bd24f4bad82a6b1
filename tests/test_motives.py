"""Each motive and mooring moves the outcome it is meant to move, in the right direction.

Runs share seeds (common random numbers), so differences are the motive's effect, not noise.
"""

from __future__ import annotations

from small_runs import daily, run, total

SEEDS = (1, 2, 3)


def runs(name: str, *overrides: str):
    return [run(name, *overrides, seed=s) for s in SEEDS]


def first_week_churn(models, platform: str = "rednote") -> float:
    """Share of a platform's newcomers gone dormant within 7 days, pooled over runs."""
    from sim.model.recorder import cohorts

    joined = kept = 0.0
    for m in models:
        table = cohorts(m.users, m.platforms.names, m.config.simulation.days, m.scale)
        rows = table[(table.platform == platform) & table.retained_7.notna()]
        joined += rows.signups.sum()
        kept += rows.retained_7.sum()
    return 1.0 - kept / joined


def test_protest_off_means_fewer_rednote_signups(observed):
    calm = runs("observed-2025", "motives.protest=0")
    assert total(calm, "signups", "rednote") < 0.8 * total(observed, "signups", "rednote")


def test_protest_pull_fades_when_the_threat_is_lifted(observed):
    from sim.model.motives import protest_pull

    model = observed[0]
    today = model._today(model.day)
    column = model.platforms.index("rednote")
    angry = protest_pull(model.users, model.platforms, today)[:, column].mean()
    today.threat = 0.0
    assert angry > 0 and protest_pull(model.users, model.platforms, today)[:, column].max() == 0


def test_curiosity_off_means_fewer_rednote_signups(observed):
    incurious = runs("observed-2025", "motives.curiosity=0")
    assert total(incurious, "signups", "rednote") < total(observed, "signups", "rednote")


def test_fear_of_losing_followers_sends_creators_where_their_audience_is(observed):
    fearless = runs("observed-2025", "motives.follower_loss=0")

    def creators_on_rivals(models):
        window = slice("2025-01-10", "2025-01-25")
        return sum(daily(m, "creators_active").loc[window, ["instagram", "youtube"]].sum().sum()
                   for m in models)

    assert creators_on_rivals(fearless) < 0.9 * creators_on_rivals(observed)


def test_language_barrier_drives_first_week_churn(observed):
    fluent = runs("observed-2025", "motives.language=0")
    assert first_week_churn(fluent) < first_week_churn(observed)


def test_translation_launch_lowers_first_week_churn(observed):
    events = observed[0].config.events
    launch = next(i for i, e in enumerate(events) if e.kind == "feature_launch")
    untranslated = runs("observed-2025", f"events.{launch}.language_barrier=0.8")
    assert first_week_churn(observed) < first_week_churn(untranslated)


def test_signup_barrier_keeps_users_out_of_douyin(observed):
    opened = runs("douyin-open")
    assert total(opened, "signups", "douyin") > 5 * total(observed, "signups", "douyin")


def test_no_signup_barrier_weight_opens_douyin_too(observed):
    ignored = runs("observed-2025", "motives.signup_barrier=0")
    assert total(ignored, "signups", "douyin") > 5 * total(observed, "signups", "douyin")


def test_moderation_crackdown_pushes_newcomers_away(observed):
    strict = runs("rednote-crackdown")
    assert first_week_churn(strict) > first_week_churn(observed)


def test_moderation_sensitivity_off_keeps_more_rednote_newcomers(observed):
    relaxed = runs("observed-2025", "motives.moderation=0")
    assert first_week_churn(relaxed) < first_week_churn(observed)


def test_privacy_concern_holds_users_back_from_risky_apps(observed):
    carefree = runs("observed-2025", "motives.privacy=0")
    assert total(carefree, "signups", "rednote") > total(observed, "signups", "rednote")


def test_habit_is_a_mooring_that_holds_users_on_their_platforms(observed):
    habitual, loose = observed, runs("observed-2025", "motives.habit=0")
    everywhere = ["instagram", "youtube", "rednote", "other"]
    assert (sum(total(loose, "signups", p) for p in everywhere)
            > sum(total(habitual, "signups", p) for p in everywhere))


def test_network_pull_draws_users_where_their_friends_are(baseline_runs):
    lonely = runs("baseline", "motives.network_pull=0")
    social = baseline_runs
    # Without friends' pull, TikTok (where every friend is) loses its lead over Instagram.
    gap = [daily(m, "dau")["tiktok"].mean() - daily(m, "dau")["instagram"].mean()
           for m in (*social, *lonely)]
    assert min(gap[:3]) > max(gap[3:])


def test_threshold_churn_makes_newcomers_leave_when_friends_are_few(observed):
    steady = runs("observed-2025", "motives.threshold_churn=0")
    assert total(steady, "engaged", "rednote") > total(observed, "engaged", "rednote")


def window_total(models, metric: str, platform: str, start: str, end: str) -> float:
    """A metric summed over the days ``start``..``end`` and over runs."""
    return float(sum(daily(m, metric).loc[start:end, platform].sum() for m in models))


def test_buzz_turns_the_threat_into_a_one_day_surge(observed):
    quiet = runs("observed-2025", "dynamics.buzz=0")

    def week_over_week(models):  # C11: sign-ups of 01-08..01-14 against the week before
        return (window_total(models, "signups", "rednote", "2025-01-08", "2025-01-14")
                / window_total(models, "signups", "rednote", "2025-01-01", "2025-01-07"))

    assert week_over_week(observed) > 3 * week_over_week(quiet)


def test_users_who_miss_that_lemon8_is_covered_too_sign_up_there():
    seeing = runs("observed-2025", "dynamics.ban_foresight=1")
    blind = runs("observed-2025", "dynamics.ban_foresight=0")
    assert total(blind, "signups", "lemon8") > 1.2 * total(seeing, "signups", "lemon8")


def test_whoever_signs_up_opens_the_app_that_day():
    from sim.model.migration import MigrationModel
    from sim.scenario.loading import load_scenario

    model = MigrationModel(load_scenario("observed-2025", ["simulation.users=4000"]), rng=3)
    newcomers = 0
    for _ in range(14):  # through the surge of 01-13
        model.step()
        users = model.users
        today = (users.joined_day == model.day) & model.platforms.available[None, :]
        newcomers += int(today.sum())
        assert users.active[today].all()
    assert newcomers > 0


def test_the_news_of_the_exodus_sends_users_to_every_alternative():
    quiet = runs("observed-2025", "dynamics.exodus_push=0")
    loud = runs("observed-2025", "dynamics.exodus_push=2")
    for platform in ("lemon8", "rednote"):
        assert (window_total(loud, "signups", platform, "2025-01-10", "2025-01-18")
                > 1.2 * window_total(quiet, "signups", platform, "2025-01-10", "2025-01-18"))
