"""The timeline of a scenario: dated events, each changing the world from its date on.

How the model applies them is in :mod:`sim.model.events`; this module only says what is valid.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from sim.scenario.base import Share, Strict


class _Event(Strict):
    date: dt.date
    """the day it acts from, or a moment: 2025-01-18T22:30:00-05:00 (a time with no offset is in
    the simulation's time zone)"""
    at: dt.datetime | None = None
    """the moment, when a time of day was given (set from ``date``)"""
    label: str = ""

    @model_validator(mode="before")
    @classmethod
    def _moment(cls, data):
        """A date with a time of day keeps its day in ``date`` and the moment in ``at``."""
        if isinstance(data, dict) and data.get("at") is None:
            when = data.get("date")
            if isinstance(when, str) and "T" in when:
                when = dt.datetime.fromisoformat(when)
            if isinstance(when, dt.datetime):
                data = {**data, "date": when.date(), "at": when}
        return data

    def moment(self, zone: ZoneInfo) -> dt.datetime:
        """When the event acts, in ``zone``: its time, or the start of its day there."""
        if self.at is None:
            return dt.datetime.combine(self.date, dt.time(), zone)
        return self.at if self.at.tzinfo else self.at.replace(tzinfo=zone)


class BanThreat(_Event):
    """Expectation shock: the perceived probability that the origin platform is lost."""

    kind: Literal["ban_threat"]
    value: Share


class Targeted(_Event):
    """An event that hits one platform, or every platform of one owner."""

    platform: str | None = None
    owner: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Targeted:
        if (self.platform is None) == (self.owner is None):
            raise ValueError("give exactly one of 'platform' or 'owner'")
        return self


class Outage(Targeted):
    """The platform goes dark: nobody can open it (users may forget it); with an ``end``, until
    then. A day dark for some hours is dark for that share of it."""

    kind: Literal["outage"]
    end: dt.datetime | dt.date | None = None
    """when it works again (a day: from its start)"""

    @model_validator(mode="after")
    def _ends_after(self) -> Outage:
        if self.end is not None and _instant(self.end) < _instant(self.at or self.date):
            raise ValueError("end must not be before the outage starts")
        return self

    def ending(self, zone: ZoneInfo) -> dt.datetime | None:
        """When the outage ends, in ``zone`` (None: not by itself)."""
        if self.end is None or isinstance(self.end, dt.datetime):
            return self.end if self.end is None or self.end.tzinfo else self.end.replace(
                tzinfo=zone)
        return dt.datetime.combine(self.end, dt.time(), zone)


class Restore(Targeted):
    """The platform works again (app-store presence is a separate event: store_return)."""

    kind: Literal["restore"]


class StoreRemoval(Targeted):
    """The app leaves the app stores: no new sign-ups (users who have it keep it)."""

    kind: Literal["store_removal"]


class StoreReturn(Targeted):
    """The app is back in the app stores: sign-ups resume."""

    kind: Literal["store_return"]


class OwnerBan(Targeted):
    """Every app of the owner goes dark and leaves the stores."""

    kind: Literal["owner_ban"]


class Launch(_Event):
    """A platform that did not exist appears: unavailable and not installable before this date,
    both from it."""

    kind: Literal["launch"]
    platform: str


class FeatureLaunch(_Event):
    """A translation feature lowers the platform's language barrier from this date on."""

    kind: Literal["feature_launch"]
    platform: str
    feature: Literal["translation"] = "translation"
    language_barrier: Share = 0.1


class ModerationCrackdown(_Event):
    """The platform moderates more strictly from this date on."""

    kind: Literal["moderation_crackdown"]
    platform: str
    moderation: Share = 0.8


class SetField(_Event):
    """Set any platform field from this date on: the users' own what-ifs, without code."""

    kind: Literal["set"]
    platform: str
    field: str
    value: float | bool | str


Event = Annotated[
    BanThreat | Outage | Restore | StoreRemoval | StoreReturn | OwnerBan | FeatureLaunch
    | ModerationCrackdown | SetField | Launch,
    Field(discriminator="kind"),
]
EVENT_KINDS = (
    "ban_threat", "outage", "restore", "store_removal", "store_return", "owner_ban",
    "feature_launch", "moderation_crackdown", "set", "launch",
)


def _instant(when: dt.date) -> tuple:
    """A date or a moment, comparable across both (naive and aware moments alike)."""
    if isinstance(when, dt.datetime):
        return (when.date(), when.replace(tzinfo=None).time())
    return (when, dt.time())


AVAILABILITY = (Outage, Restore, OwnerBan)
MOSTLY_DARK = 0.5  # a day dark for at least half its hours counts as a dark day (moves made then
# are not choices; outcomes "on days it was up" leave it out)


_darkness_of: dict = {}  # what darkness() depends on -> its answer (a calibration asks often)


def darkness(scenario) -> dict[str, list[float]]:
    """The share of each simulated day each platform is dark (0 up, 1 dark all day), from its
    starting state and its outages, restorations and owner bans: an event given as a day acts
    from that day's start; one given with a time, or an outage's end, from that moment. Days
    are calendar days in ``simulation.timezone``. (Remembered for the last few scenarios that
    differ in nothing it reads; a copy each time.)"""
    key = (scenario.model_dump_json(include={"events", "simulation"}),
           tuple((name, p.available, p.owner) for name, p in scenario.platforms.items()))
    if key not in _darkness_of:
        if len(_darkness_of) >= 16:
            _darkness_of.pop(next(iter(_darkness_of)))  # the oldest
        _darkness_of[key] = _darkness(scenario)
    return {name: list(shares) for name, shares in _darkness_of[key].items()}


def _darkness(scenario) -> dict[str, list[float]]:
    zone = ZoneInfo(scenario.simulation.timezone)
    start = dt.datetime.combine(scenario.simulation.start, dt.time(), zone)
    day = dt.timedelta(days=1)
    shares = {}
    for name, platform in scenario.platforms.items():
        switches = []  # (moment, dark from then?)
        for event in scenario.events:
            if _switches_availability(event, name):  # a launch, or setting 'available'
                switches.append((event.moment(zone), isinstance(event, SetField)
                                 and not event.value))
            if not isinstance(event, AVAILABILITY) or name not in _hit(event, scenario):
                continue
            switches.append((event.moment(zone), not isinstance(event, Restore)))
            if isinstance(event, Outage) and event.ending(zone) is not None:
                switches.append((event.ending(zone), False))
        switches.sort(key=lambda s: s[0])
        launched_later = any(isinstance(e, Launch) and e.platform == name
                             and e.moment(zone) > start for e in scenario.events)
        up = platform.available and not launched_later
        spans, dark_since = [], None if up else start
        for moment, dark in switches:
            moment = max(moment, start)
            if dark and dark_since is None:
                dark_since = moment
            elif not dark and dark_since is not None:
                spans.append((dark_since, moment))
                dark_since = None
        if dark_since is not None:
            spans.append((dark_since, start + scenario.simulation.days * day))
        shares[name] = [0.0] * scenario.simulation.days if not spans else [
            sum((max(dt.timedelta(0), min(b, start + (d + 1) * day) - max(a, start + d * day))
                 for a, b in spans), dt.timedelta(0)) / day
            for d in range(scenario.simulation.days)]
    return shares


def _switches_availability(event, name: str) -> bool:
    if getattr(event, "platform", None) != name:
        return False
    return isinstance(event, Launch) or (isinstance(event, SetField) and event.field == "available")


def _hit(event, scenario) -> list[str]:
    if event.platform is not None:
        return [event.platform]
    return [n for n, p in scenario.platforms.items() if p.owner == event.owner]
