"""The migration model: a Mesa model whose users live in arrays, one step per calendar day."""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np

from sim import motives as m
from sim.events import schedule_events
from sim.network import TieCounts, build_ties
from sim.platforms import Platforms
from sim.population import NEVER, create_users
from sim.recorder import Recorder
from sim.scenario import Scenario

TRENDING_FLOOR = 1e-5  # daily sign-ups (share of users) below which a platform cannot trend
USUAL_DAYS = 30.0  # memory of a platform's usual sign-up level


class MigrationModel(mesa.Model):
    """US TikTok users choosing among platforms while a ban threatens.

    Each day (one Mesa step): users who look for somewhere else may sign up to platforms they have
    no account on; engaged users may go dormant (churn) and dormant ones come back; every engaged
    user then opens some of their platforms, the most attractive one first (their primary).

    Attributes:
        config: the validated scenario.
        users: :class:`~sim.population.Users` (arrays, one row per user).
        ties: friendship and follower graphs (:class:`~sim.network.Ties`).
        platforms: :class:`~sim.platforms.Platforms`, changed by events.
        threat: perceived probability that TikTok is lost (0..1), changed by events.
        scale: real users per simulated user.
        recorder: daily metrics per platform and primary-platform flows.
        datacollector: Mesa DataCollector with model-level series (threat, TikTok and RedNote
            daily users), for Mesa's own tools.
    """

    def __init__(self, scenario: Scenario, rng=None):
        super().__init__(rng=scenario.simulation.seed if rng is None else rng)
        self.config = scenario
        self.weights = scenario.motives
        self.rates = scenario.dynamics
        self.platforms = Platforms(scenario)
        self.users = create_users(scenario, self.rng)
        self.ties = build_ties(self.users, scenario.population, self.rng)
        self.tie_counts = TieCounts.count(self.ties, self.users.engaged)
        self.stake = _audience_stake(self.ties.followers)
        self.has_friends = np.diff(self.ties.friends.indptr) > 0
        self.threat = scenario.initial_threat
        self.scale = scenario.population.real_users / self.users.n
        self.signups_recent = np.zeros(len(self.platforms))  # short average of daily sign-ups
        self.signups_usual = np.zeros(len(self.platforms))  # long average: what is normal
        self.fired: list = []
        self.events = schedule_events(self, scenario.events, scenario.simulation.start)
        self.recorder = Recorder(scenario.simulation.days, self.platforms.names, self.scale)
        self.datacollector = mesa.DataCollector(
            model_reporters={"ban_threat": "threat", **_platform_reporters(self.platforms.names)}
        )
        self._choose_primary(self._attractiveness(self._today(0)))

    @property
    def day(self) -> int:
        """Index of the day being simulated (0 = ``simulation.start``)."""
        return self.steps - 1

    def run(self) -> MigrationModel:
        """Simulate every day of the scenario."""
        for _ in range(self.config.simulation.days):
            self.step()
        return self

    def step(self) -> None:
        """One day: sign up, churn and return, then activity; record the day."""
        self._fade_threat()
        before = self.users.engaged.copy()
        today = self._today(self.day)
        attractiveness = self._attractiveness(today)
        gap = self._gap_to_best(attractiveness)
        joined, motives = self._sign_up(attractiveness, gap, today)
        churned, returned = self._churn_and_return(gap, today, joined)
        previous_primary = self.users.primary.copy()
        self._open_apps(self._choose_primary(attractiveness), today)
        self.tie_counts.update(self.ties, before, self.users.engaged)
        self._remember_signups(self.expected_signups)
        self.recorder.record(self, joined, churned, returned, motives, previous_primary, today)
        self.datacollector.collect(self)

    # --- what users see today ------------------------------------------------------------------

    def _fade_threat(self) -> None:
        if self.rates.threat_decay_days > 0:
            self.threat *= float(np.exp(-1.0 / self.rates.threat_decay_days))

    def _today(self, day: int) -> m.Today:
        users, counts, ties = self.users, self.tie_counts, self.ties
        tenure = np.where(users.account, day - users.joined_day, 0).astype(np.float32)
        available = self.platforms.available.astype(np.float32)
        return m.Today(
            day=day,
            threat=self.threat,
            tenure=tenure,
            freshness=np.exp2(-tenure / np.float32(self.rates.curiosity_halflife_days)),
            friends_here=counts.friends / ties.friend_count[:, None] * available,
            creators_here=counts.creators / ties.follow_count[:, None] * available,
            audience_here=counts.audience / ties.audience[:, None] * available,
            stake=self.stake,
            buzz=self._buzz(),
        )

    def _attractiveness(self, today: m.Today) -> np.ndarray:
        """N×P log-odds of how much each user wants each platform today (all pulls summed)."""
        total = np.broadcast_to(self.platforms.appeal, today.tenure.shape).copy()
        for name, pull in m.PULLS.items():
            weight = getattr(self.weights, name)
            if weight:
                total += np.float32(weight) * pull(self.users, self.platforms, today)
        return total

    def _push(self, today: m.Today) -> np.ndarray:
        """How much harder than usual each user looks for another platform today (N)."""
        push = np.ones(self.users.n, dtype=np.float32)
        for name, fn in m.PUSHES.items():
            weight = getattr(self.weights, name)
            if weight:
                push += np.float32(weight) * fn(self.users, self.platforms, today)
        primary = np.maximum(self.users.primary, 0)
        has_primary = self.users.primary >= 0
        dark = has_primary & ~self.platforms.available[primary]
        threatened = has_primary & self.platforms.threatened[primary]
        push += np.float32(self.rates.threat_push * today.threat) * threatened
        return push + np.float32(self.rates.outage_push) * dark

    # --- transitions ---------------------------------------------------------------------------

    def _gap_to_best(self, attractiveness: np.ndarray) -> np.ndarray:
        """How far each platform lags the user's best usable platform (N×P, negative = better)."""
        usable = self.users.engaged & self.platforms.available
        best = np.where(usable, attractiveness, -np.inf).max(axis=1)
        best[~np.isfinite(best)] = 0.0
        return best[:, None] - attractiveness

    def _sign_up(self, attractiveness: np.ndarray, gap: np.ndarray, today: m.Today):
        """Searching users add platforms they have no account on (accounts are additions)."""
        users, platforms, rates = self.users, self.platforms, self.rates
        search = np.float32(rates.search_rate) * self._push(today)
        gate = platforms.installable * m.signup_barrier(platforms, self.weights.signup_barrier)
        expected_loss = np.float32(today.threat) * platforms.threatened  # may be banned too
        lead = np.minimum(today.buzz - expected_loss - gap, 20.0)
        rate = search[:, None] * np.exp(lead) * gate.astype(np.float32)
        self._draw = self.rng.random(rate.shape, dtype=np.float32)
        chance = -np.expm1(-rate)
        chance[users.account] = 0.0
        self.expected_signups = chance.sum(axis=0, dtype=np.float64) / users.n
        joined = self._draw < chance
        users.account |= joined
        users.engaged |= joined
        users.joined_day[joined] = self.day
        return joined, m.primary_motives(users, platforms, today, self.weights, joined)

    def _churn_and_return(self, gap, today, joined):
        """Engaged users may go dormant; dormant ones with an account may come back."""
        users, platforms, rates, w = self.users, self.platforms, self.rates, self.weights
        gap = np.maximum(gap, 0.0)
        trial = (users.joined_day >= 0) & (today.tenure < m.TRIAL_DAYS)
        hazard = np.float32(rates.base_churn) * (gap > 0)
        hazard += trial * (np.float32(rates.trial_churn) * np.minimum(gap, 3.0))
        hazard += w.language * m.language_churn(
            users, platforms, today, rates.language_churn, rates.first_week_days)
        hazard += w.moderation * m.moderation_churn(users, platforms, today, rates.moderation_churn)
        hazard += w.threshold_churn * trial * m.threshold_churn(
            users, today, self.has_friends, rates.threshold_churn_days)
        hazard = np.where(platforms.available, hazard, np.float32(rates.dark_forget_rate))
        churned = users.engaged & ~joined & (self._draw < -np.expm1(-hazard))
        comeback = np.float32(2.0 * rates.return_rate) / (1.0 + np.exp(np.minimum(gap, 30.0)))
        dormant = users.account & ~users.engaged & platforms.available
        returned = dormant & (self._draw < comeback)
        users.engaged &= ~churned
        users.engaged |= returned
        first_leave = churned & (users.left_day == NEVER)
        users.left_day[first_leave] = self.day
        return churned, returned

    def _choose_primary(self, attractiveness: np.ndarray) -> np.ndarray:
        """Each user's primary platform: the most attractive usable one. Returns the N×P gap."""
        usable = self.users.engaged & self.platforms.available
        masked = np.where(usable, attractiveness, -np.inf)
        primary = masked.argmax(axis=1)
        best = masked[np.arange(len(primary)), primary]
        nothing = ~np.isfinite(best)
        best[nothing] = 0.0
        primary[nothing] = -1
        self.users.primary = primary.astype(np.int8)
        return best[:, None] - attractiveness

    def _open_apps(self, gap: np.ndarray, today: m.Today) -> None:
        """Each engaged user opens the primary with their daily chance, others less often, except
        that a platform new to the user gets attention while it still feels new."""
        users = self.users
        usable = users.engaged & self.platforms.available
        focus = np.exp(-np.float32(self.rates.attention_focus) * gap)
        chance = users.activity[:, None] * np.maximum(focus, today.freshness)
        users.active = usable & (self.rng.random(chance.shape, dtype=np.float32) < chance)

    def _buzz(self) -> np.ndarray:
        """Trending: sign-ups well above their usual level put a platform in the charts and the
        news (C1, F3, F4), which raises sign-ups further, up to ``buzz_max`` (log-odds, P)."""
        ratio = (self.signups_recent + TRENDING_FLOOR) / (self.signups_usual + TRENDING_FLOOR)
        return np.clip(self.rates.buzz * np.log(ratio), 0.0, self.rates.buzz_max)

    def _remember_signups(self, today: np.ndarray) -> None:
        """Update the short and long averages of sign-ups (expected, so free of draw noise)."""
        if self.day == 0:
            self.signups_recent[:] = self.signups_usual[:] = today
        for average, days in ((self.signups_recent, self.rates.buzz_memory_days),
                              (self.signups_usual, USUAL_DAYS)):
            keep = np.exp(-1.0 / days)
            average *= keep
            average += (1 - keep) * today


def _audience_stake(followers: np.ndarray) -> np.ndarray:
    """0..1: log audience size relative to the largest audience."""
    top = np.log1p(followers.max()) if followers.size and followers.max() > 0 else 1.0
    return (np.log1p(followers) / top).astype(np.float32)


def _platform_reporters(names: list[str]) -> dict:
    """Mesa model reporters: real-world daily active users of each platform."""
    return {f"dau_{name}": partial(daily_users, column=j) for j, name in enumerate(names)}


def daily_users(model: MigrationModel, column: int) -> float:
    """Real-world daily active users of the platform in ``column``."""
    return float(model.users.active[:, column].sum()) * model.scale
