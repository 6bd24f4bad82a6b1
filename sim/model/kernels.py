"""Fast kernels the model's rules and set-up stand on, each the same as a plain numpy expression
(tested against it) and faster: uniform fills from raw bits, the chance of at least one event in
a day, a cap on values, and Walker's alias sampling.
"""

from __future__ import annotations

import numpy as np

from sim.model.blocks import blocks

SERIES_BELOW = np.float32(1 / 32)  # daily rate below which 1 - exp(-rate) is taken from its series


def fill_uniform(out: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fill a float32 array (C- or F-contiguous) with uniforms on [0, 1), built like
    ``rng.random(dtype=float32)`` (24 random bits each), from raw 64-bit draws two at a time,
    which is faster."""
    flat = out.reshape(-1, order="A")
    for part in (flat[block] for block in blocks(len(flat))):  # even-sized: no bits skipped
        bits = rng.bit_generator.random_raw((len(part) + 1) // 2).view(np.uint32)[: len(part)]
        bits >>= 8
        np.multiply(bits.view(np.int32), np.float32(2.0**-24), out=part, dtype=np.float32)
    return out


def at_least_once(rate: np.ndarray) -> np.ndarray:
    """Chance of at least one event in a day at a daily ``rate``, 1 - exp(-rate), in place.

    Small rates use the series rate·(1 - rate/2 + rate²/6 - rate³/24) (exact to float32 below
    ``SERIES_BELOW``), the others expm1: as accurate as expm1 everywhere, and much cheaper.
    """
    large = np.flatnonzero(rate >= SERIES_BELOW)
    exact = -np.expm1(-rate[large])
    series = np.multiply(rate, np.float32(1 / 24))
    np.subtract(np.float32(1 / 6), series, out=series)
    series *= rate
    np.subtract(np.float32(0.5), series, out=series)
    series *= rate
    np.subtract(np.float32(1.0), series, out=series)
    rate *= series
    rate[large] = exact
    return rate


def at_most(values: np.ndarray, most: np.float32, out: np.ndarray | None = None) -> np.ndarray:
    """min(values, most) of float32 ``values``, as ``np.minimum(values, most)``, faster: numpy's
    vectorised minimum runs on two arrays, not on an array and a number (4x on 20,000 values).
    The same numbers bit for bit, except that a zero against a cap of zero may keep either sign."""
    return np.minimum(values, _filled(most, values.size).reshape(values.shape), out=out)


_filled_with: dict = {}  # value -> the longest read-only float32 array of it made so far


def _filled(value: np.float32, size: int) -> np.ndarray:
    """``size`` copies of ``value`` (float32, read-only; a view of a kept array)."""
    kept = _filled_with.get(value)
    if kept is None or len(kept) < size:
        kept = np.full(max(size, 2 * len(kept) if kept is not None else 1024), value,
                       dtype=np.float32)
        kept.flags.writeable = False
        _filled_with[value] = kept
    return kept[:size]


def alias_sample(weights: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` indices drawn with replacement in proportion to ``weights`` (Walker's alias
    method: two uniform draws per sample, whatever the number of weights)."""
    k = len(weights)
    scaled = (weights * (k / weights.sum())).tolist()  # Python floats: the same doubles, faster
    alias = list(range(k))
    small = np.flatnonzero(np.less(scaled, 1.0)).tolist()
    large = np.flatnonzero(np.greater_equal(scaled, 1.0)).tolist()
    while small and large:  # one pass over the creators' weights (not over users)
        low, high = small.pop(), large[-1]
        alias[low] = high
        scaled[high] -= 1.0 - scaled[low]
        if scaled[high] < 1.0:
            small.append(large.pop())
    scaled, alias = np.array(scaled), np.array(alias)
    scaled[small + large] = 1.0  # leftovers are full columns (rounding)
    column = (rng.random(size) * k).astype(np.int32)
    np.minimum(column, k - 1, out=column)
    stay = rng.random(size, dtype=np.float32) < scaled.astype(np.float32)[column]
    return np.where(stay, column, alias.astype(np.int32)[column])
