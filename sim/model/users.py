"""The users: one row per simulated user in numpy arrays (traits and per-platform state).

One agent stands for ``real_users / users`` real people (the scale factor), so every count the
model reports can be given in real-world numbers.

The per-platform arrays (N×P) are stored column by column (Fortran order): the daily rules work one
platform at a time, and ``users.account[:, j]`` is then one contiguous block of memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import AGE_GROUPS, Population, Scenario, Trait

NEVER = np.int16(-32000)  # joined_day / left_day for "never"
# Accounts made before the run are a month to four years old on day 0 (uniform): old enough to
# be settled, never older than the apps of the episode.
INITIAL_TENURE_DAYS = (30, 1460)

# How much more open to a new, foreign platform each age group is than average (protest,
# curiosity and language tolerance are multiplied by it). Younger users led the migration (F7, C12).
AGE_OPENNESS = {"13-17": 1.15, "18-29": 1.35, "30-49": 0.9, "50-64": 0.55, "65+": 0.35}


@dataclass
class Users:
    """Traits and state of every user, as arrays.

    Attributes:
        age_group: index into ``AGE_GROUPS`` (int8, N).
        is_creator: whether the user makes content others follow (bool, N).
        activity: chance of opening the primary platform on a given day (N).
        fear, protest, curiosity, privacy, moderation_sensitivity, language_tolerance, habit:
            motive strengths in [0, 1] (float32, N).
        threshold: Török–Kertész churn threshold λ on the share of friends still engaged (N).
        account: has an account on the platform (bool, N×P). Accounts are never deleted.
        engaged: still uses the platform, as opposed to dormant (bool, N×P).
        active: opened the platform today (bool, N×P).
        joined_day: day the account was made (int16, N×P; negative for pre-existing accounts).
        left_day: first day the user went dormant after joining (int16, N×P; NEVER if not).
        primary: the platform the user spends most attention on (int8, N; -1 = none).
    """

    age_group: np.ndarray
    is_creator: np.ndarray
    activity: np.ndarray
    fear: np.ndarray
    protest: np.ndarray
    curiosity: np.ndarray
    privacy: np.ndarray
    moderation_sensitivity: np.ndarray
    language_tolerance: np.ndarray
    habit: np.ndarray
    threshold: np.ndarray
    account: np.ndarray
    engaged: np.ndarray
    active: np.ndarray
    joined_day: np.ndarray
    left_day: np.ndarray
    primary: np.ndarray

    @property
    def n(self) -> int:
        return len(self.age_group)

    def take(self, rows: np.ndarray) -> UserRows:
        """The same users' arrays restricted to ``rows`` (gathered on first use of each)."""
        return UserRows(self, rows)


class UserRows:
    """Some users of a :class:`Users`: every per-user array indexed by ``rows``, read lazily."""

    def __init__(self, users: Users, rows: np.ndarray):
        self._users = users
        self._rows = rows

    @property
    def n(self) -> int:
        return len(self._rows)

    def __getattr__(self, name: str):
        value = getattr(self._users, name)[self._rows]
        setattr(self, name, value)
        return value


def draw_trait(rng: np.random.Generator, trait: Trait, n: int) -> np.ndarray:
    """Beta-distributed trait with the configured mean and concentration."""
    a = max(trait.mean * trait.concentration, 1e-3)
    b = max((1.0 - trait.mean) * trait.concentration, 1e-3)
    return rng.beta(a, b, size=n).astype(np.float32)


def create_users(scenario: Scenario, rng: np.random.Generator) -> Users:
    """Draw a population of ``simulation.users`` users with the scenario's trait distributions."""
    pop: Population = scenario.population
    n = scenario.simulation.users
    n_platforms = len(scenario.platforms)
    shares = np.array([pop.age_shares.get(g, 0.0) for g in AGE_GROUPS])
    age_group = rng.choice(len(AGE_GROUPS), size=n, p=shares / shares.sum()).astype(np.int8)
    openness = np.array([AGE_OPENNESS[g] for g in AGE_GROUPS], dtype=np.float32)[age_group]

    def opened(trait: Trait) -> np.ndarray:
        return np.clip(draw_trait(rng, trait, n) * openness, 0.0, 1.0)

    users = Users(
        age_group=age_group,
        is_creator=rng.random(n) < pop.creator_share,
        activity=draw_trait(rng, pop.daily_activity, n),
        fear=draw_trait(rng, pop.fear_of_losing_followers, n),
        protest=opened(pop.protest),
        curiosity=opened(pop.curiosity),
        privacy=draw_trait(rng, pop.privacy_concern, n),
        moderation_sensitivity=draw_trait(rng, pop.moderation_sensitivity, n),
        language_tolerance=opened(pop.language_tolerance),
        habit=draw_trait(rng, pop.habit, n),
        threshold=rng.uniform(
            pop.churn_threshold_mean - pop.churn_threshold_spread,
            pop.churn_threshold_mean + pop.churn_threshold_spread,
            size=n,
        ).astype(np.float32),
        account=np.zeros((n, n_platforms), dtype=bool, order="F"),
        engaged=np.zeros((n, n_platforms), dtype=bool, order="F"),
        active=np.zeros((n, n_platforms), dtype=bool, order="F"),
        joined_day=np.full((n, n_platforms), NEVER, dtype=np.int16, order="F"),
        left_day=np.full((n, n_platforms), NEVER, dtype=np.int16, order="F"),
        primary=np.full(n, -1, dtype=np.int8),
    )
    _give_initial_accounts(users, scenario, rng)
    return users


def _give_initial_accounts(users: Users, scenario: Scenario, rng: np.random.Generator) -> None:
    """Accounts that exist before day 0, with tenures of up to four years."""
    for j, platform in enumerate(scenario.platforms.values()):
        has = rng.random(users.n) < platform.initial_accounts
        users.account[:, j] = has
        users.engaged[:, j] = has & (rng.random(users.n) < platform.initial_engaged)
        users.joined_day[has, j] = -rng.integers(*INITIAL_TENURE_DAYS,
                                                 size=np.count_nonzero(has), dtype=np.int16)
