"""Priors of the fields a posterior fits (``sim calibrate --posterior``): each ``--fit`` range,
uniform unless the option says otherwise after the range:

- ``FIELD=LOW:HIGH`` (or ``FIELD=LOW:HIGH:uniform``): uniform over the range;
- ``FIELD=LOW:HIGH:log``: log-uniform over the range (``0 < LOW``), for rates known only to
  within a factor;
- ``FIELD=LOW:HIGH:normal:MEAN:SD``: normal with that mean and standard deviation, truncated
  to the range.

The distributions are scipy's (``uniform``, ``loguniform``, ``truncnorm``), handed to pyabc as
``pyabc.RV``. A prior is kept as a tuple: ``()`` uniform, ``("log",)``, ``("normal", MEAN, SD)``.
"""

from __future__ import annotations

import math

from sim.errors import InputError, did_you_mean, optional

KINDS = ("uniform", "log", "normal")


def parse(option: str, field: str, words: list[str], low: float, high: float) -> tuple:
    """The prior written after ``FIELD=LOW:HIGH`` (``words``: the parts after HIGH)."""
    if not words or words == ["uniform"]:
        return ()
    kind, *numbers = words
    if kind not in KINDS:
        raise InputError(option, field, f"unknown prior '{kind}' (one of: {', '.join(KINDS)})"
                         + did_you_mean(kind, KINDS))
    if kind == "normal":
        try:
            mean, sd = (float(n) for n in numbers)
        except ValueError:
            raise InputError(option, field, f"cannot read the normal prior '{':'.join(numbers)}'"
                             ": use FIELD=LOW:HIGH:normal:MEAN:SD") from None
        if not (math.isfinite(mean) and math.isfinite(sd) and sd > 0):
            raise InputError(option, field, f"a normal prior needs a finite MEAN and SD > 0, "
                             f"not {mean:g}:{sd:g}")
        return ("normal", mean, sd)
    if numbers:
        raise InputError(option, field, f"'{kind}' takes no numbers: FIELD=LOW:HIGH:{kind}")
    if low <= 0:
        raise InputError(option, field, f"a log-uniform prior needs 0 < LOW, not {low:g}")
    return ("log",)


def scipy_form(prior: tuple, low: float, high: float) -> tuple[str, tuple, dict]:
    """The scipy.stats distribution of a prior over ``low``..``high``: name, args, keywords."""
    if not prior:
        return "uniform", (low, high - low), {}
    if prior[0] == "log":
        return "loguniform", (low, high), {}
    mean, sd = prior[1:]
    return "truncnorm", ((low - mean) / sd, (high - mean) / sd), {"loc": mean, "scale": sd}


def frozen(prior: tuple, low: float, high: float):
    """The prior as a frozen scipy.stats distribution."""
    import scipy.stats

    name, args, keywords = scipy_form(prior, low, high)
    return getattr(scipy.stats, name)(*args, **keywords)


def distribution(fits) -> object:
    """pyabc's joint prior of the fitted fields (``fits``: their sweeps), named ``p0``, ``p1``..."""
    pyabc = optional("pyabc", "sim calibrate --posterior")

    def rv(fit):
        name, args, keywords = scipy_form(fit.prior, *fit.bounds)
        return pyabc.RV(name, *args, **keywords)

    return pyabc.Distribution(**{f"p{i}": rv(f) for i, f in enumerate(fits)})


def describe(prior, low: float, high: float) -> str:
    """A prior in words, for tables: ``uniform 0.3 – 3.5``, ``log-uniform 0.1 – 10``,
    ``normal(2, 0.5) in 1 – 3``."""
    prior = tuple(prior or ())
    span = f"{low:.3g} – {high:.3g}"
    if not prior:
        return f"uniform {span}"
    if prior[0] == "log":
        return f"log-uniform {span}"
    return f"normal({prior[1]:.3g}, {prior[2]:.3g}) in {span}"
