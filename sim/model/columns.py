"""The users' daily decisions, one platform column at a time: sign up, go dormant, come back, open.

Each function applies the rules of :mod:`sim.model.rules` to one platform column ``j`` of
:class:`~sim.model.migration.MigrationModel` and returns the users concerned (indices), or writes
``users.active[:, j]``. The rules are the same as for one user; what is here is how they are
iterated, for speed:

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

from sim.model import motives, rules
from sim.model.blocks import blocks
from sim.model.kernels import fill_uniform

DENSE = 0.3  # share of a column's users a rule concerns above which it runs on the whole column
ROUNDING_MARGIN = 1 + 1e-6  # a bound raised by more than float32 rounding: never below a chance


def sign_up(model, j: int, gap: GapTo, search: np.ndarray, trend: np.float32,
            gate: np.float32, draw: np.ndarray) -> tuple[np.ndarray, float]:
    """Who signs up to platform ``j`` today (:func:`rules.sign_up_chance`), and how many were
    expected to (share of users). Only users without an account there can."""
    account = model.users.account[:, j]
    prospects = len(account) - np.count_nonzero(account)
    if prospects == 0 or gate == 0:
        return np.empty(0, dtype=np.intp), 0.0
    rows = _rows(~account, prospects)
    dense = isinstance(rows, slice)
    chances = np.empty(len(account) if dense else len(rows), dtype=np.float32)
    joined = []
    for block in blocks(len(chances)):
        who = block if dense else rows[block]
        chance = chances[block]
        chance[:] = rules.sign_up_chance(search[who], gap.at(who), trend, gate)
        if dense:
            chance *= ~account[block]
        hit = (draw[who] < chance).nonzero()[0]
        joined.append(hit + block.start if dense else who[hit])
    return np.concatenate(joined), chances.sum(dtype=np.float64) / len(account)


def churn_and_return(model, j: int, gap: GapTo, today: motives.Today, draw: np.ndarray):
    """Who goes dormant on platform ``j`` today, and who comes back to it (user indices).

    Settled users face only the base hazard, newcomers every churn hazard
    (:func:`rules.churn_hazard`, :func:`rules.newcomer_since`); today's new accounts are not left
    (:func:`rules.can_go_dormant`). A dark platform is forgotten
    at ``dark_forget_rate`` by everyone. Dormant users come back with
    :func:`rules.return_chance`. Each user has one draw: only those whose draw is below the
    highest chance anyone can have get their own chance computed (the same decisions).
    """
    users, rates, day = model.users, model.rates, model.day
    engaged, joined_day = users.engaged[:, j], users.joined_day[:, j]
    if not model.platforms.available[j]:
        gone = (draw < rules.daily_chance(rates.dark_forget_rate)).nonzero()[0]
        gone = gone[engaged[gone] & rules.can_go_dormant(joined_day[gone], day)]
        return gone, np.empty(0, dtype=np.intp)
    if model.platforms.dark[j] > 0:  # dark for some hours: a rare day, every user computed
        return _partly_dark_day(model, j, gap, today, draw)
    settle_most, back_most = model.most_chances()
    low = (draw < max(settle_most, back_most)).nonzero()[0]  # the only ones who might
    since = rules.newcomer_since(rates, day)  # accounts made after it are new (today's too)
    settled = low[engaged[low] & (joined_day[low] <= since) & (draw[low] < settle_most)]
    gone = [settled[draw[settled] < rules.daily_chance(rules.base_hazard(rates,
                                                                           gap.at(settled)))]]
    dormant = low[users.account[low, j] & ~engaged[low] & (draw[low] < back_most)]
    back = dormant[draw[dormant] < rules.return_chance(rates, gap.at(dormant))]
    rows = model.newcomers.after(j, since)
    rows = rows[engaged[rows] & rules.can_go_dormant(joined_day[rows], day)]
    bound = model.churn_bound()[j]
    rows = rows[draw[rows] < rules.daily_chance(bound * ROUNDING_MARGIN)]
    if len(rows):  # (often nobody: then no hazard to compute)
        gone.append(rows[draw[rows] < _newcomer_churn(model, j, rows, gap, today.rows(rows))])
    return np.sort(np.concatenate(gone)), back


def _partly_dark_day(model, j: int, gap: GapTo, today: motives.Today, draw: np.ndarray):
    """``churn_and_return`` on a day platform ``j`` is dark for some of its hours
    (:func:`rules.partly_dark`; returns in the hours it works). Only the users whose draw is
    below the highest chance anyone can have get their own computed (the same decisions)."""
    users, dark = model.users, model.platforms.dark[j]
    engaged = users.engaged[:, j] & rules.can_go_dormant(users.joined_day[:, j], model.day)
    bound = rules.partly_dark(model.rates, model.churn_bound()[j], dark)  # above anyone's
    rows = (engaged & (draw < rules.daily_chance(bound * ROUNDING_MARGIN))).nonzero()[0]
    hazard = _hazard(model, j, rows, gap, today.rows(rows))
    gone = rows[draw[rows] < rules.daily_chance(rules.partly_dark(model.rates, hazard, dark))]
    dormant = (users.account[:, j] & ~users.engaged[:, j]).nonzero()[0]
    back = dormant[draw[dormant] < rules.return_chance(model.rates, gap.at(dormant), 1 - dark)]
    return gone, back


class Newcomers:
    """Per platform column, the users whose account there may still be new: every account made
    during the run and those made before it that were new on day 0, each dropped once it is not
    (:func:`rules.newcomer_since` only grows), so that today's newcomers are found among these
    few users rather than in the whole column."""

    def __init__(self, model):
        since, joined_day = rules.newcomer_since(model.rates, 0), model.users.joined_day
        self.joined_day = joined_day
        self._kept = [(joined_day[:, j] > since).nonzero()[0] for j in range(joined_day.shape[1])]

    def add(self, j: int, users: np.ndarray) -> None:
        """``users`` made an account on platform ``j`` today."""
        self._kept[j] = np.concatenate([self._kept[j], users])

    def after(self, j: int, since: int) -> np.ndarray:
        """The users whose account on platform ``j`` was made after day ``since`` (in no order)."""
        kept = self._kept[j]
        self._kept[j] = kept = kept[self.joined_day[kept, j] > since]
        return kept


def _newcomer_churn(model, j: int, rows: np.ndarray, gap: GapTo,
                    today: motives.Today) -> np.ndarray:
    """Daily chance that newcomers ``rows`` go dormant on platform ``j`` (every churn hazard)."""
    return rules.daily_chance(_hazard(model, j, rows, gap, today))


def _hazard(model, j: int, rows: np.ndarray, gap: GapTo, today: motives.Today) -> np.ndarray:
    """:func:`rules.churn_hazard` of users ``rows`` on platform ``j`` (``today`` as they see it)."""
    users = model.users.take(rows)
    on_trial = rules.on_trial(users.joined_day[:, j : j + 1], today.tenure)
    hazard = rules.churn_hazard(model.rates, model.weights, users, model.platform_column(j),
                                today, gap.at(rows)[:, None], on_trial, model.has_friends[rows])
    return hazard[:, 0]


def open_app(model, opens_primary: np.ndarray, j: int, gap: GapTo, today: motives.Today, bits,
             joined: np.ndarray) -> None:
    """Which engaged users open platform ``j`` today (:func:`rules.open_chance`; writes
    ``users.active[:, j]``).

    The primary has a gap of 0: whether each user opens their primary is drawn once for all
    platforms (``opens_primary``, on a day every platform works all its hours); the other
    platforms a user has get a draw each, from the platform's own stream ``bits``. Nothing else
    depends on who opened what. Whoever signed up today (``joined``) opened it today
    (:func:`rules.opens`).
    """
    users = model.users
    active = users.active[:, j]
    if not model.platforms.available[j]:
        active[:] = False
        return
    primary = users.primary == j
    up = 1 - model.platforms.dark[j]
    if up < 1:  # dark for some hours: the primary is opened in the hours it works
        opens_primary = model.primary_draws < main_app_chance(model, up)
    np.logical_and(opens_primary, primary, out=active)
    others = users.engaged[:, j] & ~primary
    count = np.count_nonzero(others)
    if count:
        _open_others(model, active, others, count, gap, today, bits, up)
    active[joined] = rules.opens(active[joined], True)


def main_app_chance(model, up=1.0) -> np.ndarray:
    """Each user's chance of opening their main app today, on a day it works a share ``up`` of
    its hours: :func:`rules.open_chance` at no gap (freshness, which lifts only the apps below
    the best, cannot count there: tenure is left at 0)."""
    return rules.open_chance(model.rates, model.users.activity, rules.MAIN_APP_GAP,
                             np.float32(0.0), up)


def _open_others(model, active, others, count: int, gap: GapTo, today: motives.Today, bits,
                 up: float) -> None:
    """``open_app`` for the engaged users of the column whose primary it is not (``others``),
    on a day the platform works a share ``up`` of its hours."""
    users, rates = model.users, model.rates
    rows = _rows(others, count)
    dense = isinstance(rows, slice)
    parts = blocks(len(active) if dense else len(rows))
    draws = np.empty(parts[0].stop, dtype=np.float32)  # one block's worth, used again
    for block in parts:
        who = block if dense else rows[block]
        chance = rules.open_chance(rates, users.activity[who], gap.at(who), today.tenure[who, 0],
                                   up)
        hit = fill_uniform(draws[: len(chance)], bits) < chance
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


def _rows(mask: np.ndarray, count: int):
    """Where to apply a column's rule: to every row (a view; cheapest when most rows qualify,
    the caller then masks the result) or to the qualifying rows only (their indices)."""
    return slice(None) if count > DENSE * len(mask) else mask.nonzero()[0]
