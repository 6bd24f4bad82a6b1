"""The users' daily decisions, one platform column at a time: sign up, go dormant, come back, open.

Each function applies one rule of :class:`~sim.model.migration.MigrationModel` to one platform
column ``j`` and returns the users concerned (indices), or writes ``users.active[:, j]``. They are
written for
speed, with the rule itself in plain array expressions:

- Every user has one uniform draw per platform and day for the transitions (sign-up, churn and
  return concern disjoint users: no account, engaged, dormant) and one for opening the app, as
  before, so runs of two scenarios with the same seed share their draws user by user (common random
  numbers).
- A rule that concerns few users of a column (RedNote's engaged users, TikTok's sign-ups) runs on
  those users only; one that concerns most runs on the whole column, then is masked.
- Rare events are found by a cheap test first: churn and returns need ``draw < bound`` with a
  bound above every user's chance, so only those few users get their exact chance computed (the
  decisions are the same as computing everyone's).
"""

from __future__ import annotations

import numpy as np

from sim.model import motives as m
from sim.model.blocks import blocks
from sim.model.kernels import at_least_once, fill_uniform

DENSE = 0.3  # share of a column's users a rule concerns above which it runs on the whole column


def sign_up(model, j: int, gap: GapTo, search: np.ndarray, shift: float, gate: float,
            draw: np.ndarray) -> tuple[np.ndarray, float]:
    """Who signs up to platform ``j`` today, and how many were expected to (share of users).

    A user without an account signs up at the daily rate search · e^lead · gate, where lead is
    the platform's buzz minus its risk of a ban (``shift``) minus its gap to the user's best
    platform (capped at 20).
    """
    account = model.users.account[:, j]
    prospects = len(account) - np.count_nonzero(account)
    if prospects == 0 or gate == 0:
        return np.empty(0, dtype=np.intp), 0.0
    rows = _rows(~account, prospects)
    dense = isinstance(rows, slice)
    chance = np.empty(len(account) if dense else len(rows), dtype=np.float32)
    joined = []
    for block in blocks(len(chance)):
        who = block if dense else rows[block]
        rate = gap.lead(who, out=chance[block])
        rate += np.float32(shift)
        np.minimum(rate, np.float32(20.0), out=rate)
        np.exp(rate, out=rate)
        rate *= search[who]
        if gate != 1:
            rate *= np.float32(gate)
        at_least_once(rate)
        if dense:
            rate *= ~account[block]
        hit = np.flatnonzero(draw[who] < rate)
        joined.append(hit + block.start if dense else who[hit])
    expected = chance.sum(dtype=np.float64) / len(account)
    return np.concatenate(joined), expected


def churn_and_return(model, j: int, gap: GapTo, today: m.Today, draw: np.ndarray):
    """Who goes dormant on platform ``j`` today, and who comes back to it (user indices).

    Settled users leave at the base rate, and only a platform that is not their best. Newcomers
    and accounts on trial face every churn rule (language, moderation, Török–Kertész threshold);
    today's new accounts cannot leave. A dark platform is forgotten at ``dark_forget_rate`` by
    everyone. Dormant users come back at up to ``return_rate`` a day, the more often the closer
    the platform is to their best.
    """
    users, rates, day = model.users, model.rates, model.day
    engaged, joined_day = users.engaged[:, j], users.joined_day[:, j]
    if not model.platforms.available[j]:
        gone = np.flatnonzero(draw < _chance(rates.dark_forget_rate))
        return gone[engaged[gone] & (joined_day[gone] != day)], np.empty(0, dtype=np.intp)
    settle_chance = _chance(rates.base_churn)
    most_back = np.float32(2.0 * rates.return_rate)
    back_chance = most_back / np.float32(2.0)  # at a gap of 0 or less; lower for worse platforms
    low = np.flatnonzero(draw < max(settle_chance, back_chance))  # the only ones who might
    new = is_new(model, joined_day)  # today's accounts too
    settled = low[engaged[low] & ~new[low] & (draw[low] < settle_chance)]
    gone = [settled[gap.at(settled) > 0]]
    dormant = low[users.account[low, j] & ~engaged[low] & (draw[low] < back_chance)]
    comeback = most_back / (1.0 + np.exp(np.minimum(np.maximum(gap.at(dormant), 0.0), 30.0)))
    back = dormant[draw[dormant] < comeback]
    new &= engaged
    new &= joined_day != day
    rows = np.flatnonzero(new)
    might = _chance(newcomer_hazard_bound(model, j) * (1 + 1e-6))  # margin: float32 rounding
    rows = rows[draw[rows] < might]
    gone.append(rows[draw[rows] < _newcomer_churn(model, j, rows, gap, today.rows(rows))])
    return np.sort(np.concatenate(gone)), back


def is_new(model, joined_day: np.ndarray) -> np.ndarray:
    """Whether accounts made on ``joined_day`` are still new today: in their first week or month
    (newcomer rules: made after day - newcomer_days) or, if made during the run (day 0 or later),
    on trial (made after day - TRIAL_DAYS). One comparison does both."""
    day = model.day
    newcomer_since = day - max(model.rates.first_week_days, m.NEWCOMER_DAYS)
    trial_since = max(day - m.TRIAL_DAYS, -1)
    return joined_day > max(min(newcomer_since, trial_since), -32768)


def newcomer_hazard_bound(model, j: int) -> float:
    """The highest daily churn hazard a new account on platform ``j`` can have: every rule of
    ``_newcomer_churn`` at its worst (a gap of 3 or more, traits at 0 or 1, no friends left)."""
    rates, w, platforms = model.rates, model.weights, model.platforms
    return (rates.base_churn + 3.0 * rates.trial_churn
            + w.language * rates.language_churn * float(platforms.language_barrier[j])
            + w.moderation * rates.moderation_churn * float(platforms.moderation[j])
            + w.threshold_churn / rates.threshold_churn_days)


def _newcomer_churn(model, j: int, rows: np.ndarray, gap: GapTo, today: m.Today) -> np.ndarray:
    """Daily chance that newcomers ``rows`` go dormant on platform ``j`` (every churn rule)."""
    users, platform = model.users.take(rows), model.platform_column(j)
    rates, w = model.rates, model.weights
    gap = np.maximum(gap.at(rows)[:, None], 0.0)
    trial = (users.joined_day[:, j : j + 1] >= 0) & (today.tenure < m.TRIAL_DAYS)
    hazard = np.float32(rates.base_churn) * (gap > 0)
    hazard += trial * (np.float32(rates.trial_churn) * np.minimum(gap, 3.0))
    hazard += w.language * m.language_churn(
        users, platform, today, rates.language_churn, rates.first_week_days)
    hazard += w.moderation * m.moderation_churn(users, platform, today, rates.moderation_churn)
    hazard += w.threshold_churn * trial * m.threshold_churn(
        users, today, model.has_friends[rows], rates.threshold_churn_days)
    return -np.expm1(-hazard[:, 0])


def open_app(model, opens_primary: np.ndarray, j: int, gap: GapTo, today: m.Today, bits,
             joined: np.ndarray) -> None:
    """Which engaged users open platform ``j`` today (writes ``users.active[:, j]``): the primary
    with the user's daily chance, others less often, except that a platform new to the user gets
    attention while it still feels new: activity · max(e^(-focus · gap), freshness).

    The primary has a gap of 0, so the chance there is the user's activity: whether each user
    opens their primary is drawn once for all platforms (``opens_primary``); the other platforms
    a user has get a draw each, from the platform's own stream ``bits``. Nothing else depends on
    who opened what. Whoever signed up today (``joined``) opened it today: a download counts as
    a daily user (C4).
    """
    users = model.users
    active = users.active[:, j]
    if not model.platforms.available[j]:
        active[:] = False
        return
    primary = users.primary == j
    np.logical_and(opens_primary, primary, out=active)
    others = users.engaged[:, j] & ~primary
    count = np.count_nonzero(others)
    if count:
        _open_others(model, active, others, count, gap, today, bits)
    active[joined] = True


def _open_others(model, active, others, count: int, gap: GapTo, today: m.Today, bits) -> None:
    """``open_app`` for the engaged users of the column whose primary it is not (``others``)."""
    users = model.users
    rows = _rows(others, count)
    dense = isinstance(rows, slice)
    focus = np.float32(model.rates.attention_focus)
    fading = m.fading(model.rates.curiosity_halflife_days)
    parts = blocks(len(active) if dense else len(rows))
    chance = np.empty(parts[0].stop, dtype=np.float32)  # one block's worth, used again
    draws = np.empty_like(chance)
    for block in parts:
        who = block if dense else rows[block]
        pull = gap.lead(who, out=chance[: block.stop - block.start])  # = -gap; one exp for both
        pull *= focus  # terms of the max
        np.maximum(pull, today.tenure[who, 0] * fading, out=pull)
        np.exp(pull, out=pull)
        pull *= users.activity[who]
        hit = fill_uniform(draws[: len(pull)], bits) < pull
        if dense:
            hit &= others[block]
            active[block] |= hit
        else:
            active[who[hit]] = True


class GapTo:
    """How far one platform column lags each user's best usable platform (positive = worse)."""

    def __init__(self, best: np.ndarray, attractiveness: np.ndarray):
        self.best, self.attractiveness = best, attractiveness

    def at(self, rows) -> np.ndarray:
        return self.best[rows] - self.attractiveness[rows]

    def lead(self, rows, out: np.ndarray | None = None) -> np.ndarray:
        """Minus the gap (into ``out`` if given, else a new array)."""
        return np.subtract(self.attractiveness[rows], self.best[rows], out=out)


def _chance(rate: float) -> np.float32:
    """Chance of at least one event in a day at a daily rate (float32 like the per-user rules)."""
    return -np.expm1(-np.float32(rate))


def _rows(mask: np.ndarray, count: int):
    """Where to apply a column's rule: to every row (a view; cheapest when most rows qualify,
    the caller then masks the result) or to the qualifying rows only (their indices)."""
    return slice(None) if count > DENSE * len(mask) else np.flatnonzero(mask)
