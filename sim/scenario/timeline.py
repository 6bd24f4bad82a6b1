"""The timeline of a scenario: dated events, each changing the world from its date on.

How the model applies them is in :mod:`sim.model.events`; this module only says what is valid.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.base import Share, Strict


class _Event(Strict):
    date: dt.date
    label: str = ""


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
    """The platform goes dark: nobody can open it (users may forget it)."""

    kind: Literal["outage"]


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
