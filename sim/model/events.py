"""Dated events, run through Mesa's ``schedule_event``: each changes the world from its date on.

Time in the model: the step at Mesa time ``d + 1`` simulates calendar day ``d`` (counted from
``simulation.start``), and an event dated on day ``d`` is scheduled at time ``d``, so it takes
effect before that day is simulated. Events dated before the start apply at time 0; events dated
after the last simulated day are not scheduled (they would fire after the last step and leave the
platforms in a state no recorded day had).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.timeline import (
    BanThreat,
    FeatureLaunch,
    Launch,
    ModerationCrackdown,
    OwnerBan,
    SetField,
    StoreRemoval,
    StoreReturn,
)

# What each targeted event sets on the platforms it hits. Whether a platform works (outages,
# restorations, owner bans, launches, 'set available') is read off the scenario's timeline every
# day (sim.scenario.timeline.darkness, Platforms.on_day), hours included, not set here.
PLATFORM_CHANGES = {
    StoreRemoval: {"installable": False},
    StoreReturn: {"installable": True},
    OwnerBan: {"installable": False},
}


@dataclass
class ScheduledEvent:
    """One event of the scenario, bound to the model it will change.

    Mesa keeps only a weak reference to callbacks, so the model holds these objects alive.
    """

    model: object
    event: object
    day: int

    def fire(self) -> None:
        """Apply the event to the model's platforms or ban threat."""
        event, platforms = self.event, self.model.platforms
        if isinstance(event, BanThreat):
            self.model.threat = event.value
        elif isinstance(event, FeatureLaunch):
            platforms.set([event.platform], "language_barrier", event.language_barrier)
        elif isinstance(event, ModerationCrackdown):
            platforms.set([event.platform], "moderation", event.moderation)
        elif isinstance(event, SetField) and event.field != "available":  # (see above)
            platforms.set([event.platform], event.field, event.value)
        elif isinstance(event, Launch):
            platforms.set([event.platform], "installable", True)
        elif type(event) in PLATFORM_CHANGES:
            names = platforms.targets(event.platform, event.owner)
            for field, value in PLATFORM_CHANGES[type(event)].items():
                platforms.set(names, field, value)
        self.model.fired.append(self)


def schedule_events(model, events, start, days: int | None = None) -> list[ScheduledEvent]:
    """Schedule every event on the model at its day (never before time 0), but none dated after
    the last of ``days`` simulated days."""
    scheduled = []
    for event in sorted(events, key=lambda e: e.date):
        day = (event.date - start).days
        if days is not None and day >= days:
            continue
        item = ScheduledEvent(model, event, day)
        model.schedule_event(item.fire, at=max(day, 0))
        scheduled.append(item)
    return scheduled


def event_label(event) -> str:
    """A short label for plots: the event's own label, or its kind and target."""
    if event.label:
        return event.label
    target = getattr(event, "platform", None) or getattr(event, "owner", None) or ""
    return f"{event.kind.replace('_', ' ')} {target}".strip()
