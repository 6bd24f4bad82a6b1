"""Daily metrics per platform, primary-platform flows and newcomer cohorts, in real-world units.

Everything is written into preallocated arrays during the run and turned into tidy tables once,
at the end (no per-day DataFrame building). Who chose to move their main app away from the
origin (TikTok) while it was up, where to, and whether they came back is kept per user
(:class:`Moves`) and recorded as daily counts (``moved``, ``moved_back``, ``ever_back``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from sim.model.users import NEVER
from sim.scenario.metrics import METRICS, MOTIVE_LABELS
from sim.scenario.timeline import MOSTLY_DARK

PROTEST_POST_DAYS = 3  # newcomers post under the protest tag in their first days on a platform
RETENTION_DAYS = (7, 30, 90)
NONE = "none"


def origin_of(scenario) -> str:
    """The platform users come from (``[episode] origin``)."""
    return scenario.episode.origin


class Recorder:
    """Collects one row per day and platform.

    Metrics (real-world counts per day): ``dau`` daily active users of the simulated population,
    ``dau_us`` the same plus the platform's US users outside it, ``engaged`` users who have
    not gone dormant, ``accounts``, ``signups``, ``churn`` (went dormant), ``returns`` (came back
    from dormancy), ``creators_active``, ``protest_posts`` (posts under the protest tag) and
    ``signups_<motive>`` (sign-ups by strongest motive); ``moved`` (chose to move their main
    app from the origin here while it was up; the origin: away from it), of those ``moved_back``
    (main app the origin today) and ``ever_back`` (back on it at some point) count people, not
    moves (see :class:`Moves`). Flows count users whose primary
    platform changed, from -> to.
    """

    def __init__(self, days: int, platforms: list[str], scale: float):
        self.platforms = platforms
        self.scale = scale
        self.values = np.zeros((days, len(platforms), len(METRICS)), dtype=np.float64)
        self.threat = np.zeros(days)
        size = len(platforms) + 1
        self.flows = np.zeros((days, size, size), dtype=np.int64)
        self._column = {name: i for i, name in enumerate(METRICS)}
        self._creators = None  # indices of the creators, found on the first day
        self.moves: Moves | None = None  # made on the first day, when the users are known

    def record(self, model, joined, churned, returned, motives, previous_primary, seen) -> None:
        """Write one day's row: ``joined``, ``churned`` and ``returned`` list the users concerned
        on each platform, ``seen`` is the day as seen on each platform (:class:`Today` columns),
        ``previous_primary`` each user's main app before today's changes (None: moves and flows
        are not followed and stay zeros)."""
        users, day = model.users, model.day
        row = self.values[day]
        col = self._column
        row[:, col["dau"]] = _per_column(users.active)
        platforms = model.platforms  # users outside the population use it only while it is up
        outside = platforms.outside_daily_users * platforms.available / self.scale
        row[:, col["dau_us"]] = row[:, col["dau"]] + outside
        row[:, col["engaged"]] = _per_column(users.engaged)
        row[:, col["accounts"]] = _per_column(users.account)
        row[:, col["signups"]] = [len(cells) for cells in joined]
        row[:, col["churn"]] = [len(cells) for cells in churned]
        row[:, col["returns"]] = [len(cells) for cells in returned]
        if self._creators is None:
            self._creators = np.flatnonzero(users.is_creator)
            origin = self.platforms.index(origin_of(model.config))
            self.moves = Moves(users.n, len(self.platforms), origin)
        row[:, col["creators_active"]] = _per_column(users.active[self._creators])
        row[:, col["protest_posts"]] = _protest_posts(model, seen)
        for i, label in enumerate(MOTIVE_LABELS):
            row[:, col[f"signups_{label}"]] = motives[i]
        self.threat[day] = model.threat
        if previous_primary is not None:  # (None: a run that follows no moves; zeros)
            self._record_moves(model, previous_primary, row)

    def _record_moves(self, model, previous_primary: np.ndarray, row: np.ndarray) -> None:
        """Today's chosen main-app moves (``moved``, ``moved_back``, ``ever_back``) and flows."""
        users, col = model.users, self._column
        moved = np.flatnonzero(previous_primary != users.primary)
        origin_up = bool(model.platforms.dark[self.moves.origin] < MOSTLY_DARK)
        self.moves.update(moved, previous_primary, users.primary, origin_up)
        row[:, col["moved"]] = self.moves.moved
        row[:, col["moved_back"]] = self.moves.on_origin
        row[:, col["ever_back"]] = self.moves.ever_back
        size = len(self.platforms) + 1
        cells = (previous_primary[moved].astype(np.int64) + 1) * size + users.primary[moved] + 1
        self.flows[model.day] = np.bincount(cells, minlength=size * size).reshape(size, size)

    def timeseries(self, dates) -> pd.DataFrame:
        """Tidy table: one row per day and platform, metrics in real-world units."""
        days, n_platforms, _ = self.values.shape
        frame = pd.DataFrame(
            self.values.reshape(days * n_platforms, -1) * self.scale, columns=list(METRICS)
        )
        frame.insert(0, "platform", pd.Categorical(np.tile(self.platforms, days),
                                                   categories=self.platforms))
        frame.insert(0, "date", np.repeat(pd.to_datetime(dates), n_platforms))
        frame.insert(0, "day", np.repeat(np.arange(days, dtype=np.int32), n_platforms))
        frame["ban_threat"] = np.repeat(self.threat, n_platforms)
        return frame

    def daily(self, metric: str, dates) -> pd.DataFrame:
        """One metric as a dates × platforms table, real-world units: the timeseries pivoted
        (index ``date``, columns ``platform``), without making the timeseries."""
        index, columns = _axes(tuple(dates), tuple(self.platforms))
        return pd.DataFrame(self.values[:, :, self._column[metric]] * self.scale, index=index,
                            columns=columns)

    def flow_table(self, dates) -> pd.DataFrame:
        """Tidy table of primary-platform moves: day, from, to, users (real-world, non-zero)."""
        names = [NONE, *self.platforms]
        day, src, dst = np.nonzero(self.flows)
        return pd.DataFrame({
            "day": day.astype(np.int32),
            "date": pd.to_datetime(np.asarray(dates))[day],
            "from": [names[i] for i in src],
            "to": [names[i] for i in dst],
            "users": self.flows[day, src, dst] * self.scale,
        })


class Moves:
    """Chosen main-app moves away from the origin, kept per user and updated from each day's
    changes.

    Only a move made on a day the origin was up counts: a main app that changes because the
    origin went dark was not chosen (nor is coming back to it when it is restored a return from a
    move, unless the user had made one by choice before).

    Attributes:
        origin: column of the platform users come from.
        to: whether the user ever chose to move their primary from the origin straight to
            platform ``j`` (bool, N×P); the origin's own column: chose to move it away from the
            origin at all, to any platform or to none.
        back: of those, whether the origin was their primary again at some point after (bool,
            N×P; a return after any move away counts for every platform moved to before it).
        moved: users with ``to`` set, per column.
        on_origin: of those, whose primary is the origin now, per column.
        ever_back: users with ``back`` set, per column.
    """

    def __init__(self, n: int, n_platforms: int, origin: int):
        self.origin = origin
        self.to = np.zeros((n, n_platforms), dtype=bool)
        self.back = np.zeros((n, n_platforms), dtype=bool)
        self.moved = np.zeros(n_platforms, dtype=np.int64)
        self.on_origin = np.zeros(n_platforms, dtype=np.int64)
        self.ever_back = np.zeros(n_platforms, dtype=np.int64)

    def update(self, moved: np.ndarray, before: np.ndarray, after: np.ndarray,
               origin_up: bool) -> None:
        """Count today's primary changes of the ``moved`` users (``before`` -> ``after``);
        ``origin_up``: whether the origin was up today (if not, leaving it was not chosen)."""
        origin = self.origin
        leaving = moved[before[moved] == origin]
        if len(leaving):
            old = self.to[leaving]
            self.on_origin -= old.sum(axis=0)  # earlier movers who are away again, either way
            if origin_up:
                new = old.copy()
                new[:, origin] = True
                dest = after[leaving].astype(np.intp)
                somewhere = np.flatnonzero(dest >= 0)
                new[somewhere, dest[somewhere]] = True
                self.to[leaving] = new
                self.moved += new.sum(axis=0) - old.sum(axis=0)
        arriving = moved[after[moved] == origin]
        if len(arriving):
            rows = self.to[arriving]
            self.on_origin += rows.sum(axis=0)
            self.ever_back += (rows & ~self.back[arriving]).sum(axis=0)
            self.back[arriving] |= rows


@lru_cache(maxsize=8)
def _axes(dates: tuple, platforms: tuple) -> tuple[pd.DatetimeIndex, pd.CategoricalIndex]:
    """The dates and platforms of :meth:`Recorder.daily`'s tables (made once: a calibration
    reads thousands of runs of the same days; pandas indexes are immutable)."""
    return (pd.DatetimeIndex(pd.to_datetime(list(dates)), name="date"),
            pd.CategoricalIndex(platforms, categories=platforms, name="platform"))


def _per_column(flags: np.ndarray) -> list[int]:
    """How many are set in each column (faster column by column than with ``axis=0``)."""
    return [np.count_nonzero(flags[:, j]) for j in range(flags.shape[1])]


def _protest_posts(model, seen) -> np.ndarray:
    """Expected protest posts today (#TikTokRefugee in 2025): new arrivals on the apps a protest
    move goes to, by their anger (on the platforms whose daily users are worked out)."""
    posts = np.zeros(len(model.platforms))
    rate = model.rates.protest_posting * float(model.threat > 0)
    if rate == 0:
        return posts
    for j in np.flatnonzero(model.platforms.protest_owned * model.opening):
        newcomer = (seen[j].tenure[:, 0] <= PROTEST_POST_DAYS) & model.users.active[:, j]
        anger = model.users.protest[newcomer].sum(dtype=np.float64)
        posts[j] = anger * model.platforms.protest_owned[j] * rate
    return posts


def cohorts(users, platforms: list[str], days: int, scale: float) -> pd.DataFrame:
    """Newcomers by platform and sign-up day, and how many had not gone dormant k days later.

    ``retained_k`` is NaN where day + k is past the end of the run.
    """
    rows = []
    for j, name in enumerate(platforms):
        joined = users.joined_day[:, j]
        new = joined >= 0
        join_day, left = joined[new].astype(np.int64), users.left_day[new, j].astype(np.int64)
        signups = np.bincount(join_day, minlength=days)
        table = {"platform": name, "day": np.arange(days), "signups": signups * scale}
        for k in RETENTION_DAYS:
            stayed = (left == NEVER) | (left - join_day > k)
            kept = np.bincount(join_day, weights=stayed, minlength=days) * scale
            kept[np.arange(days) + k >= days] = np.nan
            table[f"retained_{k}"] = kept
        rows.append(pd.DataFrame(table))
    return pd.concat(rows, ignore_index=True)
