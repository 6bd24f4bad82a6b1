"""Numbers for people: 3.4M, 700k, 0.25."""

from __future__ import annotations

import math


def human(x: float | None, digits: int = 3) -> str:
    """``3_400_000`` -> ``3.4M``; ``None`` or NaN -> ``n/a``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x) < 1e-6:  # float noise around zero (a difference of sums), not a figure
        x = 0.0
    x = float(f"{x:.{digits}g}")  # rounded first: 999,999 is 1M, not 1e+03k
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.{digits}g}{unit}"
    return f"{x:.{digits}g}"


def signed(x: float) -> str:
    """``+1.2M``, ``-300k``."""
    return ("+" if x > 0 else "") + human(x)
