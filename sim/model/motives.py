"""Motives and moorings, one small function each, in the push-pull-mooring frame.

Pull terms return an N×P array added to every user's *attractiveness* of every platform (what
draws a user to it, in log-odds units). Push terms return an N array that raises how hard a user
looks for somewhere else today. Churn terms return an N×P daily hazard of going dormant.
Each is multiplied by its weight in ``[motives]``; a weight of 0 switches the motive off.

Array names: ``users`` (:class:`~sim.model.users.Users`), ``platforms``
(:class:`~sim.model.platforms.Platforms`), ``day`` (:class:`Today`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

import numpy as np

NETWORK_WEIGHT = 2.0  # utility of having all one's friends on a platform (β in u = q + β·share)
HABIT_DAYS = 180.0  # tenure after which habit is fully formed
NEWCOMER_DAYS = 30  # how long moderation removals hit a newcomer hardest
MAX_TENURE = 1460 + 3650  # the oldest account (4 years) after the longest run
TRIAL_DAYS = 90  # an account made during the run is on trial this long (threshold churn applies)


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
        here = counts[self.rows, self.columns] / ties[self.rows, None]
        return here if self.available.all() else here * self.available

    def take(self, rows: np.ndarray) -> Shares:
        return replace(self, rows=rows if isinstance(self.rows, slice) else self.rows[rows])


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
    """

    day: int
    threat: float
    tenure: np.ndarray
    stake: np.ndarray
    buzz: np.ndarray
    halflife: float
    ties: Shares

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

    def rows(self, rows: np.ndarray) -> Today:
        """The same day as seen by some of the users only."""
        return Today(self.day, self.threat, self.tenure[rows], self.stake[rows], self.buzz,
                     self.halflife, self.ties.take(rows))


@lru_cache(maxsize=16)
def freshness_by_tenure(halflife: float) -> np.ndarray:
    """Freshness after 0, 1, 2, ... days of tenure (float32; every day a run can reach)."""
    return np.exp(np.arange(MAX_TENURE + 1, dtype=np.float32) * fading(halflife))


def fading(halflife: float) -> np.float32:
    """Log of the daily factor by which freshness fades: freshness = exp(fading · tenure)."""
    return np.float32(-np.log(2.0) / halflife)


# --- pulls -------------------------------------------------------------------------------------


def follower_loss_pull(users, platforms, day: Today) -> np.ndarray:
    """Creators go where their audience can follow; audiences follow the creators they watch.

    Seed F9 (45 % of migrants cite fear of losing followers) and F8 (about 30 % of top creators
    opened a RedNote account). Only while the ban threatens, and only toward platforms it does
    not cover: a creator is pulled in proportion to fear, the audience at stake and the share of
    that audience already there; a viewer by the share of the creators they follow already there.
    """
    creator_pull = (users.fear * day.stake)[:, None] * day.audience_here
    safe = np.float32(day.threat) * ~platforms.threatened
    return (3.0 * creator_pull + 0.3 * day.creators_here) * safe[None, :]


def protest_pull(users, platforms, day: Today) -> np.ndarray:
    """Anger at the ban draws users to China-owned apps while the ban threatens ("take my data").

    Seed F16 and article 000. Only apps the ban does not cover count (joining another ByteDance app
    is no protest), and the pull fades when the threat is lifted because it scales with ``threat``.
    """
    return 3.0 * users.protest[:, None] * protest_target(platforms)[None, :] * day.threat


def protest_target(platforms) -> np.ndarray:
    """1 for the China-owned platforms the ban does not cover, else 0 (P)."""
    return platforms.china_owned * ~platforms.threatened


def curiosity_pull(users, platforms, day: Today) -> np.ndarray:
    """Cultural curiosity: a foreign platform's novelty, decaying with time spent on it.

    Seed F11 (20 % of migrants cite curiosity) and article 001 ("cat tax", cultural exchange).
    """
    return 2.0 * users.curiosity[:, None] * platforms.novelty[None, :] * day.freshness


def language_pull(users, platforms, day: Today) -> np.ndarray:
    """A foreign-language interface repels users with little tolerance for it (seed F12)."""
    return -2.0 * (1.0 - users.language_tolerance)[:, None] * platforms.language_barrier[None, :]


def moderation_pull(users, platforms, day: Today) -> np.ndarray:
    """Strict moderation repels users sensitive to it; lax moderation draws them (F10, F15)."""
    return -1.5 * users.moderation_sensitivity[:, None] * platforms.moderation[None, :]


def privacy_pull(users, platforms, day: Today) -> np.ndarray:
    """Worry about where one's data goes repels users from risky apps (seed F16, article 004)."""
    return -2.0 * users.privacy[:, None] * platforms.privacy_risk[None, :]


def habit_pull(users, platforms, day: Today) -> np.ndarray:
    """Habit: a platform used for months is hard to leave (a mooring; Bansal et al. 2005)."""
    return users.habit[:, None] * np.minimum(day.tenure / HABIT_DAYS, 1.0)


def network_pull(users, platforms, day: Today) -> np.ndarray:
    """Friends already on a platform pull a user there: u = q + β·share (network effects).

    In the Twitter→Mastodon move, 14.7 % of a user's followees landed on the same server
    (Zia et al. 2023): migrants follow their ties.
    """
    return NETWORK_WEIGHT * day.friends_here


PULLS = {
    "follower_loss": follower_loss_pull,
    "protest": protest_pull,
    "curiosity": curiosity_pull,
    "language": language_pull,
    "moderation": moderation_pull,
    "privacy": privacy_pull,
    "habit": habit_pull,
    "network_pull": network_pull,
}

# How often each pull can change, so that the model recomputes it only then: steady pulls when an
# event changes a platform; social ones also when some of the user's ties become engaged or dormant
# there (neither uses tenure); threat pulls are steady or social ones times the ban threat (the
# model keeps them at a threat of 1 and multiplies); the others (freshness, tenure) every day.
STEADY_PULLS = ("language", "moderation", "privacy")
SOCIAL_PULLS = ("network_pull",)
THREAT_PULLS = ("follower_loss", "protest")
# Steady pulls times freshness (their last factor; 1 where the user has no account): the model
# keeps them at a freshness of 1 and multiplies only where there is an account.
FRESHNESS_PULLS = ("curiosity",)
DAILY_PULLS = tuple(p for p in PULLS if p not in (*STEADY_PULLS, *SOCIAL_PULLS, *THREAT_PULLS,
                                                  *FRESHNESS_PULLS))
# Daily pulls that are 0 where the user has no account (a function of tenure, which is 0 there):
# on a platform where few users have one, the model computes them for those users only.
ACCOUNT_PULLS = ("habit",)

# What a pull is proportional to on each platform: where it is 0, the pull is 0 for every user,
# and the model skips that platform (e.g. curiosity where there is no novelty).
PLATFORM_FACTORS = {
    "protest": protest_target,
    "follower_loss": lambda platforms: ~platforms.threatened,
    "curiosity": lambda platforms: platforms.novelty,
    "language": lambda platforms: platforms.language_barrier,
}


def acts_on(name: str, platforms) -> np.ndarray:
    """Whether the pull ``name`` can be non-zero on each platform (P bool)."""
    factor = PLATFORM_FACTORS.get(name)
    return np.ones(len(platforms.available), bool) if factor is None else factor(platforms) != 0


# --- pushes ------------------------------------------------------------------------------------


def follower_loss_push(users, platforms, day: Today) -> np.ndarray:
    """The threat of losing one's audience sends creators (and fans) to look elsewhere (F9)."""
    return day.threat * users.fear * (0.3 + 3.0 * day.stake)


def protest_push(users, platforms, day: Today) -> np.ndarray:
    """Anger at the ban is a reason to act now, not only a direction (seed F16)."""
    return day.threat * 2.0 * users.protest


PUSHES = {"follower_loss": follower_loss_push, "protest": protest_push}
# Every push is a user trait (or stake) times the ban threat: the model keeps their sum at a threat
# of 1 and multiplies.


# --- barriers and churn ------------------------------------------------------------------------


def signup_barrier(platforms, weight: float) -> np.ndarray:
    """Share of would-be joiners who get through sign-up (Douyin's Chinese phone number, F14)."""
    return (1.0 - platforms.signup_barrier) ** weight


def language_churn(users, platforms, day: Today, rate: float, first_week: int) -> np.ndarray:
    """Newcomers who cannot read the interface leave in their first week (F12: 20 %).

    A translation launch lowers ``language_barrier`` and with it this hazard.
    """
    newcomer = (day.tenure < first_week).astype(np.float32)
    intolerance = (1.0 - users.language_tolerance)[:, None]
    return rate * platforms.language_barrier[None, :] * intolerance * newcomer


def moderation_churn(users, platforms, day: Today, rate: float) -> np.ndarray:
    """Removals of newcomers' posts push the sensitive ones away (domain notes, week of 01-13)."""
    newcomer = (day.tenure < NEWCOMER_DAYS).astype(np.float32)
    return rate * platforms.moderation[None, :] * users.moderation_sensitivity[:, None] * newcomer


def threshold_churn(users, day: Today, has_friends: np.ndarray, tau: float) -> np.ndarray:
    """Török–Kertész: once the share of engaged friends falls below λ, leave at rate 1/τ."""
    below = (day.friends_here < users.threshold[:, None]) & has_friends[:, None]
    return below.astype(np.float32) / tau


# --- why did they come? ------------------------------------------------------------------------

MOTIVE_LABELS = ("follower_loss", "protest", "expression", "curiosity", "network")


def primary_motives(who, platforms, day: Today, weights, joined: np.ndarray) -> np.ndarray:
    """Count today's sign-ups by their strongest motive (F9-F11: the seed's 45/35/20 split).

    "expression" is relief from the moderation of the user's current primary platform (F10).

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
        weights.moderation * 1.5 * who.moderation_sensitivity[:, None] * relief,
        weights.curiosity * curiosity_pull(who, platforms, day),
        weights.network_pull * network_pull(who, platforms, day),
    ])
    strongest = scores.argmax(axis=0)
    platform_of_cell = np.broadcast_to(np.arange(joined.shape[1]), joined.shape)[joined]
    np.add.at(counts, (strongest[joined], platform_of_cell), 1)
    return counts
