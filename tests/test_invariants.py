"""Invariants under generated scenarios: users conserved, counts sane and nested (accounts ≤ users,
engaged ≤ accounts, daily users ≤ engaged: every share stays in [0, 1])."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.migration import MigrationModel
from sim.scenario.loading import load_scenario, validate
from sim.scenario.schema import Motives
from sim.scenario.timeline import EVENT_KINDS

BASE = load_scenario("observed-2025").model_dump(mode="python")
PLATFORMS = list(BASE["platforms"])
OWNERS = sorted({p["owner"] for p in BASE["platforms"].values()})
START = BASE["simulation"]["start"]

unit = st.floats(0.0, 1.0)


@st.composite
def events(draw, days: int):
    kind = draw(st.sampled_from(EVENT_KINDS))
    event = {"kind": kind, "date": START + dt.timedelta(days=draw(st.integers(-5, days + 5)))}
    if kind == "ban_threat":
        event["value"] = draw(unit)
    elif kind in ("feature_launch", "moderation_crackdown", "set", "launch"):
        event["platform"] = draw(st.sampled_from(PLATFORMS))
        if kind == "feature_launch":
            event["language_barrier"] = draw(unit)
        elif kind == "moderation_crackdown":
            event["moderation"] = draw(unit)
        elif kind == "set":
            event["field"], event["value"] = draw(st.sampled_from(
                [("appeal", draw(st.floats(-3, 3))), ("available", draw(st.booleans())),
                 ("installable", draw(st.booleans())), ("signup_barrier", draw(unit))]))
    elif draw(st.booleans()):
        event["platform"] = draw(st.sampled_from(PLATFORMS))
    else:
        event["owner"] = draw(st.sampled_from(OWNERS))
    if kind == "outage" and draw(st.booleans()):  # some hours, in another time zone
        begin = dt.datetime.combine(event["date"], dt.time(), dt.UTC) + dt.timedelta(
            hours=draw(st.integers(0, 23)))
        event["date"] = begin
        event["end"] = begin + dt.timedelta(hours=draw(st.integers(0, 60)))
    return event


@st.composite
def scenarios(draw):
    raw = {key: (dict(value) if isinstance(value, dict) else value) for key, value in BASE.items()}
    days = draw(st.integers(3, 30))
    raw["simulation"] = {**raw["simulation"], "users": draw(st.integers(100, 600)), "days": days}
    raw["initial_threat"] = draw(unit)
    raw["motives"] = {name: draw(st.floats(0, 3)) for name in Motives.model_fields}
    raw["platforms"] = {name: dict(spec) for name, spec in raw["platforms"].items()}
    for name in draw(st.lists(st.sampled_from(PLATFORMS), max_size=3)):
        raw["platforms"][name].update(
            appeal=draw(st.floats(-3, 3)), language_barrier=draw(unit), moderation=draw(unit),
            signup_barrier=draw(unit), novelty=draw(unit), initial_accounts=draw(unit),
            available=draw(st.booleans()), installable=draw(st.booleans()))
    raw["events"] = draw(st.lists(events(days), max_size=8))
    return validate(raw, "generated")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_counts_stay_consistent_whatever_the_scenario(scenario, seed):
    model = MigrationModel(scenario, rng=seed).run()
    values = model.recorder.values  # days × platforms × metrics, simulated users
    names = list(_metrics())
    col = {name: values[:, :, i] for i, name in enumerate(names)}
    n = model.users.n
    assert (values >= 0).all(), "no negative counts"
    assert (col["accounts"] <= n).all() and (col["engaged"] <= col["accounts"]).all()
    assert (col["dau"] <= col["engaged"]).all() and (col["creators_active"] <= col["dau"]).all()
    assert (np.diff(col["accounts"], axis=0) >= 0).all(), "accounts are never deleted"
    assert (np.diff(col["accounts"], axis=0) == col["signups"][1:]).all()
    motives = sum(col[k] for k in names if k.startswith("signups_"))
    assert (motives == col["signups"]).all(), "every sign-up has exactly one strongest motive"
    unavailable = ~model.platforms.available
    assert not model.users.active[:, unavailable].any(), "nobody is active on a dark platform"
    flows = model.recorder.flows
    assert (flows.sum(axis=(1, 2)) <= n).all(), "each user moves at most once a day"
    assert model.users.primary.min() >= -1 and model.users.primary.max() < len(model.platforms)


def _metrics():
    from sim.model.recorder import METRICS

    return METRICS


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_trajectory(seed):
    scenario = load_scenario("observed-2025", ["simulation.users=300", "simulation.days=25"])
    first = MigrationModel(scenario, rng=seed).run().recorder.values
    second = MigrationModel(scenario, rng=seed).run().recorder.values
    assert np.array_equal(first, second)
