"""The migration model: a Mesa model whose users live in arrays, one step per calendar day.

The user arrays are stored column by column, one column per platform, and the daily rules run
one platform column at a time (:mod:`sim.model.columns`), a block of users at a time within a column
(:mod:`sim.model.blocks`); the sums of pulls that change rarely are kept between days
(:mod:`sim.model.attraction`); columns and blocks are shared between threads
(:mod:`sim.model.threads`). All are about speed: the rules are the same.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import mesa
import numpy as np

from sim.model import columns, daily_draws, motives, population_cache, rules
from sim.model.attraction import Attraction
from sim.model.blocks import blocks
from sim.model.events import schedule_events
from sim.model.network import distinct_users
from sim.model.platforms import Platforms
from sim.model.recorder import Recorder
from sim.model.threads import Threads, default_count
from sim.model.users import NEVER
from sim.scenario.metrics import MOTIVE_LABELS
from sim.scenario.schema import Scenario

UNUSABLE = np.float32(-3e38)  # attractiveness of a platform a user cannot use, for the best-of


class MigrationModel(mesa.Model):
    """US TikTok users choosing among platforms while a ban threatens.

    Each day (one Mesa step): users who look for somewhere else may sign up to platforms they have
    no account on; engaged users may go dormant (churn) and dormant ones come back; every engaged
    user then opens some of their platforms, the most attractive one first (their primary).

    Attributes:
        config: the validated scenario.
        users: :class:`~sim.model.users.Users` (arrays, one row per user).
        ties: friendship and follower graphs (:class:`~sim.model.network.Ties`).
        tie_counts: engaged friends, followed creators and followers per user and platform.
        platforms: :class:`~sim.model.platforms.Platforms`, changed by events.
        threat: perceived probability that TikTok is lost (0..1), changed by events.
        scale: real users per simulated user.
        expected_signups: today's expected sign-ups per platform (share of users).
        attraction: how much each user wants each platform
        (:class:`~sim.model.attraction.Attraction`). recorder: daily metrics per platform and
        primary-platform flows. threads: the threads that share a day's work
        (:class:`~sim.model.threads.Threads`). datacollector: Mesa DataCollector with model-level
        series (threat, TikTok and RedNote
            daily users), for Mesa's own tools.
    """

    def __init__(self, scenario: Scenario, rng=None, threads: int | None = None):
        """``threads``: how many threads share a day's work (same results whatever the number; by
        default 2 from 200,000 users if there are 2 processors, else 1)."""
        super().__init__(rng=scenario.simulation.seed if rng is None else rng)
        self.config = scenario
        self.weights = scenario.motives
        self.rates = scenario.dynamics
        self.platforms = Platforms(scenario)
        self.threads = Threads(default_count(scenario.simulation.users, threads))
        built = population_cache.build(scenario, self.rng, scenario.simulation.seed
                                       if rng is None else rng, self.threads)
        self.users, self.ties, self.tie_counts = built.users, built.ties, built.tie_counts
        self.stake = motives.audience_stake(self.ties.followers)
        self.has_friends = np.diff(self.ties.friends.indptr) > 0
        self.threat = scenario.initial_threat
        self.threat_news = 0.0  # recent rises of the threat, fading (rules.news)
        self.threat_yesterday = self.threat
        self.scale = scenario.population.real_users / self.users.n
        self.signups_recent = np.zeros(len(self.platforms))  # short average of daily sign-ups
        self.signups_usual = np.zeros(len(self.platforms))  # long average: what is normal
        self.expected_signups = np.zeros(len(self.platforms))
        self.fired: list = []
        # whether the day's sign-ups are counted by strongest motive (signups_<motive>; zeros if
        # not): a run whose motive counts nobody reads (a calibration's) may switch it off
        self.counts_motives = True
        # which platforms' daily users are worked out (who opens what today): nothing else in a
        # run reads them, so a run whose daily users nobody reads on some platforms (a
        # calibration's) may switch those off (each platform draws from its own stream)
        self.opening = np.ones(len(self.platforms), dtype=bool)
        self.follows_moves = True  # main-app moves and flows (the recorder's); may be switched off
        self.collects = True  # Mesa's DataCollector, for Mesa's tools; may be switched off
        self.events = schedule_events(
            self, scenario.events, scenario.simulation.start, scenario.simulation.days)
        self.recorder = Recorder(scenario.simulation.days, self.platforms.names, self.scale)
        self.datacollector = mesa.DataCollector(
            model_reporters={"ban_threat": "threat", **_platform_reporters(self.platforms.names)}
        )
        # the daily draws come from streams of their own, seeded from rng (faster raw bits): one
        # for the transitions, one for opening the primary (both fixed by the seed: drawn once
        # per process for runs of one seed), one per platform for the others
        transitions, primary, *others = self.rng.integers(2**63, size=2 + len(self.platforms))
        days = scenario.simulation.days
        self._draws = daily_draws.stream(int(transitions), self.users.account.shape, days)
        self._primary_draws = daily_draws.stream(int(primary), (self.users.n,), days)
        self.primary_draws = None  # today's (N)
        self._open_bits = [np.random.Generator(np.random.SFC64(seed)) for seed in others]
        self._push_per_threat = None
        self._churn_bound = (-1, None)
        self._most_chances = None
        self._buzz = None  # today's buzz, made once a day (read-only)
        self.attraction = Attraction(self)
        self.newcomers = columns.Newcomers(self)  # whose accounts may still be new, per platform
        self._tenure, self._tenure_day = None, -1
        self._tenure_on(0)
        self.users.primary = self._best(self._attractiveness(self._seen(0)))[1]

    @property
    def day(self) -> int:
        """Index of the day being simulated (0 = ``simulation.start``)."""
        return self.steps - 1

    def run(self) -> MigrationModel:
        """Simulate every day of the scenario."""
        for _ in range(self.config.simulation.days):
            self.step()
        return self

    def timeseries(self):
        """The daily metrics: one row per day and platform, real-world units (zeros on days not
        simulated yet)."""
        return self.recorder.timeseries(self.config.simulation.dates)

    def step(self) -> None:
        """One day: sign up, churn and return, then activity; record the day."""
        self.platforms.on_day(self.day)
        self.threat = rules.fade_threat(self.rates, self.threat)
        self.threat_news = rules.news(self.rates, self.threat_news, self.threat_yesterday,
                                      self.threat)
        self.threat_yesterday = self.threat
        seen = self._seen(self.day)
        # made on the helper thread (if there is one) while attractiveness is summed: the day's
        # draws (streams of their own: one per user and platform, one per user for the primary)
        # and how hard users search
        drawn = self.threads.start(partial(self._draws.on, self.day))
        opens_primary = self.threads.start(self._opens_primary)
        search = self.threads.start(partial(self._search, seen[0]))
        attractiveness = self._attractiveness(seen)
        best, choice = self._best(attractiveness)
        gaps = _gaps(best, attractiveness)
        draws = drawn.result()
        joined, by_motive = self._sign_up(gaps, seen, draws, search.result())
        churned, returned = self._churn_and_return(gaps, seen, draws)
        previous_primary = self.users.primary.copy() if self.follows_moves else None
        best, self.users.primary = self._best_after(attractiveness, best, choice,
                                                    [*joined, *churned, *returned])
        self._open_apps(_gaps(best, attractiveness), seen, opens_primary.result(), joined)
        recorded = self.threads.start(partial(  # reads nothing the tie updates change
            self.recorder.record, self, joined, churned, returned, by_motive, previous_primary,
            seen))
        gained = [np.concatenate(pair) for pair in zip(joined, returned, strict=True)]
        touched = self.tie_counts.update(self.ties, gained, churned, self.threads)
        self._each_column(self.attraction.after_ties, touched)
        self._remember_signups(self.expected_signups)
        recorded.result()
        if self.collects:
            self.datacollector.collect(self)

    def _each_column(self, rule, *per_column, only=None) -> list:
        """``rule(j, *(arg[j] for arg in per_column))`` for every platform column ``j`` (or those
        in ``only``); their results in column order. Columns are independent: on two threads
        for large populations (numpy releases the interpreter lock while it works), with the same
        results."""
        which = range(len(self.platforms)) if only is None else only
        name = getattr(rule, "__qualname__", None) or rule.func.__qualname__
        return self.threads.map([partial(rule, j, *(arg[j] for arg in per_column))
                                 for j in which], [(name, j) for j in which])

    # --- what users see today ------------------------------------------------------------------


    def _today(self, day: int, rows=None, column: int | None = None) -> motives.Today:
        """What users see on ``day``: all users (or some ``rows``), of all platforms (or of one
        platform ``column``, as N×1 arrays)."""
        r = slice(None) if rows is None else rows
        c = slice(None) if column is None else slice(column, column + 1)
        shares = motives.Shares(self.tie_counts.shares(self.ties), r, c,
                                self.platforms.available[c])
        return motives.Today(
            day=day,
            threat=self.threat,
            tenure=self._tenure_on(day)[r, c],
            stake=self.stake[r],
            buzz=self.buzz()[c],
            halflife=self.rates.curiosity_halflife_days,
            ties=shares,
            home=self.users.primary[r],
        )

    def _tenure_on(self, day: int) -> np.ndarray:
        """Days since each account was made (float32 N×P; 0 where there is none), kept from day
        to day: accounts one day older, today's new ones 0."""
        if day != self._tenure_day + 1 or self._tenure is None:
            if day != self._tenure_day or self._tenure is None:
                account, joined = self.users.account, self.users.joined_day
                self._tenure = _tenure(day, account, joined)
        else:  # block by block, shared between the threads
            tenure, account = self._tenure, self.users.account
            self.threads.map([partial(np.add, tenure[block], account[block], out=tenure[block])
                              for block in blocks(len(account))])
        self._tenure_day = day
        return self._tenure

    def _seen(self, day: int) -> list[motives.Today]:
        """Today as seen on each platform column."""
        return [self._today(day, column=j) for j in range(len(self.platforms))]

    def platform_column(self, j: int):
        """Platform ``j`` as length-1 arrays (:class:`~sim.model.platforms.PlatformColumn`)."""
        return self.attraction.columns()[j]

    def churn_bound(self) -> np.ndarray:
        """:func:`rules.churn_hazard_bound` of every platform, made again only when an event
        changes a platform (P)."""
        if self._churn_bound[0] != self.platforms.version:
            self._churn_bound = (self.platforms.version, rules.churn_hazard_bound(
                self.rates, self.weights, self.platforms))
        return self._churn_bound[1]

    def most_chances(self) -> tuple:
        """The highest daily chance a settled user has of going dormant (the base hazard) and a
        dormant one of coming back (at their best platform): fixed for the run, made once."""
        if self._most_chances is None:
            self._most_chances = (
                rules.daily_chance(rules.base_hazard(self.rates, np.float32(1.0))),
                rules.return_chance(self.rates, np.float32(0.0)))
        return self._most_chances

    def _attractiveness(self, seen: list[motives.Today]) -> np.ndarray:
        """N×P log-odds of how much each user wants each platform today (all pulls summed)."""
        self.attraction.columns()
        self._each_column(self.attraction.of_column, seen)
        return self.attraction.today

    def _best(self, attractiveness: np.ndarray, rows=None) -> tuple[np.ndarray, np.ndarray]:
        """Each user's (or ``rows``') highest attractiveness among the platforms they use (0 if
        none), and which platform that is: the primary (-1 if none; :func:`rules.prefers`)."""
        n = self.users.n if rows is None else len(rows)
        best = np.full(n, UNUSABLE, dtype=np.float32)
        choice = np.full(n, -1, dtype=np.int8)
        usable = np.flatnonzero(self.platforms.available)
        self.threads.map([partial(_best_of, attractiveness, self.users.engaged, usable,
                                  block if rows is None else rows[block], best[block],
                                  choice[block]) for block in blocks(n)])
        best[best == UNUSABLE] = 0.0  # nothing usable: every platform is measured against 0
        return best, choice

    def _best_after(self, attractiveness, best, choice, changed: list[np.ndarray]):
        """``_best`` after the day's transitions: only users who changed can have another."""
        rows = distinct_users(changed, self.users.n)
        best, choice = best.copy(), choice.copy()
        if len(rows):
            best[rows], choice[rows] = self._best(attractiveness, rows)
        return best, choice

    # --- transitions ---------------------------------------------------------------------------

    def _search(self, today: motives.Today) -> np.ndarray:
        """Each user's daily rate of looking for another platform (N; :func:`rules.search_rate`)."""
        if self._push_per_threat is None:  # every push is proportional to the threat: kept at 1
            self._push_per_threat = motives.push(self.users, self.platforms,
                                                 replace(today, threat=1.0), self.weights)
        platforms, primary = self.platforms, self.users.primary
        on_threatened = (_of_primary(platforms.threatened, primary)
                         if platforms.threatened.any() else False)
        on_dark = _of_primary(platforms.dark, primary) if platforms.dark.any() else False
        return rules.search_rate(self.rates, self._push_per_threat, today.threat,
                                 self.buzz().max(), on_threatened, on_dark, self.threat_news)

    def _sign_up(self, gaps: list[columns.GapTo], seen: list[motives.Today], draws: np.ndarray,
                 search: np.ndarray):
        """Searching users (at the daily rates ``search``) add platforms they have no account
        on (accounts are additions).

        Returns the new accounts (user indices per platform) and the sign-ups by motive (zeros
        unless ``counts_motives``).
        """
        users, platforms = self.users, self.platforms
        gate = motives.signup_gate(platforms, self.weights.signup_barrier)
        trend = rules.trend(self.rates, self.buzz(), self.threat, platforms.threatened)

        def sign_up(j: int, gap: columns.GapTo, draw: np.ndarray) -> np.ndarray:
            new, self.expected_signups[j] = columns.sign_up(
                self, j, gap, search, np.float32(trend[j]), np.float32(gate[j]), draw)
            users.account[new, j] = True
            users.engaged[new, j] = True
            users.joined_day[new, j] = self.day
            self.newcomers.add(j, new)
            return new

        joined = self._each_column(sign_up, gaps, draws.T)
        if not self.counts_motives:
            return joined, np.zeros((len(MOTIVE_LABELS), len(platforms)), dtype=np.int64)
        rows = distinct_users(joined, users.n)
        cells = np.zeros((len(rows), len(platforms)), dtype=bool)
        for j, new in enumerate(joined):
            cells[np.searchsorted(rows, new), j] = True
        counts = motives.primary_motives(users.take(rows), platforms,
                                         self._today(self.day, rows), self.weights, cells)
        return joined, counts

    def _churn_and_return(self, gaps: list[columns.GapTo], seen: list[motives.Today],
                          draws: np.ndarray):
        """Engaged users may go dormant; dormant ones with an account may come back.

        Returns who went dormant and who came back (user indices per platform).
        """
        users = self.users

        def churn_and_return(j: int, gap: columns.GapTo, today: motives.Today, draw: np.ndarray):
            gone, back = columns.churn_and_return(self, j, gap, today, draw)
            users.engaged[gone, j] = False
            users.engaged[back, j] = True
            left = users.left_day[:, j]
            left[gone[left[gone] == NEVER]] = self.day
            return gone, back

        churned, returned = zip(*self._each_column(churn_and_return, gaps, seen, draws.T),
                                strict=True)
        return list(churned), list(returned)

    def _open_apps(self, gaps: list[columns.GapTo], seen: list[motives.Today], opens_primary,
                   joined) -> None:
        """Each engaged user opens the primary with their daily chance, others less often, except
        that a platform new to the user gets attention while it still feels new; whoever signed
        up today opened it today (a download counts as a daily user: C4)."""
        self._each_column(partial(columns.open_app, self, opens_primary), gaps, seen,
                          self._open_bits, joined, only=self.opening.nonzero()[0])

    def _opens_primary(self) -> np.ndarray:
        """Whether each user would open their primary platform today (N bool; own stream)."""
        self.primary_draws = self._primary_draws.on(self.day)
        return self.primary_draws < columns.main_app_chance(self)

    def buzz(self) -> np.ndarray:
        """Today's trending term of each platform (:func:`rules.trending`; read-only, made once
        a day: it changes only with the sign-ups remembered at the end of the day)."""
        if self._buzz is None:
            buzz = rules.trending(self.rates, self.signups_recent, self.signups_usual)
            buzz.flags.writeable = False
            self._buzz = buzz
        return self._buzz

    def _remember_signups(self, today: np.ndarray) -> None:
        """Update the short and long averages of sign-ups (expected, so free of draw noise)."""
        rules.remember_signups(self.signups_recent, self.signups_usual, today, self.rates,
                               self.day == 0)
        self._buzz = None


def _best_of(attractiveness, engaged, usable, rows, best, choice) -> None:
    """``MigrationModel._best`` for some ``rows`` (a block), into ``best`` and ``choice``."""
    masked = np.empty(len(best), dtype=np.float32)
    for j in usable:
        np.multiply(~engaged[rows, j], UNUSABLE, out=masked)
        masked += attractiveness[rows, j]
        np.copyto(choice, np.int8(j), where=rules.prefers(masked, best))
        np.maximum(best, masked, out=best)


def _gaps(best: np.ndarray, attractiveness: np.ndarray) -> list[columns.GapTo]:
    """How far each platform column lags each user's ``best``."""
    return [columns.GapTo(best, attractiveness[:, j]) for j in range(attractiveness.shape[1])]


def _of_primary(flag: np.ndarray, primary: np.ndarray) -> np.ndarray:
    """A platform flag (P bool) looked up at each user's primary platform; False for none."""
    return np.append(flag, False)[primary]


def _tenure(day: int, account: np.ndarray, joined_day: np.ndarray) -> np.ndarray:
    """Days since each account was made (float32; 0 where there is none)."""
    tenure = joined_day.astype(np.float32)
    np.subtract(np.float32(day), tenure, out=tenure)
    tenure *= account
    return tenure


def _platform_reporters(names: list[str]) -> dict:
    """Mesa model reporters: real-world daily active users of each platform."""
    return {f"dau_{name}": partial(daily_users, column=j) for j, name in enumerate(names)}


def daily_users(model: MigrationModel, column: int) -> float:
    """Real-world daily active users of the platform in ``column``."""
    return float(np.count_nonzero(model.users.active[:, column])) * model.scale
