"""The scenario: everything a run needs, as pydantic models that reject unknown fields.

A scenario file (TOML) maps one-to-one onto :class:`Scenario`. Loading, ``extends`` and
``--set`` overrides live in :mod:`sim.scenario.loading`; this module only says what is valid.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from sim.scenario.base import NonNegative, Share, Strict
from sim.scenario.observations import Sources, Target
from sim.scenario.timeline import (
    Event,
    SetField,
)

AGE_GROUPS = ("13-17", "18-29", "30-49", "50-64", "65+")
MAX_DAYS = 3650  # the longest run: ten years of days


class Simulation(Strict):
    """Calendar and size of a run."""

    start: dt.date = dt.date(2025, 1, 1)
    """first simulated day"""
    days: int = Field(180, ge=1, le=MAX_DAYS)
    """days to simulate (one Mesa step each)"""
    users: int = Field(20_000, ge=100, le=20_000_000)
    """simulated users (each stands for real_users / users people)"""
    seed: int = Field(20250119, ge=0)
    """root seed: replicate k's seed is the k-th child of SeedSequence(seed)"""
    replicates: int = Field(3, ge=1, le=10_000)
    """replicates per scenario (runs with different seeds)"""
    timezone: str = "America/New_York"
    """where the days begin and end: events with a time of day are placed in these days"""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{zone}' (e.g. America/New_York, "
                             "Asia/Kolkata)") from None
        return zone

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=d) for d in range(self.days)]


class Trait(Strict):
    """A user trait drawn from a Beta distribution with this mean and concentration."""

    mean: Share
    """mean of the Beta distribution (0..1)"""
    concentration: float = Field(4.0, gt=0.0)
    """α + β of the Beta distribution: higher, less spread across users"""


class Population(Strict):
    """The simulated users: US TikTok users (C3, C12, F1)."""

    real_users: float = Field(170e6, gt=0, description="real users the agents stand for (C3)")
    age_shares: dict[Literal["13-17", "18-29", "30-49", "50-64", "65+"], Share] = Field(
        default_factory=lambda: {
            "13-17": 0.13, "18-29": 0.30, "30-49": 0.34, "50-64": 0.17, "65+": 0.06,
        }
    )
    """share of users in each age group (sums to 1; C12)"""
    creator_share: Share = Field(0.04, description="share of users who are creators")
    follows_per_user: float = Field(15.0, ge=0.0, description="creators a user follows, mean")
    creator_popularity_tail: float = Field(1.2, gt=0.0, description="Pareto shape of audiences")
    friends_per_user: float = Field(10.0, ge=0.0, description="friends a user has, mean")
    daily_activity: Trait = Trait(mean=0.48, concentration=3.0)
    """daily chance of opening one's main app"""
    fear_of_losing_followers: Trait = Trait(mean=0.5)
    """how much a user fears losing their audience (F9)"""
    protest: Trait = Trait(mean=0.25, concentration=2.0)
    """anger at the ban (F16)"""
    curiosity: Trait = Trait(mean=0.35, concentration=2.5)
    """cultural curiosity (F11)"""
    privacy_concern: Trait = Trait(mean=0.35)
    """worry about where one's data goes (F16)"""
    moderation_sensitivity: Trait = Trait(mean=0.4)
    """how much strict moderation bothers a user (F10)"""
    language_tolerance: Trait = Trait(mean=0.35)
    """tolerance of a foreign-language interface (F12)"""
    habit: Trait = Trait(mean=0.6)
    """strength of habit: how much tenure holds a user (mooring)"""
    churn_threshold_mean: Share = Field(0.5,
        description="λ: share of friends below which a user leaves, mean")
    churn_threshold_spread: Share = Field(0.2, description="spread of λ across users")

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Population:
        total = sum(self.age_shares.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"age_shares must sum to 1, they sum to {total:.4f}")
        return self


def _w(what: str):
    """A motive's weight: 1 as calibrated, 0 switches it off (``sim ablate``)."""
    return Field(1.0, ge=0.0, description=what)


class Motives(Strict):
    """Weight of each motive and mooring in users' choices (sim/model/motives.py: each pull's
    strength at weight 1 is a named constant there); 0 switches one off (ablation)."""

    follower_loss: float = _w("creators go where their audience can follow; fans follow them (F9)")
    protest: float = _w("anger at the ban draws users to China-owned apps it does not cover (F16)")
    curiosity: float = _w("a foreign platform's novelty, fading with time spent on it (F11)")
    language: float = _w("a foreign-language interface repels, and drives newcomers out (F12)")
    signup_barrier: float = _w("how much a sign-up barrier stops would-be joiners (F14)")
    moderation: float = _w("strict moderation repels the sensitive, and drives newcomers out")
    privacy: float = _w("worry about where data goes repels users from risky apps (F16)")
    habit: float = _w("a platform used for months is hard to leave (a mooring)")
    network_pull: float = _w("friends already on a platform pull a user there (u = q + β·share)")
    threshold_churn: float = _w(
        "Török–Kertész: leave once too few friends are left (on trial accounts)")
    expected_loss: float = Field(0.387736, ge=0.0, description="a platform users expect to "
                                 "lose (the ban threat) is worth less to them, their own too")


def _rate(default: float, what: str, **bounds):
    return Field(default, **({"ge": 0.0} | bounds), description=what)


class Dynamics(Strict):
    """Rates of the daily rules (per day unless named otherwise; sim/model/rules.py). The defaults
    are the values fitted jointly to observed-2025, india-2020 and bluesky-2024 (see
    baseline.toml for the command)."""

    search_rate: float = _rate(0.000446647, "how often a user looks around on a quiet day; fitted")
    threat_push: float = _rate(1.80804, "extra search per unit of ban threat, for users of a "
                               "threatened app; fitted")
    news_push: float = _rate(1.42097, "extra search per unit of a sudden rise of the ban "
                             "threat, for users of a threatened app, fading over news_days (the "
                             "ultimatum in the news); fitted")
    news_days: float = Field(3.0, gt=0.0, description="days in which the news of a rise of the "
                             "ban threat fades by e")
    buzz: float = _rate(2.62285, "elasticity of sign-ups to their recent growth (charts, news); "
                        "fitted")
    buzz_max: float = _rate(3.30595, "cap of the buzz term (log-odds); fitted (bounded by the "
                            "later episodes, not by 2025's targets)")
    buzz_memory_days: float = Field(2.31187, gt=0.0, description="memory of 'recent' sign-ups "
                                    "(days); fitted")
    chart_floor: float = _rate(
        0.000123092, "daily sign-ups (share of users) a platform needs to register in the "
        "charts: below it, growth barely trends; fitted")
    exodus_push: float = _rate(
        2.84086, "extra search by users of a threatened platform per unit of the strongest buzz "
        "(the news of the exodus); fitted")
    ban_foresight: float = _rate(
        0.302953, "how far users see that a destination is covered by the ban too; fitted",
        le=1.0)
    outage_push: float = _rate(1.0, "extra search by users whose primary platform is dark")
    base_churn: float = _rate(0.00203099, "daily chance a settled user leaves a platform that "
                              "is not their best; fitted")
    trial_churn: float = _rate(0.046386, "daily hazard per unit of gap of dropping an account "
                               "on trial; fitted")
    first_week_days: int = Field(7, ge=1, description="how long a newcomer faces the language "
                                 "hazard (days)")
    language_churn: float = _rate(0.06, "daily hazard of a newcomer leaving an interface they "
                                  "cannot read (F12: 20 % in the first week)")
    moderation_churn: float = _rate(0.01, "daily hazard of a sensitive newcomer leaving a "
                                    "strictly moderated platform in their first month")
    first_month_days: int = Field(30, ge=1, description="how long a newcomer faces the "
                                  "moderation hazard (days)")
    return_rate: float = _rate(0.00874868, "daily chance a dormant user comes back to their "
                               "best platform; fitted")
    dark_forget_rate: float = _rate(0.01, "daily chance an engaged user gives up on a dark "
                                    "platform")
    curiosity_halflife_days: float = Field(10.0, gt=0.0, description="days of tenure in which "
                                           "a platform's freshness halves")
    threshold_churn_days: float = Field(30.0, gt=0.0, description="τ: mean days to leave once "
                                        "below the friends threshold")
    threshold_relative: float = _rate(
        0.669046, "how far the friends threshold is of the friends on one's main app rather "
        "than of all friends (0: all, Török–Kertész; 1: those at home); fitted", le=1.0)
    attention_focus: float = _rate(1.07899, "how fast the chance of opening an app falls with "
                                   "its gap to the user's best; fitted")
    attention_floor: float = _rate(
        0.319554, "the share of their daily activity a user still gives to any platform they "
        "use, however far it lags their best (attention fades to this plateau, not to "
        "nothing); fitted", le=1.0)
    protest_posting: float = _rate(0.0193676, "daily chance that a protesting RedNote user "
                                   "posts #TikTokRefugee (C11); fitted", le=1.0)
    threat_decay_days: float = _rate(0.0, "days in which the ban threat fades by e; 0 keeps it "
                                     "until an event")


class Platform(Strict):
    """One short-video platform and what users see of it."""

    label: str = Field(description="name shown in figures and tables")
    owner: str = Field(description="company that owns it (events can target an owner)")
    owner_country: str = Field("US", description="owner's country: joining it can be a "
                               "protest when it is the episode's protest_country")
    available: bool = Field(True, description="the app works (an outage makes it dark)")
    installable: bool = Field(True, description="new users can install it (store removal)")
    threatened: bool = Field(False, description="covered by the ban law")
    signup_barrier: Share = Field(0.0,
        description="share of would-be joiners stopped at sign-up (F14)")
    language_barrier: Share = Field(0.0, description="how foreign the interface is (F12)")
    moderation: Share = Field(0.2, description="how strict its content moderation is (F15)")
    appeal: float = Field(0.0,
        description="quality of the feed, in log-odds of attractiveness (F18)")
    privacy_risk: Share = Field(0.2, description="how risky users think it is with their data")
    novelty: Share = Field(0.0, description="how new and foreign its content is (curiosity)")
    initial_accounts: Share = Field(0.0, description="share of users with an account on day 0")
    initial_engaged: Share = Field(0.8, description="share of those accounts in use on day 0")
    outside_daily_users: NonNegative = Field(
        0.0, description="US daily users outside the simulated population (added to dau_us)"
    )
    foreign_daily_users: NonNegative = Field(
        0.0, description="daily users outside the US (for the international share, F6)"
    )



PLATFORM_FIELDS = tuple(Platform.model_fields)


class Episode(Strict):
    """What makes the scenario one episode and not another: where the users come from, which
    destination the tables lead with, and the words figures and tables use for them."""

    origin: str = "tiktok"
    """the platform the simulated users come from (its ban is the episode)"""
    headline: str = "rednote"
    """the destination tables and figures lead with"""
    population: str = "US TikTok users"
    """who the simulated users are, in figures and tables"""
    market: str = "US"
    """where daily users are counted, as in "US daily users"."""
    protest_country: str = "CN"
    """a protest move is to an app owned in this country that the ban does not cover ("": none)"""
    protest_tag: str = "#TikTokRefugee"
    """what protesting newcomers post under"""

    def protests_against(self, platform: Platform) -> bool:
        """Whether joining ``platform`` can be a protest (before the ban's coverage is known)."""
        country = self.protest_country.upper()
        return bool(country) and platform.owner_country.upper() == country


class SweepRange(Strict):
    """Bounds of a swept field, for sampled designs; with ``count``, evenly spaced values."""

    low: float
    """lowest value"""
    high: float
    """highest value"""
    count: int | None = Field(None, ge=1)
    """evenly spaced values (a grid); none: bounds for a sampled design"""


class Experiment(Strict):
    """How to run the scenario as an experiment (command-line options win over this table)."""

    replicates: int | None = Field(None, ge=1, le=10_000)
    """replicates per scenario (--replicates wins)"""
    design: Literal["grid", "lhs", "sobol"] = "grid"
    """how design points are made from the sweeps"""
    samples: int | None = Field(None, ge=1)
    """points of an lhs or sobol design"""
    sweep: dict[str, list[float] | SweepRange] = Field(default_factory=dict)
    """field = [values] or {low, high[, count]}"""


class Sensitivity(Strict):
    """What ``sim sensitivity`` varies and reads (command-line options win over this table)."""

    vary: list[str] = Field(default_factory=list)
    """uncertain fields, FIELD=LOW:HIGH as for --fit"""
    outcomes: list[str] = Field(default_factory=list)
    """PLATFORM.OUTCOME names, e.g. rednote.peak_dau (none: the headline ones)"""
    method: Literal["sobol", "morris"] = "sobol"
    """sobol (first- and total-order indices) or morris (screening)"""
    samples: int = Field(64, ge=2)
    """base samples N (for sobol a power of two)"""


class Scenario(Strict):
    """A whole what-if: population, platforms, motives, rates and dated events."""

    name: str = ""
    """the scenario's name (by default the file name)"""
    question: str = ""
    """the question the scenario answers, in one line"""
    simulation: Simulation = Simulation()
    population: Population = Population()
    motives: Motives = Motives()
    dynamics: Dynamics = Dynamics()
    initial_threat: Share = 0.0
    """perceived probability of losing the origin platform on the first day"""
    platforms: dict[str, Platform] = Field(min_length=1)
    episode: Episode = Episode()
    events: list[Event] = Field(default_factory=list)
    experiment: Experiment = Experiment()
    sensitivity: Sensitivity | None = None
    """what `sim sensitivity` varies (not a model input, so not in the config hash)"""
    targets: list[Target] = Field(default_factory=list)
    sources: Sources = Sources()
    """how each kind of source reports what the model calls true (`[sources.KIND]`)"""

    def name_problems(self) -> list[tuple[str, str, list[str]]]:
        """Names used by events that the scenario does not define: (field, name, choices)."""
        owners = sorted({p.owner for p in self.platforms.values()})
        problems = []
        for i, event in enumerate(self.events):
            platform = getattr(event, "platform", None)
            owner = getattr(event, "owner", None)
            if platform is not None and platform not in self.platforms:
                problems.append((f"events.{i}.platform", platform, list(self.platforms)))
            if owner is not None and owner not in owners:
                problems.append((f"events.{i}.owner", owner, owners))
            if isinstance(event, SetField) and event.field not in PLATFORM_FIELDS:
                problems.append((f"events.{i}.field", event.field, list(PLATFORM_FIELDS)))
        for i, target in enumerate(self.targets):
            if target.platform not in self.platforms:
                problems.append((f"targets.{i}.platform", target.platform, list(self.platforms)))
        for field in ("origin", "headline"):
            if getattr(self.episode, field) not in self.platforms:
                problems.append((f"episode.{field}", getattr(self.episode, field),
                                 list(self.platforms)))
        return problems

    def launch_problems(self) -> list[tuple[str, str]]:
        """A platform launched during the run can have no accounts before: (field, message)."""
        start = self.simulation.start
        return [(f"platforms.{event.platform}.initial_accounts",
                 f"must be 0: the platform is launched on {event.date}")
                for event in self.events if event.kind == "launch" and event.date > start
                and event.platform in self.platforms
                and self.platforms[event.platform].initial_accounts > 0]

    def words(self) -> dict[str, str]:
        """The episode's words for labels: ``{origin}``, ``{headline}`` (platform labels),
        ``{population}``, ``{market}``, ``{tag}``."""
        label = {name: p.label for name, p in self.platforms.items()}
        episode = self.episode
        return {"origin": label.get(episode.origin, episode.origin),
                "headline": label.get(episode.headline, episode.headline),
                "population": episode.population, "market": episode.market,
                "tag": episode.protest_tag}

    def date_problems(self, simulation: Simulation | None = None) -> list[tuple[str, str]]:
        """Target dates outside the simulated days (of ``simulation`` if given, e.g. the file's
        own before a shorter run is asked for): (field, message)."""
        dates = (simulation or self.simulation).dates
        first, last = dates[0], dates[-1]
        problems = []
        for i, target in enumerate(self.targets):
            for name in ("date", "start", "end", "reference_start", "reference_end"):
                when = getattr(target, name)
                if when is not None and not first <= when <= last:
                    problems.append((f"targets.{i}.{name}", f"{when} is outside the run "
                                     f"({first} to {last})"))
        return problems

    @property
    def platform_names(self) -> list[str]:
        return list(self.platforms)

    def config_hash(self) -> str:
        """sha256 of the resolved scenario: equal hashes mean equal model inputs."""
        payload = json.dumps(self.model_dump(mode="json", exclude={"sensitivity"}),
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()
