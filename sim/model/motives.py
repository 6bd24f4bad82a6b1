"""Motives and moorings, one small function each, in the push-pull-mooring frame.

Pull terms return an N×P array added to every user's *attractiveness* of every platform (what
draws a user to it, in log-odds units). Push terms return an N array that raises how hard a user
looks for somewhere else today. Churn terms return an N×P daily hazard of going dormant.
Each is multiplied by its weight in ``[motives]``; a weight of 0 switches the motive off.

Array names: ``users`` (:class:`~sim.model.users.Users`), ``platforms``
(:class:`~sim.model.platforms.Platforms`), ``day`` (:class:`Today`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from sim.model.kernels import at_most
from sim.model.users import INITIAL_TENURE_DAYS
from sim.scenario.metrics import MOTIVE_LABELS
from sim.scenario.schema import MAX_DAYS

# The strength of each pull and push at its strongest (full trait, full threat), in log-odds of
# attractiveness (pulls) or in units of the quiet-day search rate (pushes). They are fixed here,
# not scenario fields, because the motive's weight in [motives] scales each of them: a second free
# scale could not be told apart from the weight. The weights are 1 in the shipped scenarios.
CREATOR_PULL = 3.0  # a creator with all their fear, audience and audience share there
VIEWER_PULL = 0.3  # a viewer with all the creators they follow there: a tenth of a creator's
PROTEST_PULL = 3.0  # a user with all the anger at the ban, toward a China-owned app
EXPECTED_LOSS_PULL = 1.0  # what a platform sure to be lost (threat 1) loses for every user
CURIOSITY_PULL = 2.0  # a fully curious user toward a brand-new, fully novel platform
LANGUAGE_PULL = 2.0  # repulsion of a foreign interface for a user with no tolerance of it
MODERATION_PULL = 1.5  # repulsion of full moderation for a fully sensitive user
PRIVACY_PULL = 2.0  # repulsion of a fully risky app for a fully worried user
NETWORK_WEIGHT = 2.0  # utility of having all one's friends on a platform (β in u = q + β·share)
VIEWER_PUSH = 0.3  # search push of fear for a viewer (no audience of their own)
CREATOR_PUSH = 3.0  # the extra search push of fear for the largest audience
PROTEST_PUSH = 2.0  # search push of full anger at the ban
# Shapes fixed by the model's time scale, not by the data
HABIT_DAYS = 180.0  # tenure after which habit is fully formed
MAX_TENURE = INITIAL_TENURE_DAYS[1] + MAX_DAYS  # the oldest account after the longest run


@dataclass
class Shares:
    """Where the shares of engaged ties come from: counts over numbers of ties, for some users
    (``rows``) and platform ``columns``; 0 on a platform that is not available."""

    sources: dict  # kind -> (counts N×P, number of such ties N)
    rows: slice | np.ndarray
    columns: slice
    available: np.ndarray  # of the selected columns
    asked: set | None = None  # if given, every kind asked for is added to it

    def of(self, kind: str) -> np.ndarray:
        if self.asked is not None:
            self.asked.add(kind)
        counts, ties = self.sources[kind]
        j = self.columns.start
        if isinstance(self.rows, slice) or j is None or self.columns.stop != j + 1:
            here = counts[self.rows, self.columns] / ties[self.rows, None]
        else:  # some users of one column: the same numbers, gathered faster as 1-D
            here = (counts[:, j][self.rows] / ties[self.rows])[:, None]
        return here if self.available.all() else here * self.available

    def take(self, rows: np.ndarray) -> Shares:
        return Shares(self.sources, rows if isinstance(self.rows, slice) else self.rows[rows],
                      self.columns, self.available, self.asked)

    def at(self, kind: str, platform: np.ndarray) -> np.ndarray:
        """The share of each user's ties of ``kind`` engaged on one platform each (``platform``:
        per user, -1 for none: 1, as if all were), whether or not it works today (N)."""
        counts, ties = self.sources[kind]
        where = np.maximum(platform, 0)[:, None]
        if isinstance(self.rows, slice):  # a view, no index of every user made
            share = np.take_along_axis(counts[self.rows], where, axis=1)[:, 0] / ties[self.rows]
        else:
            share = counts[self.rows, where[:, 0]] / ties[self.rows]
        return np.where(platform >= 0, share, np.float32(1.0))


@dataclass
class Today:
    """What users can see of the world today, shared by every motive.

    The arrays cover the users and platforms the model asks about: all of them (N×P), one
    platform column at a time (N×1, as the daily step does), or some users (``rows``). The shares
    of engaged ties and the freshness are computed when a motive first asks for them.

    Attributes:
        day: day index since the start.
        threat: perceived probability that the ban takes TikTok away (0..1).
        tenure: days since each account was made (float32 N×P; 0 where there is none).
        freshness: how new each platform still feels, 1 halving every curiosity half-life (N×P).
        friends_here: share of a user's friends engaged on each available platform (N×P).
        creators_here: share of the creators a user follows engaged there (N×P).
        audience_here: share of a creator's followers engaged there (N×P; 0 for viewers).
        stake: how much audience a user has to lose, 0..1 (log followers / log max; N).
        buzz: media and app-store attention of each platform from recent sign-ups (P).
        halflife: the curiosity half-life, in days of tenure.
        ties: where the shares of engaged ties come from (:class:`Shares`).
        home: each user's main app (N; -1 for none), where the rules that compare a platform
            with it read it (None: nobody asks).
        friends_at_home: share of a user's friends engaged on their main app (N; 1 for none).
    """

    day: int
    threat: float
    tenure: np.ndarray
    stake: np.ndarray
    buzz: np.ndarray
    halflife: float
    ties: Shares
    home: np.ndarray | None = None

    @cached_property
    def friends_here(self) -> np.ndarray:
        return self.ties.of("friends")

    @cached_property
    def creators_here(self) -> np.ndarray:
        return self.ties.of("creators")

    @cached_property
    def audience_here(self) -> np.ndarray:
        return self.ties.of("audience")

    @cached_property
    def freshness(self) -> np.ndarray:
        # tenure is a whole number of days: look freshness up rather than compute it
        table = freshness_by_tenure(self.halflife)
        return np.take(table, self.tenure.astype(np.int32), mode="clip")

    @cached_property
    def friends_at_home(self) -> np.ndarray:
        return self.ties.at("friends", self.home)

    def rows(self, rows: np.ndarray) -> Today:
        """The same day as seen by some of the users only."""
        return Today(self.day, self.threat, self.tenure[rows], self.stake[rows], self.buzz,
                     self.halflife, self.ties.take(rows),
                     None if self.home is None else self.home[rows])


@lru_cache(maxsize=16)
def freshness_by_tenure(halflife: float) -> np.ndarray:
    """Freshness after 0, 1, 2, ... days of tenure (float32; every day a run can reach)."""
    return np.exp(np.arange(MAX_TENURE + 1, dtype=np.float32) * fading(halflife))


def fading(halflife: float) -> np.float32:
    """Log of the daily factor by which freshness fades: freshness = exp(fading · tenure)."""
    return np.float32(-np.log(2.0) / halflife)


def audience_stake(followers: np.ndarray) -> np.ndarray:
    """How much audience each user has to lose, 0..1: log audience size relative to the largest
    audience (N; ``Today.stake``)."""
    top = np.log1p(followers.max()) if followers.size and followers.max() > 0 else 1.0
    return (np.log1p(followers) / top).astype(np.float32)


# --- pulls -------------------------------------------------------------------------------------


PULLS: dict = {}  # weight name in [motives] -> pull function, in the order they are summed
CHANGES_WITH: dict[str, str] = {}  # weight name -> when the pull can change (see ``pull``)
PLATFORM_FACTORS: dict = {}  # weight name -> what the pull is proportional to on each platform
WHEN = ("day", "account", "platforms", "ties", "threat", "freshness")


def pull(changes_with: str = "day", weight: str | None = None, on=None):
    """Register a pull function under its weight in ``[motives]`` (by default its name without
    ``_pull``): every registered pull is summed into attractiveness.

    ``changes_with`` says when its value can change, so that the fast model recomputes it only
    then (:mod:`sim.model.attraction`): ``"day"`` every day (the default, always right);
    ``"account"`` every day, but 0 where the user has no account (a function of tenure);
    ``"platforms"`` only when an event changes a platform; ``"ties"`` also when some of the
    user's ties become engaged or dormant there; ``"threat"`` a platforms- or ties-pull times
    the ban threat (kept at a threat of 1); ``"freshness"`` a platforms-pull times freshness
    (its last factor; kept at a freshness of 1). ``on``: a function of the platforms giving what
    the pull is proportional to on each one (where it is 0 the model skips that platform).
    """
    if changes_with not in WHEN:
        raise ValueError(f"changes_with must be one of {WHEN}")

    def register(fn):
        name = weight or fn.__name__.removesuffix("_pull")
        PULLS[name], CHANGES_WITH[name] = fn, changes_with
        if on is not None:
            PLATFORM_FACTORS[name] = on
        return fn

    return register


def pulls_changing_with(*when: str) -> tuple[str, ...]:
    """The registered pulls that change with any of ``when`` (in summing order)."""
    return tuple(name for name in PULLS if CHANGES_WITH[name] in when)


def protest_target(platforms) -> np.ndarray:
    """1 for the China-owned platforms the ban does not cover, else 0 (P)."""
    return platforms.protest_owned * ~platforms.threatened


def _not_threatened(platforms) -> np.ndarray:
    return ~platforms.threatened


def _novelty(platforms) -> np.ndarray:
    return platforms.novelty


def _language_barrier(platforms) -> np.ndarray:
    return platforms.language_barrier


@pull("threat", on=_not_threatened)
def follower_loss_pull(users, platforms, day: Today) -> np.ndarray:
    """Creators go where their audience can follow; audiences follow the creators they watch.

    Seed F9 (45 % of migrants cite fear of losing followers) and F8 (about 30 % of top creators
    opened a RedNote account). Only while the ban threatens, and only toward platforms it does
    not cover: a creator is pulled in proportion to fear, the audience at stake and the share of
    that audience already there; a viewer by the share of the creators they follow already there.
    """
    creator_pull = (users.fear * day.stake)[:, None] * day.audience_here
    safe = np.float32(day.threat) * ~platforms.threatened
    return (CREATOR_PULL * creator_pull + VIEWER_PULL * day.creators_here) * safe[None, :]


@pull("threat", on=protest_target)
def protest_pull(users, platforms, day: Today) -> np.ndarray:
    """Anger at the ban draws users to China-owned apps while the ban threatens ("take my data").

    Seed F16 and article 000. Only apps the ban does not cover count (joining another ByteDance app
    is no protest), and the pull fades when the threat is lifted because it scales with ``threat``.
    """
    return PROTEST_PULL * users.protest[:, None] * protest_target(platforms)[None, :] * day.threat


def _threatened(platforms) -> np.ndarray:
    return platforms.threatened


@pull("threat", on=_threatened)
def expected_loss_pull(users, platforms, day: Today) -> np.ndarray:
    """A platform users expect to lose is worth less to them, the one they are on too: the ban
    threat discounts every platform it covers (ban_foresight's discount, which keeps users from
    signing up to them, applied to the platforms they already use). In 2024 the threat was of
    losing X as its users knew it (bluesky-2024)."""
    loss = np.float32(EXPECTED_LOSS_PULL * day.threat) * platforms.threatened
    return np.broadcast_to(-loss, (len(users.habit), len(loss)))


@pull("freshness", on=_novelty)
def curiosity_pull(users, platforms, day: Today) -> np.ndarray:
    """Cultural curiosity: a foreign platform's novelty, decaying with time spent on it.

    Seed F11 (20 % of migrants cite curiosity) and article 001 ("cat tax", cultural exchange).
    """
    return CURIOSITY_PULL * users.curiosity[:, None] * platforms.novelty[None, :] * day.freshness


@pull("platforms", on=_language_barrier)
def language_pull(users, platforms, day: Today) -> np.ndarray:
    """A foreign-language interface repels users with little tolerance for it (seed F12)."""
    intolerance = (1.0 - users.language_tolerance)[:, None]
    return -LANGUAGE_PULL * intolerance * platforms.language_barrier[None, :]


@pull("platforms")
def moderation_pull(users, platforms, day: Today) -> np.ndarray:
    """Strict moderation repels users sensitive to it; lax moderation draws them (F10, F15)."""
    return -MODERATION_PULL * users.moderation_sensitivity[:, None] * platforms.moderation[None, :]


@pull("platforms")
def privacy_pull(users, platforms, day: Today) -> np.ndarray:
    """Worry about where one's data goes repels users from risky apps (seed F16, article 004)."""
    return -PRIVACY_PULL * users.privacy[:, None] * platforms.privacy_risk[None, :]


@pull("account")
def habit_pull(users, platforms, day: Today) -> np.ndarray:
    """Habit: a platform used for months is hard to leave (a mooring; Bansal et al. 2005)."""
    return users.habit[:, None] * at_most(day.tenure / HABIT_DAYS, np.float32(1.0))  # min(·, 1)


@pull("ties", weight="network_pull")
def network_pull(users, platforms, day: Today) -> np.ndarray:
    """Friends already on a platform pull a user there: u = q + β·share (network effects).

    In the Twitter→Mastodon move, 14.7 % of a user's followees landed on the same server
    (Zia et al. 2023): migrants follow their ties.
    """
    return NETWORK_WEIGHT * day.friends_here


def acts_on(name: str, platforms) -> np.ndarray:
    """Whether the pull ``name`` can be non-zero on each platform (P bool)."""
    factor = PLATFORM_FACTORS.get(name)
    return np.ones(len(platforms.available), bool) if factor is None else factor(platforms) != 0


def add_pull(total: np.ndarray, name: str, users, platforms, today: Today, weights) -> None:
    """Add the pull ``name``, by its weight in ``[motives]``, to ``total`` (in place); nothing if
    the weight is 0 or the pull is 0 on every platform given."""
    weight = getattr(weights, name)
    if weight and acts_on(name, platforms).any():
        pull = PULLS[name](users, platforms, today)
        total += pull if weight == 1 else np.float32(weight) * pull


def attractiveness(users, platforms, today: Today, weights, names=tuple(PULLS),
                   appeal: bool = True) -> np.ndarray:
    """Summary of rule: how much a user wants a platform is its appeal plus the sum of every
    pull, each by its weight (log-odds, N×P; ``names``: only these pulls; ``appeal``: with it).

    The fast model keeps sums of some pulls between days (:mod:`sim.model.attraction`); tests
    check those against this sum from scratch."""
    total = np.zeros((len(users.habit), len(platforms.appeal)), dtype=np.float32)
    if appeal:
        total += platforms.appeal
    for name in names:
        add_pull(total, name, users, platforms, today, weights)
    return total


# --- pushes ------------------------------------------------------------------------------------


def follower_loss_push(users, platforms, day: Today) -> np.ndarray:
    """The threat of losing one's audience sends creators (and fans) to look elsewhere (F9)."""
    return day.threat * users.fear * (VIEWER_PUSH + CREATOR_PUSH * day.stake)


def protest_push(users, platforms, day: Today) -> np.ndarray:
    """Anger at the ban is a reason to act now, not only a direction (seed F16)."""
    return day.threat * PROTEST_PUSH * users.protest


PUSHES = {"follower_loss": follower_loss_push, "protest": protest_push}
# Every push is a user trait (or stake) times the ban threat: the model keeps their sum at a threat
# of 1 and multiplies.


def push(users, platforms, today: Today, weights) -> np.ndarray:
    """The motives' push on how hard each user looks for another platform: the sum of every push,
    each by its weight (N; in units of the quiet-day search rate)."""
    total = np.zeros(len(users.habit), dtype=np.float32)
    for name, fn in PUSHES.items():
        weight = getattr(weights, name)
        if weight:
            total += fn(users, platforms, today) * np.float32(weight)
    return total


# --- barriers and churn ------------------------------------------------------------------------


def signup_gate(platforms, weight: float) -> np.ndarray:
    """Share of would-be joiners who get through sign-up (P): none where the platform cannot be
    installed, and fewer behind a sign-up barrier (Douyin's Chinese phone number, F14)."""
    return platforms.installable * (1.0 - platforms.signup_barrier) ** weight


# --- why did they come? ------------------------------------------------------------------------



def primary_motives(who, platforms, day: Today, weights, joined: np.ndarray) -> np.ndarray:
    """Count today's sign-ups by their strongest motive (F9-F11: the seed's 45/35/20 split).

    "moderation" is relief from the moderation of the user's current primary platform (the seed's
    "freedom of expression", F10).

    Args:
        who: the users who signed up somewhere today (their rows of the user arrays).
        platforms: all platforms.
        day: today as those users see it (their rows × all platforms).
        weights: the scenario's ``[motives]``.
        joined: which platforms each of them signed up to today (bool, len(who) × P).

    Returns:
        int64 array (len(MOTIVE_LABELS), P): sign-ups per motive and platform.
    """
    counts = np.zeros((len(MOTIVE_LABELS), joined.shape[1]), dtype=np.int64)
    if len(joined) == 0:
        return counts
    primary_moderation = np.where(who.primary >= 0, platforms.moderation[who.primary], 0.0)
    relief = np.maximum(primary_moderation[:, None] - platforms.moderation[None, :], 0.0)
    scores = np.stack([
        weights.follower_loss * (follower_loss_pull(who, platforms, day)
                                 + follower_loss_push(who, platforms, day)[:, None]),
        weights.protest * (protest_pull(who, platforms, day)
                           + protest_push(who, platforms, day)[:, None]),
        weights.moderation * MODERATION_PULL * who.moderation_sensitivity[:, None] * relief,
        weights.curiosity * curiosity_pull(who, platforms, day),
        weights.network_pull * network_pull(who, platforms, day),
    ])
    strongest = scores.argmax(axis=0)
    platform_of_cell = np.broadcast_to(np.arange(joined.shape[1]), joined.shape)[joined]
    np.add.at(counts, (strongest[joined], platform_of_cell), 1)
    return counts
