"""Social structure: friendships and creator→follower ties, as scipy.sparse matrices.

The model keeps, for every user and platform, how many of their ties are engaged there. Those
counts change only where some user's engagement changed, so they are updated from the day's
changes instead of being recomputed (a product with a few changed rows, not with all N).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim.population import Users
from sim.scenario import Population

AGE_HOMOPHILY = 0.7  # share of friendships made within the user's own age group


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
        return np.asarray(self.followed_by.sum(axis=1)).ravel()


def build_ties(users: Users, pop: Population, rng: np.random.Generator) -> Ties:
    """Friendship graph with age homophily, and a heavy-tailed creator→follower graph."""
    friends = _friendships(users, pop.friends_per_user, rng)
    follows = _follows(users, pop, rng)
    followed_by = follows.T.tocsr()
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


def _friendships(users: Users, mean_degree: float, rng: np.random.Generator) -> sp.csr_matrix:
    n = users.n
    n_edges = round(n * mean_degree / 2)
    left = rng.integers(0, n, size=n_edges)
    by_age = np.argsort(users.age_group, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[by_age] = np.arange(n)
    same_age = rng.random(n_edges) < AGE_HOMOPHILY
    group_sizes = np.bincount(users.age_group, minlength=int(users.age_group.max()) + 1)
    group_start = np.concatenate([[0], np.cumsum(group_sizes)[:-1]])
    groups = users.age_group[left]
    within = group_start[groups] + (rng.random(n_edges) * group_sizes[groups]).astype(np.int64)
    right = np.where(same_age, by_age[np.minimum(within, n - 1)], rng.integers(0, n, n_edges))
    keep = left != right
    rows = np.concatenate([left[keep], right[keep]])
    cols = np.concatenate([right[keep], left[keep]])
    adjacency = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    adjacency.data[:] = 1.0  # duplicate pairs were summed
    return adjacency


def _follows(users: Users, pop: Population, rng: np.random.Generator) -> sp.csr_matrix:
    """Each user follows a Poisson number of creators, picked in proportion to popularity."""
    n = users.n
    creators = np.flatnonzero(users.is_creator)
    if len(creators) == 0 or pop.follows_per_user == 0:
        return sp.csr_matrix((n, n), dtype=np.float32)
    popularity = rng.pareto(pop.creator_popularity_tail, size=len(creators)) + 1.0
    counts = rng.poisson(pop.follows_per_user, size=n)
    follower = np.repeat(np.arange(n), counts)
    picked = rng.choice(len(creators), size=len(follower), p=popularity / popularity.sum())
    creator = creators[picked]
    keep = follower != creator
    follows = sp.csr_matrix(
        (np.ones(int(keep.sum()), np.float32), (follower[keep], creator[keep])), shape=(n, n)
    )
    follows.data[:] = 1.0
    return follows


@dataclass
class TieCounts:
    """Per user and platform: how many friends, followed creators and followers are engaged there.

    Attributes:
        friends, creators, audience: float32 N×P counts.
    """

    friends: np.ndarray
    creators: np.ndarray
    audience: np.ndarray

    @classmethod
    def count(cls, ties: Ties, engaged: np.ndarray) -> TieCounts:
        e = engaged.astype(np.float32)
        return cls(
            friends=ties.friends @ e,
            creators=ties.follows @ e,
            audience=ties.followed_by @ e,
        )

    def update(self, ties: Ties, before: np.ndarray, after: np.ndarray) -> None:
        """Account for the users whose engagement changed between ``before`` and ``after``."""
        changed = np.flatnonzero((before != after).any(axis=1))
        if len(changed) == 0:
            return
        delta = after[changed].astype(np.float32) - before[changed].astype(np.float32)
        # friends is symmetric; "u follows c" changes u's creators count when c changes, and
        # c's audience count when u changes.
        self.friends += ties.friends[changed].T @ delta
        self.creators += ties.followed_by[changed].T @ delta
        self.audience += ties.follows[changed].T @ delta
