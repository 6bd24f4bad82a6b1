"""Attractiveness: how much each user wants each platform today, the sum of every pull.

Most pulls change rarely, so their sums are kept, per platform column, and summed again only
where and when what they depend on changes (what each pull ``changes_with``, as it is
registered in :mod:`sim.model.motives`): steady pulls when an
event changes a platform; social ones also for the users whose tie counts changed; pulls
proportional to the ban threat are kept at a threat of 1, and curiosity at a freshness of 1.
Only tenure-driven pulls (habit) are summed in full every day.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache, partial

import numpy as np

from sim.model import motives
from sim.model.blocks import blocks
from sim.model.columns import DENSE

# More changed users than 1 / WHOLE_COLUMN_ABOVE of a column: summing the whole column again is
# cheaper than gathering that many users' arrays.
WHOLE_COLUMN_ABOVE = 8


class Attraction:
    """The kept sums of pulls of a :class:`~sim.model.migration.MigrationModel`, and today's total.

    Attributes:
        today: N×P log-odds of how much each user wants each platform (column-major).
    """

    def __init__(self, model):
        self.model = model
        shape = model.users.account.shape
        self.today = np.empty(shape, dtype=np.float32, order="F")
        self.steady = np.empty(shape, dtype=np.float32, order="F")  # appeal and steady pulls
        self.social = np.empty(shape, dtype=np.float32, order="F")
        self.settled = np.empty(shape, dtype=np.float32, order="F")  # steady + social: read daily
        self.per_threat = np.empty(shape, dtype=np.float32, order="F")  # at a threat of 1
        self.when_new = np.empty(shape, dtype=np.float32, order="F")  # at a freshness of 1
        # the tie counts each kept sum reads on each platform: (id of the sum, column) -> kinds
        # (on a platform where no pull of a sum reads ties, a change of ties leaves it as it is)
        self.uses = defaultdict(set)
        self.version = -1  # platforms.version the sums and columns were made from
        self._columns: list = []
        self._acting: dict = {}  # (pulls, column) -> whether any can be non-zero there
        # the registered pulls that change with ...: looked up once a run (they are asked daily)
        self.pulls = cache(motives.pulls_changing_with)

    def columns(self) -> list:
        """Each platform as length-1 arrays, summing every kept pull again if they changed."""
        model = self.model
        if self.version != model.platforms.version:
            old, self._columns = self._columns, [model.platforms.column(j)
                                                 for j in range(len(model.platforms))]
            self._acting = {}
            self.version = model.platforms.version
            # a platform whose settings the event left as they were keeps its sums (the same
            # numbers as summing them again: every kept pull reads only its own platform's)
            model.threads.map([partial(self._sum_kept, j) for j, column in enumerate(self._columns)
                               if not old or not _same_settings(old[j], column)])
        return self._columns

    def _sum_kept(self, j: int) -> None:
        """Every kept sum of platform ``j``, from scratch."""
        self.sum(self.steady, ("appeal", *self.pulls("platforms")), j)
        self.sum(self.social, self.pulls("ties"), j)
        self._settle(j)
        self.sum(self.per_threat, self.pulls("threat"), j, threat=1.0)
        self.sum(self.when_new, self.pulls("freshness"), j, tenure=0)

    def of_column(self, j: int, today: motives.Today) -> None:
        """Today's attractiveness of platform ``j`` (into column ``j`` of ``self.today``)."""
        model, platform = self.model, self._columns[j]
        out = self.today[:, j : j + 1]
        threat = np.float32(model.threat)
        threatened = model.threat and self._acts(self.pulls("threat"), j)
        account = model.users.account[:, j]
        fresh = self._acts(self.pulls("freshness"), j)
        few = np.count_nonzero(account) < DENSE * len(out)
        accounts = account.nonzero()[0] if fresh or few else None  # only where needed
        if fresh:
            pull = self.when_new[:, j].copy()  # freshness is 1 where there is no account
            pull[accounts] *= today.rows(accounts).freshness[:, 0]
        daily, account_pulls = self.pulls("day", "account"), self.pulls(
            "account")
        for block in blocks(len(out)):  # the whole sum one block at a time (in cache)
            here = out[block]
            if threatened:
                np.multiply(self.per_threat[block, j : j + 1], threat, out=here)
                here += self.settled[block, j : j + 1]
            else:
                np.copyto(here, self.settled[block, j : j + 1])
            if fresh:
                here += pull[block, None]
            if few:  # account pulls are 0 for everyone else: only the block's account holders
                mine = accounts[slice(*np.searchsorted(accounts, (block.start, block.stop)))]
            for name in daily:
                if few and name in account_pulls:
                    part = np.zeros((len(mine), 1), dtype=np.float32)
                    motives.add_pull(part, name, model.users.take(mine), platform,
                                     today.rows(mine), model.weights)
                    out[mine] += part
                else:
                    motives.add_pull(here, name, model.users.take(block), platform,
                                     today.rows(block), model.weights)

    def after_ties(self, j: int, touched: dict) -> None:
        """Sum again, for the users whose tie counts on platform ``j`` changed (``touched``: by
        kind of count, as ``TieCounts.update`` returns them), the kept pulls that read them."""
        n = self.model.users.n
        for kept, names, threat in ((self.social, self.pulls("ties"), None),
                                    (self.per_threat, self.pulls("threat"), 1.0)):
            if not self._acts(names, j):
                continue  # zero on this platform whatever the counts
            parts = [cells for kind in self.uses[id(kept), j] for cells in touched[kind]]
            if not parts:
                continue
            # many users: the whole column; else those touched (a user listed twice is summed
            # twice, to the same value: cheaper than finding repeats)
            rows = None if _many(sum(len(cells) for cells in parts), n) else np.concatenate(parts)
            self.sum(kept, names, j, rows, threat)
            if kept is self.social:
                self._settle(j, rows)

    def _acts(self, names: tuple, j: int) -> bool:
        """Whether any of the pulls ``names`` can be non-zero on platform ``j`` (kept until an
        event changes a platform)."""
        key = (names, j)
        if key not in self._acting:
            self._acting[key] = any(motives.acts_on(name, self._columns[j])[0] for name in names)
        return self._acting[key]

    def _settle(self, j: int, rows=None) -> None:
        """The steady and social pulls of platform ``j`` summed again (all users or ``rows``):
        the part of today's attractiveness that is read every day but seldom changes."""
        if rows is None or _many(len(rows), len(self.settled)):
            np.add(self.steady[:, j], self.social[:, j], out=self.settled[:, j])
        else:
            self.settled[rows, j] = self.steady[rows, j] + self.social[rows, j]

    def sum(self, out: np.ndarray, names, j: int, rows=None, threat=None, tenure=None) -> None:
        """Write the sum of the pulls ``names`` of platform ``j`` (and its appeal if named) into
        column ``j`` of ``out``, for all users or some ``rows`` (at another ``threat`` or
        ``tenure`` if given)."""
        model = self.model
        if rows is not None and _many(len(rows), len(out)):
            rows = None  # cheaper than gathering that many users' arrays
        r = slice(None) if rows is None else rows
        users = model.users if rows is None else model.users.take(rows)
        shares = motives.Shares(model.tie_counts.shares(model.ties), r, slice(j, j + 1),
                          model.platforms.available[j : j + 1], self.uses[id(out), j])
        if tenure is not None:
            tenure = np.full((users.n, 1), tenure, dtype=np.float32)
        today = motives.Today(model.day, model.threat if threat is None else threat, tenure,
                        model.stake[r], model.buzz()[j : j + 1],
                        model.rates.curiosity_halflife_days, shares)
        total = np.zeros((users.n, 1), dtype=np.float32)
        if "appeal" in names:
            total += model.platforms.appeal[j]
        for name in names:
            if name != "appeal":
                motives.add_pull(total, name, users, self._columns[j], today, model.weights)
        out[r, j] = total[:, 0]


def _many(count: int, users: int) -> bool:
    """Whether ``count`` changed users of a column are better handled by the whole column."""
    return count > users // WHOLE_COLUMN_ABOVE


def _same_settings(old, new) -> bool:
    """Whether two :class:`~sim.model.platforms.PlatformColumn` of a platform hold the same
    settings (every field; NaN equals nothing, as in ``np.array_equal``)."""
    return _settings(old) == _settings(new)


def _settings(column) -> list:
    """Every field of a platform column, its arrays as lists (compared in one go)."""
    return [(name, value.tolist() if isinstance(value, np.ndarray) else value)
            for name, value in vars(column).items()]
