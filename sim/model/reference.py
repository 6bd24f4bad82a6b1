"""The same model written the plain Mesa way: one ``mesa.Agent`` per user, stepped in random order.

A yardstick for :class:`~sim.model.migration.MigrationModel`: it makes the same daily decisions from
the same motives (the functions of :mod:`sim.model.motives`, applied to one user's row of platforms
at a time) with the same sign-up, churn, return, primary and app-opening rules, the same events and
the same kind of population and ties (built by :mod:`sim.model.users` and :mod:`sim.model.network`),
so that both can be compared in distribution and in speed. It records only daily active users,
engaged users, accounts and sign-ups per platform.

Each day has two phases, as the vectorised model: every user first looks at the world as it was
at dawn (how many of their ties are engaged where: ``agents.do("look")``), then users act in random
order (``agents.shuffle_do("step")``), so nobody reacts to a tie's decision of the same day.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import mesa
import numpy as np

from sim.model import motives, rules
from sim.model.events import schedule_events
from sim.model.network import build_ties
from sim.model.platforms import Platforms
from sim.model.users import NEVER, create_users
from sim.scenario.schema import Scenario

TRAITS = ("fear", "protest", "curiosity", "privacy", "moderation_sensitivity",
          "language_tolerance", "habit", "threshold", "activity")


class User(mesa.Agent):
    """One US TikTok user, with their accounts on every platform.

    Attributes:
        row: the user's traits as length-1 arrays, the shape the motive functions take.
        account, engaged, active: per platform (bool arrays of length P).
        joined_day, left_day: per platform (int arrays; ``NEVER`` if not).
        primary: the platform the user spends most attention on (-1 = none).
        friends, follows, followers: the users they are tied to (cached, as indices of
            ``model.users``).
    """

    def __init__(self, model: ReferenceModel, i: int):
        super().__init__(model)
        users = model.population
        self.row = SimpleNamespace(**{t: getattr(users, t)[i : i + 1] for t in TRAITS})
        self.account = users.account[i].copy()
        self.engaged = users.engaged[i].copy()
        self.active = np.zeros_like(self.engaged)
        self.joined_day = users.joined_day[i].astype(np.int64)
        self.left_day = users.left_day[i].astype(np.int64)
        self.primary = -1
        self.stake = model.stake[i : i + 1]
        self.has_friends = model.has_friends[i : i + 1]
        self.friends = self.follows = self.followers = np.empty(0, dtype=np.int32)
        self.today: motives.Today | None = None
        self.attractiveness = np.zeros(len(self.engaged))
        self.steady, self.steady_version = None, -1
        self.motive_push = None

    # --- what the user sees --------------------------------------------------------------------

    def look(self) -> None:
        """See the world as it is at dawn: tenure, ties engaged on each platform, attractiveness."""
        model, day, platforms = self.model, self.model.day, self.model.platforms
        dawn = model.dawn_engaged  # everyone's engagement as the day begins
        kinds = (("friends", self.friends), ("creators", self.follows),
                 ("audience", self.followers))
        shares = _OwnShares({kind: _share(dawn, ties, platforms.available)
                             for kind, ties in kinds},
                            {kind: _share(dawn, ties, np.ones_like(platforms.available))[0]
                             for kind, ties in kinds})
        tenure = np.where(self.account, day - self.joined_day, 0).astype(np.float32)[None, :]
        self.today = motives.Today(day, model.threat, tenure, self.stake, model.buzz,
                                   model.rates.curiosity_halflife_days, shares,
                                   np.array([self.primary]))
        weights, steady = model.weights, motives.pulls_changing_with("platforms")
        if self.steady_version != platforms.version:  # what only changes with the platforms
            self.steady = motives.attractiveness(self.row, platforms, self.today, weights, steady)
            self.steady_version = platforms.version
        others = [name for name in motives.PULLS if name not in steady]
        self.attractiveness = (self.steady + motives.attractiveness(
            self.row, platforms, self.today, weights, others, appeal=False))[0]

    def best(self) -> tuple[float, int]:
        """The most attractive platform the user can use, and its attractiveness (0, -1: none;
        :func:`rules.prefers`)."""
        best, primary = -np.inf, -1
        for j in np.flatnonzero(self.engaged & self.model.platforms.available):
            if rules.prefers(self.attractiveness[j], best):
                best, primary = self.attractiveness[j], int(j)
        return (0.0, -1) if primary < 0 else (float(best), primary)

    # --- the day's decisions -------------------------------------------------------------------

    def step(self) -> None:
        """Sign up, go dormant or come back, choose a primary platform, open apps."""
        model, rates, platforms = self.model, self.model.rates, self.model.platforms
        best, _ = self.best()
        gap = np.float32(best) - self.attractiveness
        draw = model.rng.random(len(gap), dtype=np.float32)
        self.sign_up(gap, draw)
        engaged = self.engaged & rules.can_go_dormant(self.joined_day, model.day)
        gone = engaged & (draw < self.churn_chance(gap))
        dormant = self.account & ~self.engaged & platforms.available
        back = dormant & (draw < rules.return_chance(rates, gap, 1 - platforms.dark))
        self.engaged &= ~gone
        self.engaged |= back
        self.left_day[gone & (self.left_day == NEVER)] = model.day
        best, self.primary = self.best()
        self.open_apps(np.float32(best) - self.attractiveness,
                       model.rng.random(len(gap), dtype=np.float32))

    def sign_up_chance(self, gap: np.ndarray) -> np.ndarray:
        """Today's chance of signing up to each platform (0 where the user has an account)."""
        model, platforms = self.model, self.model.platforms
        if self.motive_push is None:  # every push is proportional to the threat: kept at 1
            self.motive_push = motives.push(self.row, platforms,
                                            replace(self.today, threat=1.0), model.weights)
        on = self.primary >= 0
        search = rules.search_rate(
            model.rates, self.motive_push, model.threat, model.buzz.max(),
            on and platforms.threatened[self.primary], platforms.dark[self.primary] if on else 0.0,
            model.threat_news)
        trend = rules.trend(model.rates, model.buzz, model.threat, platforms.threatened)
        gate = motives.signup_gate(platforms, model.weights.signup_barrier)
        chance = rules.sign_up_chance(search, gap, trend.astype(np.float32),
                                      gate.astype(np.float32))
        chance[self.account] = 0.0
        return chance

    def sign_up(self, gap: np.ndarray, draw: np.ndarray) -> np.ndarray:
        model = self.model
        chance = self.sign_up_chance(gap)
        model.expected_signups += chance
        joined = draw < chance
        self.account |= joined
        self.engaged |= joined
        self.joined_day[joined] = model.day
        model.signups += joined
        return joined

    def churn_chance(self, gap: np.ndarray) -> np.ndarray:
        """Today's chance of going dormant on each platform: every churn hazard on a new account,
        the base hazard on a settled one (:func:`rules.newcomer_since`) where the platform is up,
        forgetting where it is dark."""
        model, rates = self.model, self.model.rates
        on_trial = rules.on_trial(self.joined_day[None, :], self.today.tenure)
        hazard = rules.churn_hazard(rates, model.weights, self.row, model.platforms, self.today,
                                    gap[None, :], on_trial, self.has_friends)[0]
        settled = self.joined_day <= rules.newcomer_since(rates, model.day)
        hazard = np.where(settled, rules.base_hazard(rates, np.maximum(gap, 0.0)), hazard)
        return rules.daily_chance(rules.partly_dark(rates, hazard, model.platforms.dark))

    def open_apps(self, gap: np.ndarray, draw: np.ndarray) -> None:
        """Open the platforms one uses (``draw``: one uniform each): :func:`rules.open_chance`,
        and every platform signed up to today (:func:`rules.opens`)."""
        model = self.model
        usable = self.engaged & model.platforms.available
        chance = rules.open_chance(model.rates, self.row.activity[0], gap, self.today.tenure[0],
                                   1 - model.platforms.dark)
        self.active = usable & rules.opens(draw < chance, self.joined_day == model.day)


class ReferenceModel(mesa.Model):
    """The migration model with one Mesa agent per user (see the module docstring).

    Attributes:
        config, weights, rates, platforms, threat, scale: as in
        :class:`~sim.model.migration.MigrationModel`. buzz: today's trending term of each platform
        (P). datacollector: daily active users (share of users) of every platform, model-level.
    """

    def __init__(self, scenario: Scenario, rng=None):
        super().__init__(rng=scenario.simulation.seed if rng is None else rng)
        self.config, self.weights, self.rates = scenario, scenario.motives, scenario.dynamics
        self.platforms = Platforms(scenario)
        self.population = create_users(scenario, self.rng)
        self.ties = build_ties(self.population, scenario.population, self.rng)
        self.has_friends = np.diff(self.ties.friends.indptr) > 0
        self.stake = motives.audience_stake(self.ties.followers)
        self.threat = scenario.initial_threat
        self.threat_news = 0.0  # recent rises of the threat, fading (rules.news)
        self.threat_yesterday = self.threat
        self.scale = scenario.population.real_users / self.population.n
        n_platforms = len(self.platforms)
        self.signups_recent, self.signups_usual = np.zeros(n_platforms), np.zeros(n_platforms)
        self.buzz = np.zeros(n_platforms)
        self.fired: list = []
        self.events = schedule_events(self, scenario.events, scenario.simulation.start,
                                      scenario.simulation.days)
        users = [User(self, i) for i in range(self.population.n)]
        for matrix, attribute in ((self.ties.friends, "friends"), (self.ties.follows, "follows"),
                                  (self.ties.followed_by, "followers")):
            for i, user in enumerate(users):  # each user's ties: indices into model.users
                setattr(user, attribute, matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]])
        self.users = users
        self.dawn_engaged = np.array([user.engaged for user in users])
        self.shares: dict[str, np.ndarray] = {}
        self.datacollector = mesa.DataCollector(model_reporters={
            f"{kind}_{name}": _reporter(kind, j)
            for kind in ("dau", "engaged", "accounts", "signups")
            for j, name in enumerate(self.platforms.names)
        })
        self.agents.do("look")
        for user in users:
            user.primary = user.best()[1]

    @property
    def day(self) -> int:
        return max(self.steps - 1, 0)

    def run(self) -> ReferenceModel:
        for _ in range(self.config.simulation.days):
            self.step()
        return self

    def step(self) -> None:
        self.platforms.on_day(self.day)
        self.threat = rules.fade_threat(self.rates, self.threat)
        self.threat_news = rules.news(self.rates, self.threat_news, self.threat_yesterday,
                                      self.threat)
        self.threat_yesterday = self.threat
        self.buzz = rules.trending(self.rates, self.signups_recent, self.signups_usual)
        n_platforms = len(self.platforms)
        self.expected_signups = np.zeros(n_platforms)
        self.signups = np.zeros(n_platforms, int)
        self.dawn_engaged = np.array([user.engaged for user in self.users])
        self.agents.do("look")
        self.agents.shuffle_do("step")
        self._remember_signups(self.expected_signups / len(self.users))
        n = len(self.users)
        self.shares = {
            "dau": sum(user.active for user in self.users) / n,
            "engaged": sum(user.engaged for user in self.users) / n,
            "accounts": sum(user.account for user in self.users) / n,
            "signups": self.signups / n,
        }
        self.datacollector.collect(self)

    def _remember_signups(self, today: np.ndarray) -> None:
        rules.remember_signups(self.signups_recent, self.signups_usual, today, self.rates,
                               self.day == 0)


class _OwnShares:
    """One user's shares of engaged ties, in the form ``motives.Today`` asks for them: on the
    platforms that work (``shares``, 1×P) and on each whether or not it works (``anywhere``)."""

    def __init__(self, shares: dict[str, np.ndarray], anywhere: dict[str, np.ndarray]):
        self.shares, self.anywhere = shares, anywhere

    def of(self, kind: str) -> np.ndarray:
        return self.shares[kind]

    def at(self, kind: str, platform: np.ndarray) -> np.ndarray:
        return np.where(platform >= 0, self.anywhere[kind][np.maximum(platform, 0)],
                        np.float32(1.0))


def _share(dawn: np.ndarray, ties: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Share of ``ties`` (agent indices) engaged on each available platform at dawn (1×P)."""
    if len(ties) == 0:
        return np.zeros((1, len(available)), dtype=np.float32)
    engaged = np.count_nonzero(dawn[ties], axis=0)
    return (engaged.astype(np.float32) / np.float32(len(ties)) * available)[None, :]


def _reporter(kind: str, j: int):
    """A model reporter: the share of users active, engaged, with an account or signed up today
    on platform ``j``."""
    def report(model: ReferenceModel) -> float:
        return float(model.shares[kind][j])
    return report
