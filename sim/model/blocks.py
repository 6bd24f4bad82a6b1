"""Users in cache-sized blocks: long chains of array operations run one block at a time.

A chain of numpy operations over a million users streams every intermediate array through main
memory; run on 131,072 users at a time, the intermediates stay in the processor's cache and the
same chain takes about half as long. The daily rules are element-wise (each user's numbers depend
on that user's only), so they give the same numbers either way; where a rule draws random numbers
block by block, the blocks hold an even number of users so that the stream is cut where a single
long draw would put its values too.
"""

from __future__ import annotations

BLOCK = 1 << 17  # users per block (even): a few float32 arrays of it fit in a core's cache


def blocks(n: int, size: int | None = None) -> list[slice]:
    """Slices that cover ``range(n)`` in order, ``size`` (by default ``BLOCK``) at a time."""
    size = size or BLOCK
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]

