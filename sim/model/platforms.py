"""The platforms: a handful of rich objects, mirrored as arrays for the vectorised daily rules."""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import PLATFORM_FIELDS, Platform, Scenario
from sim.scenario.timeline import darkness

NUMERIC_FIELDS = (
    "signup_barrier", "language_barrier", "moderation", "appeal", "privacy_risk", "novelty",
    "outside_daily_users", "foreign_daily_users",
)
FLAG_FIELDS = ("installable", "threatened")  # set by events (availability: by the timeline)


class Platforms:
    """All platforms of a run: their current settings, changed by events as the days go by.

    Attributes:
        names: scenario keys (``tiktok``, ``rednote``, ...), in column order of the user arrays.
        specs: the current :class:`~sim.scenario.schema.Platform` of each, by name.
        protest_owned: float32 P, 1 for platforms whose owner is in the episode's protest
            country (China in 2025): joining one can be a protest.
        plus one float32 (numeric fields) or bool (flags) array of length P per field, e.g.
        ``available``, ``installable``, ``language_barrier``.
        version: how many times the settings have changed (lets the model know when to redo
            what it derived from them).
    """

    def __init__(self, scenario: Scenario):
        self.names = list(scenario.platforms)
        self.specs = {name: spec.model_copy() for name, spec in scenario.platforms.items()}
        self.owners = [spec.owner for spec in self.specs.values()]
        self.protest_owned = np.array(
            [scenario.episode.protests_against(spec) for spec in self.specs.values()],
            dtype=np.float32)
        for event in scenario.events:  # a platform launched later cannot be installed before
            if event.kind == "launch" and event.date > scenario.simulation.start:
                self.specs[event.platform] = self.specs[event.platform].model_copy(
                    update={"installable": False})
        shares = darkness(scenario)
        self.darkness = np.array([shares[name] for name in self.names], dtype=np.float32)
        self.dark = self.darkness[:, 0].copy()
        self.version = 0
        self._refresh()

    def on_day(self, day: int) -> None:
        """Today's share of hours each platform is dark (``dark``; from the scenario's timeline)
        and whether it can be used at all today (``available``: not dark all day)."""
        self.dark = self.darkness[:, day].copy()
        if not np.array_equal(self.available, self.dark < 1):
            self._refresh()

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def column(self, j: int) -> PlatformColumn:
        """Platform ``j`` alone, with the same array fields (each of length 1)."""
        return PlatformColumn(self, j)

    def _refresh(self) -> None:
        self.version += 1
        for field in NUMERIC_FIELDS:
            values = [getattr(self.specs[n], field) for n in self.names]
            setattr(self, field, np.array(values, dtype=np.float32))
        for field in FLAG_FIELDS:
            setattr(self, field, np.array([getattr(self.specs[n], field) for n in self.names]))
        self.available = self.dark < 1  # from the timeline (outages may last some hours)

    def targets(self, platform: str | None, owner: str | None) -> list[str]:
        """The platform named, or every platform of the owner named."""
        if platform is not None:
            return [platform]
        return [n for n in self.names if self.specs[n].owner == owner]

    def set(self, names: list[str], field: str, value) -> None:
        """Set one field of some platforms (validated like the scenario file)."""
        if field not in PLATFORM_FIELDS:
            raise KeyError(field)
        for name in names:
            data = self.specs[name].model_dump()
            data[field] = value
            self.specs[name] = Platform.model_validate(data)
        self._refresh()


class PlatformColumn:
    """One platform's settings as length-1 arrays, so that the motives' array expressions
    (written for all platforms at once) work unchanged on a single platform column."""

    def __init__(self, platforms: Platforms, j: int):
        self.name = platforms.names[j]
        for field in (*NUMERIC_FIELDS, *FLAG_FIELDS, "available", "protest_owned", "dark"):
            setattr(self, field, getattr(platforms, field)[j : j + 1])
