"""Social structure: friendships and creator→follower ties, as scipy.sparse matrices.

The model keeps, for every user and platform, how many of their ties are engaged there. Those
counts change only where some user's engagement changed, so they are updated from the day's
changes instead of being recomputed: each user who became engaged (or dormant) on a platform adds
(or removes) one to the counts of their ties on that platform's column.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import scipy.sparse as sp

from sim.model.kernels import alias_sample
from sim.model.threads import Threads
from sim.model.users import Users
from sim.scenario.schema import Population

AGE_HOMOPHILY = 0.7  # share of friendships made within the user's own age group
# Speed only (measured; the same results either way):
SCIPY_ROWS_ABOVE = 2000  # ties of more rows than this: scipy's row slicing beats gathering by hand
UNIQUE_BELOW = 64  # fewer indices than n / 64: np.unique of them beats marking all n users


@dataclass
class Ties:
    """Who is tied to whom.

    Attributes:
        friends: symmetric N×N adjacency (CSR, float32, 0/1).
        follows: N×N "u follows creator c" (CSR, float32); only creators' columns are non-empty.
        followed_by: transpose of ``follows`` (CSR): row c lists creator c's audience.
        friend_count, follow_count, audience: ties per user (float32, N; at least 1 to divide by).
    """

    friends: sp.csr_matrix
    follows: sp.csr_matrix
    followed_by: sp.csr_matrix
    friend_count: np.ndarray
    follow_count: np.ndarray
    audience: np.ndarray

    @property
    def followers(self) -> np.ndarray:
        """Audience size of every user (0 for non-creators)."""
        return np.diff(self.followed_by.indptr).astype(np.float32)


def build_ties(users: Users, pop: Population, rng: np.random.Generator,
               threads: Threads | None = None) -> Ties:
    """Friendship graph with age homophily, and a heavy-tailed creator→follower graph.

    The random draws are made in order on the calling thread; the friendship matrix is assembled
    from its pairs on a helper (of ``threads``, if given) while the follows are drawn.
    """
    pairs = _friend_pairs(users, pop.friends_per_user, rng)
    friends = (threads or Threads(1)).start(partial(_adjacency, *pairs, users.n))
    del pairs
    follows = _follows(users, pop, rng)
    followed_by = follows.T.tocsr()
    friends = friends.result()
    return Ties(
        friends=friends,
        follows=follows,
        followed_by=followed_by,
        friend_count=_row_counts(friends),
        follow_count=_row_counts(follows),
        audience=_row_counts(followed_by),
    )


def _row_counts(matrix: sp.csr_matrix) -> np.ndarray:
    return np.maximum(np.diff(matrix.indptr), 1).astype(np.float32)


def _friend_pairs(users: Users, mean_degree: float, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Both ends of every friendship, each pair both ways round (rows, columns)."""
    n = users.n
    n_edges = round(n * mean_degree / 2)
    left = rng.integers(0, n, size=n_edges)
    by_age = np.argsort(users.age_group, kind="stable")
    same_age = rng.random(n_edges) < AGE_HOMOPHILY
    group_sizes = np.bincount(users.age_group, minlength=int(users.age_group.max()) + 1)
    group_start = np.concatenate([[0], np.cumsum(group_sizes)[:-1]])
    groups = users.age_group[left]
    within = group_start[groups] + (rng.random(n_edges) * group_sizes[groups]).astype(np.int64)
    right = np.where(same_age, by_age[np.minimum(within, n - 1)], rng.integers(0, n, n_edges))
    del groups, within, same_age
    keep = left != right
    left, right = left[keep].astype(np.int32), right[keep].astype(np.int32)
    return np.concatenate([left, right]), np.concatenate([right, left])


def _follows(users: Users, pop: Population, rng: np.random.Generator) -> sp.csr_matrix:
    """Each user follows a Poisson number of creators, picked in proportion to popularity."""
    n = users.n
    creators = np.flatnonzero(users.is_creator).astype(np.int32)
    if len(creators) == 0 or pop.follows_per_user == 0:
        return sp.csr_matrix((n, n), dtype=np.float32)
    popularity = rng.pareto(pop.creator_popularity_tail, size=len(creators)) + 1.0
    counts = rng.poisson(pop.follows_per_user, size=n)
    follower = np.repeat(np.arange(n, dtype=np.int32), counts)
    creator = creators[alias_sample(popularity, len(follower), rng)]
    keep = follower != creator
    return _adjacency(follower[keep], creator[keep], n)


def _adjacency(rows: np.ndarray, cols: np.ndarray, n: int) -> sp.csr_matrix:
    """0/1 CSR matrix with a one at every (row, col) pair (pairs given twice count once)."""
    matrix = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


@dataclass
class TieCounts:
    """Per user and platform: how many friends, followed creators and followers are engaged there.

    Attributes:
        friends, creators, audience: float32 N×P counts (column-major, like the user arrays).
    """

    friends: np.ndarray
    creators: np.ndarray
    audience: np.ndarray

    @classmethod
    def count(cls, ties: Ties, engaged: np.ndarray, threads: Threads | None = None) -> TieCounts:
        """Count from scratch (the three kinds shared between ``threads``, if given)."""
        flags = engaged.astype(np.float32, order="C")  # all columns in one pass over each graph

        def per_column(matrix: sp.csr_matrix) -> np.ndarray:
            return np.asfortranarray(matrix @ flags)

        return cls(*(threads or Threads(1)).map([
            partial(per_column, matrix) for matrix in (ties.friends, ties.follows, ties.followed_by)
        ]))

    def shares(self, ties: Ties) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """(counts, number of such ties) by kind: the share engaged is their ratio."""
        return {
            "friends": (self.friends, ties.friend_count),
            "creators": (self.creators, ties.follow_count),
            "audience": (self.audience, ties.audience),
        }

    def update(self, ties: Ties, gained: list[np.ndarray], lost: list[np.ndarray],
               threads: Threads | None = None) -> list[dict]:
        """Account for the users who became engaged (``gained``: user indices, one array per
        platform column) or dormant (``lost``) today, every platform at once (the three kinds
        of count shared between ``threads``, if given).

        Returns, per platform column, for each kind of count (as in :meth:`shares`), the users
        whose count changed there: a list of index arrays (which may repeat users).
        """
        groups = [users for pair in zip(gained, lost, strict=True) for users in pair]
        changed = np.concatenate(groups)  # column by column, each column's gained first
        sizes = [len(users) for users in groups]
        column = np.repeat(np.arange(len(groups)) // 2, sizes)  # of each changed user
        sign = np.repeat(np.tile(np.float32([1, -1]), len(gained)), sizes)  # engaged +1, else -1
        n, platforms = len(self.friends), len(gained)

        def count(matrix: sp.csr_matrix, counts: np.ndarray) -> list[np.ndarray]:
            starts = matrix.indptr[changed]
            lengths = matrix.indptr[changed + 1] - starts  # each changed user's ties
            cells = _tied(matrix, changed, starts, lengths)
            np.add.at(_flat(counts), np.repeat(column * n, lengths) + cells,
                      np.repeat(sign, lengths))
            per_column = np.bincount(column, weights=lengths, minlength=platforms)
            return np.split(cells, np.cumsum(per_column[:-1]).astype(np.intp))

        # friends is symmetric; "u follows c": c's change changes the creators count of c's
        # followers, and u's change changes the audience count of the creators u follows.
        kinds = {"friends": (ties.friends, self.friends),
                 "creators": (ties.followed_by, self.creators),
                 "audience": (ties.follows, self.audience)}
        cells = (threads or Threads(1)).map([partial(count, *pair) for pair in kinds.values()])
        return [{kind: [part[j]] if len(part[j]) else []
                 for kind, part in zip(kinds, cells, strict=True)} for j in range(platforms)]


def _flat(counts: np.ndarray) -> np.ndarray:
    """A column-major N×P array as one vector, a view (cell (i, j) at j·N + i)."""
    if not counts.flags.f_contiguous:
        raise ValueError("tie counts must be column-major")
    return counts.ravel(order="F")


def _tied(matrix: sp.csr_matrix, rows: np.ndarray, starts: np.ndarray,
          lengths: np.ndarray) -> np.ndarray:
    """Column indices of every non-zero in ``rows`` (each tie once per row listing it; ``starts``
    and ``lengths``: where each row's non-zeros start and how many it has)."""
    if len(rows) > SCIPY_ROWS_ABOVE:
        return matrix[rows].indices
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return matrix.indices[offsets + np.arange(len(offsets))]


def distinct_users(parts: list[np.ndarray], n: int) -> np.ndarray:
    """Sorted distinct user indices found in any of ``parts`` (indices below ``n``)."""
    if not parts:
        return np.empty(0, dtype=np.intp)
    if sum(len(part) for part in parts) < n // UNIQUE_BELOW:
        return np.unique(np.concatenate(parts))
    seen = np.zeros(n, dtype=bool)
    for part in parts:
        seen[part] = True
    return np.flatnonzero(seen)
