"""Each daily rule is written once, and both models and the speed machinery obey it.

- The scenario schema's defaults are the values the model runs with (baseline.toml).
- The fast model's kept sums of pulls equal the sum of every pull from scratch, on random days of
  random scenarios.
- The fast model and the plain-Mesa reference, given the same users and the same draws, make the
  same decisions user by user, each through its own code (sign-up, churn, return, the main app,
  opening apps).
- The fast model's shortcuts stand on rules: a settled account faces only the base hazard.
- A new motive is one registered function plus one weight: a toy one acts as soon as it exists.
"""

from __future__ import annotations

import re
import tomllib
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import columns, motives, rules
from sim.model.migration import MigrationModel
from sim.model.reference import ReferenceModel
from sim.scenario.loading import SCENARIO_DIR, load_scenario
from sim.scenario.schema import Motives, Scenario

# --- defaults -----------------------------------------------------------------------------------

SECTIONS = ("simulation", "population", "motives", "dynamics", "episode")


def test_schema_defaults_are_what_baseline_runs():
    """A field's pydantic default equals its value in baseline.toml, unless baseline.toml says
    why not in a comment ``# not the default: SECTION.FIELD ...``. (Platform fields describe one
    platform each, so they have no single value to default to and are not compared.)"""
    text = (SCENARIO_DIR / "baseline.toml").read_text()
    excused = set(re.findall(r"# not the default: (\w+\.\w+)", text))
    baseline = load_scenario("baseline")
    differing = []
    for section in SECTIONS:
        ran, default = getattr(baseline, section), type(getattr(baseline, section))()
        for name in type(default).model_fields:
            if getattr(ran, name) != getattr(default, name) and f"{section}.{name}" not in excused:
                differing.append(f"{section}.{name}: default {getattr(default, name)!r}, "
                                 f"baseline runs {getattr(ran, name)!r}")
    assert not differing, "\n".join(differing)


def test_baseline_file_sets_only_what_it_documents():
    """baseline.toml's [dynamics] values are the fitted ones the schema's defaults repeat."""
    fitted = tomllib.loads((SCENARIO_DIR / "baseline.toml").read_text())["dynamics"]
    defaults = type(load_scenario("baseline").dynamics)()
    assert {name: getattr(defaults, name) for name in fitted} == pytest.approx(fitted)


def test_no_behaviour_number_is_held_by_hand():
    """Every [dynamics] and [motives] number baseline.toml sets is fitted by the joint fit its
    comment gives (a ``--fit SECTION.FIELD=LOW:HIGH`` of it), and lies within that range."""
    text = (SCENARIO_DIR / "baseline.toml").read_text()
    ranges = {field: (float(low), float(high)) for field, low, high in re.findall(
        r"--fit ((?:dynamics|motives)\.\w+)=([-\d.e]+):([-\d.e]+)", text)}
    assert "sim calibrate observed-2025 india-2020 bluesky-2024" in text
    values = tomllib.loads(text)
    shipped = {f"{section}.{name}": value for section in ("dynamics", "motives")
               for name, value in values.get(section, {}).items()}
    assert set(shipped) <= set(ranges), f"held by hand: {sorted(set(shipped) - set(ranges))}"
    outside = {f: v for f, v in shipped.items() if not ranges[f][0] <= v <= ranges[f][1]}
    assert not outside, f"outside the fitted range: {outside}"


# --- kept sums ----------------------------------------------------------------------------------

SCENARIOS = ("observed-2025", "ban-enforced", "translation-early", "rednote-crackdown",
             "douyin-open")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(SCENARIOS), days=st.integers(0, 30), seed=st.integers(0, 10**6),
       curiosity=st.sampled_from([0.0, 1.0, 2.5]), network=st.sampled_from([0.0, 1.0, 3.0]),
       appeal=st.floats(0.0, 2.0))
def test_kept_sums_equal_every_pull_summed_from_scratch(name, days, seed, curiosity, network,
                                                        appeal):
    """Whatever the scenario and the day, today's attractiveness from the kept sums equals the
    appeal plus every pull by its weight, summed from scratch (to float32 rounding)."""
    scenario = load_scenario(name, ["simulation.users=1500", "simulation.days=40",
                                    f"motives.curiosity={curiosity}",
                                    f"motives.network_pull={network}",
                                    f"platforms.rednote.appeal={appeal}"])
    model = MigrationModel(scenario, rng=seed)
    for _ in range(days):
        model.step()
    day = model.day + 1
    kept = model._attractiveness(model._seen(day)).copy()
    scratch = motives.attractiveness(model.users, model.platforms, model._today(day),
                                     model.weights)
    np.testing.assert_allclose(kept, scratch, rtol=2e-6, atol=2e-5)


# --- the fast model and the plain-Mesa reference, user by user ----------------------------------


# Every rule with a switch turned on, so that both models are compared on it too.
EVERY_RULE = ["dynamics.threshold_relative=0.7", "dynamics.attention_floor=0.2",
              "motives.expected_loss=0.5", "dynamics.news_push=2"]


@pytest.fixture(scope="module", params=[[], EVERY_RULE], ids=["as shipped", "every rule on"])
def twins(request):
    """The two models built from the same scenario and seed (so the same users and ties), both
    looking at day 10 with a third of the accounts made in the run's first days (newcomers and
    accounts on trial), and one draw per user and platform."""
    scenario = load_scenario("observed-2025", ["simulation.users=3000", "simulation.days=30",
                                               "initial_threat=0.8", *request.param])
    fast, reference = MigrationModel(scenario, rng=5), ReferenceModel(scenario, rng=5)
    fast.steps = reference.steps = 11  # both look at day 10
    rng = np.random.default_rng(2)
    new = fast.users.account & (rng.random(fast.users.account.shape) < 0.3)
    joined = rng.integers(0, 11, fast.users.account.shape)
    fast.users.joined_day[new] = joined[new]
    for i, user in enumerate(reference.users):
        user.joined_day[new[i]] = joined[i, new[i]]
    fast._tenure = None  # made again from the accounts' new ages
    fast.newcomers = columns.Newcomers(fast)  # (and which accounts may still be new)
    reference.agents.do("look")
    draws = np.random.default_rng(1).random(fast.users.account.shape, dtype=np.float32)
    return fast, reference, draws


def _fast_gaps(fast):
    seen = fast._seen(fast.day)
    attractiveness = fast._attractiveness(seen)
    best, _ = fast._best(attractiveness)
    return seen, attractiveness, [columns.GapTo(best, attractiveness[:, j])
                                  for j in range(attractiveness.shape[1])]


def test_both_models_see_the_same_users_and_attractiveness(twins):
    fast, reference, _ = twins
    _, attractiveness, _ = _fast_gaps(fast)
    np.testing.assert_array_equal(fast.users.account, [u.account for u in reference.users])
    np.testing.assert_allclose(attractiveness, [u.attractiveness for u in reference.users],
                               rtol=2e-6, atol=2e-5)
    assert np.array_equal(fast.users.primary, [u.primary for u in reference.users])


def test_both_models_sign_up_the_same_users(twins):
    fast, reference, draws = twins
    seen, _, gaps = _fast_gaps(fast)
    search = fast._search(seen[0])
    trend = rules.trend(fast.rates, fast.buzz(), fast.threat, fast.platforms.threatened)
    gate = motives.signup_gate(fast.platforms, fast.weights.signup_barrier)
    chances = np.array([u.sign_up_chance(np.float32(u.best()[0]) - u.attractiveness)
                        for u in reference.users])
    for j in range(len(fast.platforms)):
        joined, expected = columns.sign_up(fast, j, gaps[j], search, np.float32(trend[j]),
                                           np.float32(gate[j]), draws[:, j])
        assert expected == pytest.approx(chances[:, j].mean(), rel=1e-5, abs=1e-12)
        assert np.array_equal(joined, np.flatnonzero(draws[:, j] < chances[:, j]))
    assert chances.sum() > 0  # the threat makes some users sign up somewhere


def test_both_models_let_the_same_users_churn_and_return(twins):
    fast, reference, draws = twins
    seen, _, gaps = _fast_gaps(fast)
    gone_somewhere = 0
    for user in reference.users:
        user.churn = user.churn_chance(np.float32(user.best()[0]) - user.attractiveness)
        user.back = rules.return_chance(fast.rates,
                                        np.float32(user.best()[0]) - user.attractiveness)
    churn = np.array([u.churn for u in reference.users])
    back = np.array([u.back for u in reference.users])
    engaged, account = fast.users.engaged, fast.users.account
    for j in range(len(fast.platforms)):
        gone, returned = columns.churn_and_return(fast, j, gaps[j], seen[j], draws[:, j])
        stays = fast.users.joined_day[:, j] == fast.day  # today's new accounts stay today
        assert np.array_equal(gone, np.flatnonzero(engaged[:, j] & ~stays
                                                   & (draws[:, j] < churn[:, j])))
        dormant = account[:, j] & ~engaged[:, j]
        assert np.array_equal(np.sort(returned),
                              np.flatnonzero(dormant & (draws[:, j] < back[:, j])))
        gone_somewhere += len(gone)
    assert gone_somewhere > 0


class SameDraw:
    """A stand-in for a platform's bit stream whose every uniform is ``u`` (as ``fill_uniform``
    builds them: 24 bits)."""

    def __init__(self, u: float):
        word = np.uint64(int(u * 2**24) << 8)
        self.bit_generator = SimpleNamespace(
            random_raw=lambda k: np.full(k, word | (word << np.uint64(32)), np.uint64))


@pytest.mark.parametrize(("u", "dark"), [(0.05, 0.0), (0.35, 0.0), (0.8, 0.0), (0.35, 0.5)])
def test_both_models_open_the_same_apps(twins, u, dark):
    """The fast path's own ``columns.open_app`` (main app from its draw, the others from each
    platform's stream, today's sign-ups opened) against the reference's ``open_apps``, every
    uniform ``u``; with ``dark``, RedNote works only that share of the day."""
    fast, reference, _ = twins
    rednote = fast.platforms.index("rednote")
    for platforms in (fast.platforms, reference.platforms):
        platforms.dark[rednote] = dark
    try:
        seen, attractiveness, gaps = _fast_gaps(fast)
        fast.users.primary = fast._best(attractiveness)[1]  # as the day's step chooses it
        fast._primary_draws = SimpleNamespace(on=lambda day: np.full(fast.users.n, u, np.float32))
        opens_primary = fast._opens_primary()
        for j in range(len(fast.platforms)):
            joined = np.flatnonzero(fast.users.engaged[:, j]
                                    & (fast.users.joined_day[:, j] == fast.day))
            columns.open_app(fast, opens_primary, j, gaps[j], seen[j], SameDraw(u), joined)
        for user in reference.users:
            best, _ = user.best()
            user.open_apps(np.float32(best) - user.attractiveness,
                           np.full(len(fast.platforms), u, np.float32))
        theirs = np.array([user.active for user in reference.users])
        assert np.array_equal(fast.users.active, theirs)
        assert 0 < fast.users.active.sum() < fast.users.engaged.sum()  # u decided something
    finally:
        for platforms in (fast.platforms, reference.platforms):
            platforms.dark[rednote] = 0.0


def test_both_models_choose_the_same_main_app_the_first_of_equals(twins):
    """The fast path's own choice (``MigrationModel._best``) against the reference's
    ``best()``, on attractiveness where two platforms tie for many users."""
    fast, reference, _ = twins
    _, attractiveness, _ = _fast_gaps(fast)
    tied = attractiveness.copy(order="F")
    instagram, youtube = fast.platforms.index("instagram"), fast.platforms.index("youtube")
    tied[:, youtube] = tied[:, instagram] = tied.max(axis=1) + 1.0  # both best, equally
    _, choice = fast._best(tied)
    for i, user in enumerate(reference.users):
        user.attractiveness = tied[i]
    assert np.array_equal(choice, [user.best()[1] for user in reference.users])
    both = fast.users.engaged[:, instagram] & fast.users.engaged[:, youtube]
    assert both.any() and (choice[both] == min(instagram, youtube)).all()  # the first wins
    for user in reference.users:
        user.look()  # the fixture's own attractiveness again


def test_the_churn_bound_is_above_every_users_hazard(twins):
    fast, _, _ = twins
    today = fast._today(fast.day)
    gap = np.full(fast.users.account.shape, 10.0, np.float32)
    on_trial = np.ones_like(gap, dtype=bool)
    hazard = rules.churn_hazard(fast.rates, fast.weights, fast.users, fast.platforms, today, gap,
                                on_trial, np.ones(fast.users.n, bool))
    bound = rules.churn_hazard_bound(fast.rates, fast.weights, fast.platforms)
    assert (hazard <= bound).all()
    assert np.isclose(hazard.max(axis=0), bound, rtol=0.2).any()  # and not far above all


# --- the fast path's shortcuts stand on rules ----------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(day=st.integers(0, 400), first_week=st.integers(1, 60), first_month=st.integers(1, 90),
       joined=st.integers(-1460, 400), gap=st.floats(-5, 5, width=32),
       tolerance=st.floats(0, 1, width=32), sensitivity=st.floats(0, 1, width=32))
def test_a_settled_account_faces_only_the_base_hazard(day, first_week, first_month, joined, gap,
                                                      tolerance, sensitivity):
    """Where the fast path gives an account only the base hazard (made on or before
    ``newcomer_since``), every other hazard of ``churn_hazard`` is indeed 0."""
    rates = load_scenario("observed-2025").dynamics.model_copy(
        update={"first_week_days": first_week, "first_month_days": first_month})
    if joined > rules.newcomer_since(rates, day) or joined > day:
        return  # a newcomer (or an account from the future): every hazard applies
    users = SimpleNamespace(language_tolerance=np.float32([tolerance]),
                            moderation_sensitivity=np.float32([sensitivity]),
                            threshold=np.float32([1.0]))
    tenure = np.float32([[day - joined]])
    today = SimpleNamespace(tenure=tenure, friends_here=np.float32([[0.0]]),
                            friends_at_home=np.float32([1.0]))
    platform = SimpleNamespace(language_barrier=np.float32([0.8]), moderation=np.float32([0.9]))
    gaps = np.float32([[gap]])
    hazard = rules.churn_hazard(rates, Motives(), users, platform, today, gaps,
                                rules.on_trial(np.int16([[joined]]), tenure), np.ones(1, bool))
    assert hazard[0, 0] == rules.base_hazard(rates, np.maximum(gaps, 0))[0, 0]


def test_the_ban_threat_fades_by_e_every_decay_days_and_not_at_zero():
    rates = SimpleNamespace(threat_decay_days=10.0)
    threat = 0.9
    for _ in range(10):
        threat = rules.fade_threat(rates, threat)
    assert threat == pytest.approx(0.9 / np.e)
    assert rules.fade_threat(SimpleNamespace(threat_decay_days=0.0), 0.9) == 0.9


def test_a_fading_threat_fades_in_both_models():
    scenario = load_scenario("observed-2025", ["simulation.users=300", "simulation.days=8",
                                               "dynamics.threat_decay_days=5"])
    fast, reference = MigrationModel(scenario, rng=3).run(), ReferenceModel(scenario, rng=3).run()
    assert fast.threat == reference.threat == pytest.approx(0.3 * np.exp(-8 / 5))


# --- adding a motive ----------------------------------------------------------------------------


class ToyMotives(Motives):
    """[motives] with one more weight, as the README's "add a motive" section adds it."""

    rednote_fandom: float = 1.0


def test_a_toy_motive_added_as_the_readme_says_acts(monkeypatch):
    """One function registered with @motives.pull, one weight in [motives]: RedNote sign-ups
    rise with the toy pull toward RedNote, and a weight of 0 switches it off."""
    monkeypatch.setattr(motives, "PULLS", dict(motives.PULLS))
    monkeypatch.setattr(motives, "CHANGES_WITH", dict(motives.CHANGES_WITH))

    @motives.pull("platforms")
    def rednote_fandom_pull(users, platforms, day):
        """A made-up fandom: the curious are drawn to novel platforms."""
        return np.float32(4.0) * users.curiosity[:, None] * platforms.novelty[None, :]

    base = load_scenario("observed-2025", ["simulation.users=3000", "simulation.days=20"])

    def rednote_signups(weight: float) -> float:
        scenario = Scenario.model_validate(base.model_dump() | {
            "motives": ToyMotives(**base.motives.model_dump(), rednote_fandom=weight)})
        model = MigrationModel(scenario, rng=3).run()
        frame = model.timeseries()
        return float(frame.query("platform == 'rednote'").signups.sum())

    assert "rednote_fandom" in motives.PULLS
    assert rednote_signups(1.0) > 1.5 * rednote_signups(0.0)


def test_a_chart_floor_keeps_chance_growth_of_a_quiet_app_out_of_the_charts():
    rates = load_scenario("baseline").dynamics

    def buzz(floor: float, usual: float, recent: float) -> float:
        return float(rules.trending(rates.model_copy(update={"chart_floor": floor}),
                                    np.float32([recent]), np.float32([usual]))[0])

    chance = (1e-6, 5e-6)  # 1 then 5 sign-ups in a million users a day: noise on a quiet app
    assert buzz(1e-5, *chance) > 0.2 * rates.buzz  # without a floor, chance trends
    assert buzz(3e-4, *chance) < 0.05 * buzz(1e-5, *chance)  # with one, it barely counts
    assert buzz(3e-4, 1e-5, 1e-3) > rates.buzz  # while a real wave still trends
