"""How every figure looks: fixed colours, dated axes, human units, numbered event markers, files.

Conventions: one fixed colour per platform and per scenario in every figure; small multiples per
platform; dated x-axis with dashed event markers, numbered at the top (labels spread apart so the
January events, a day or two apart, stay readable) and explained in a key under the figure;
replicate counts in the title; PNG and SVG, written atomically; ``matplotlib.use("Agg")`` (but
in a Jupyter kernel, whose inline backend shows figures).
"""

from __future__ import annotations

import hashlib
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules:  # a notebook keeps its inline backend: figures show there
    matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from sim.units import human

PLATFORM_COLORS = {
    "tiktok": "#111111", "rednote": "#e3242b", "instagram": "#c13584", "youtube": "#ff9900",
    "lemon8": "#8db600", "douyin": "#5b4fcf", "other": "#8c8c8c", "none": "#9a9a9a",
}
SCENARIO_COLORS = {
    "baseline": "#4d4d4d", "observed-2025": "#1f77b4", "ban-enforced": "#d62728",
    "translation-early": "#2ca02c", "douyin-open": "#9467bd", "rednote-crackdown": "#ff7f0e",
    "seed-claims": "#8c564b",
}
FALLBACK = ("#17becf", "#bcbd22", "#e377c2", "#7f7f7f", "#393b79", "#637939", "#8c6d31",
            "#843c39", "#7b4173", "#3182bd", "#31a354", "#756bb1")
EVENT_COLOR = "#555555"
PANEL_W, PANEL_H = 3.7, 2.1  # inches
GAP_H = 0.85                 # between rows: the panel title and the date labels
TOP, LEGEND_H, KEY_LINE_H = 1.25, 0.32, 0.17
LABEL_Y = 1.07               # event numbers, in axes fractions above the panel


@dataclass
class Palette:
    """Colours of the scenarios and platforms of one set of figures (fixed names keep their
    colour everywhere; other names get a free colour chosen by a hash of the name)."""

    scenarios: dict[str, str]
    platforms: dict[str, str]

    def scenario(self, name: str) -> str:
        return self.scenarios.get(name) or SCENARIO_COLORS.get(name) or _hashed(name, set())

    def platform(self, name: str) -> str:
        return self.platforms.get(name) or PLATFORM_COLORS.get(name) or _hashed(name, set())


def palette_for(scenarios: list[str], platforms: list[str]) -> Palette:
    return Palette(_assign(scenarios, SCENARIO_COLORS), _assign(platforms, PLATFORM_COLORS))


def _assign(names: list[str], fixed: dict[str, str]) -> dict[str, str]:
    colours = {n: fixed[n] for n in names if n in fixed}
    for name in sorted(n for n in names if n not in fixed):
        colours[name] = _hashed(name, set(colours.values()))
    return colours


def _hashed(name: str, taken: set[str]) -> str:
    start = int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(FALLBACK)
    for i in range(len(FALLBACK)):
        colour = FALLBACK[(start + i) % len(FALLBACK)]
        if colour not in taken:
            return colour
    return FALLBACK[start]


@dataclass(frozen=True)
class Marker:
    """A numbered event marker: its date, words and the scenarios that have the event."""

    number: int
    date: pd.Timestamp
    label: str
    scenarios: tuple[str, ...]


def markers_of(events: dict[str, list]) -> list[Marker]:
    """Numbered markers, in date order, for the labelled events of the given scenarios (a date
    with no labelled event gets one marker named after its first event)."""
    from sim.model.events import event_label

    found: dict[tuple, list[str]] = {}
    for scenario, items in events.items():
        dated: dict = {}
        for event in items:
            dated.setdefault(pd.Timestamp(event.date), []).append(event)
        for when, same_day in dated.items():
            labelled = [e for e in same_day if e.label] or same_day[:1]
            for event in labelled:
                found.setdefault((when, event_label(event)), []).append(scenario)
    ordered = sorted(found, key=lambda k: (k[0], min(list(events).index(s) for s in found[k])))
    return [Marker(i + 1, when, label, tuple(found[(when, label)]))
            for i, (when, label) in enumerate(ordered)]


def in_window(markers: list[Marker], window) -> list[Marker]:
    return [m for m in markers if window[0] <= m.date <= window[1]]


def mark_events(ax, markers: list[Marker], numbered: bool) -> None:
    """Dashed lines at the markers' dates; with ``numbered``, their numbers above the panel,
    spread apart and tied to their line by a thin leader."""
    low, high = ax.get_xlim()
    for m in markers:
        ax.axvline(mdates.date2num(m.date), color=EVENT_COLOR, ls="--", lw=0.7, alpha=0.6, zorder=1,
                   gid=f"event:{m.number}")
    if not numbered or not markers:
        return
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    xs = [(mdates.date2num(m.date) - low) / (high - low) for m in markers]
    for m, x, spot in zip(markers, xs, spread(xs, 0.2 / width_in), strict=True):
        ax.plot([x, x, spot], [1.0, 1.015, LABEL_Y], transform=ax.transAxes, clip_on=False,
                color=EVENT_COLOR, lw=0.5, gid=f"leader:{m.number}")
        ax.text(spot, LABEL_Y, str(m.number), transform=ax.transAxes, ha="center",
                va="bottom", fontsize=6.5, color="#222222", gid=f"number:{m.number}",
                bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": EVENT_COLOR,
                      "lw": 0.6})


def spread(xs: list[float], gap: float) -> list[float]:
    """Positions near ``xs`` (sorted, 0..1) at least ``gap`` apart: overlapping labels are pulled
    apart around their mean, and labels near the edges are pushed inside 0..1."""
    clusters: list[list] = []  # [centre, count, first index]
    for x in xs:
        clusters.append([x, 1])
        while len(clusters) > 1:
            (c1, n1), (c2, n2) = clusters[-2], clusters[-1]
            if (c2 - (n2 - 1) * gap / 2) - (c1 + (n1 - 1) * gap / 2) >= gap:
                break
            clusters[-2:] = [[(c1 * n1 + c2 * n2) / (n1 + n2), n1 + n2]]
    spots = []
    for centre, count in clusters:
        first = centre - (count - 1) * gap / 2
        spots += [first + i * gap for i in range(count)]
    for i in range(len(spots)):  # keep inside 0..1, moving only the labels at the edges
        spots[i] = max(spots[i], gap / 2 if i == 0 else spots[i - 1] + gap)
    for i in reversed(range(len(spots))):
        spots[i] = min(spots[i], 1 - gap / 2 if i == len(spots) - 1 else spots[i + 1] - gap)
    return spots


def key_text(markers: list[Marker], shown: list[str]) -> list[str]:
    """One entry per marker: ``3 Jan 17 Law upheld 9-0``, naming the scenarios that have it when
    not all shown scenarios do (see :func:`having`)."""
    return [f"{m.number}  {m.date:%b} {m.date.day}  {m.label}{having(m.scenarios, shown)}"
            for m in markers]


def having(scenarios: tuple[str, ...], shown: list[str]) -> str:
    """Which of the shown scenarios have an event, in the fewer words: `` [ban-enforced]``, or,
    for an event most of them inherit, `` [all but baseline]``; nothing when all have it."""
    lacking = [s for s in shown if s not in scenarios]
    if not lacking:
        return ""
    have = [s for s in shown if s in scenarios] or list(scenarios)
    if len(lacking) < len(have):
        return f" [all but {', '.join(lacking)}]"
    return f" [{', '.join(have)}]"


def small_multiples(n: int, cols: int = 4, key_lines: int = 0, legend: bool = True):
    """A figure of ``n`` panels in rows of ``cols``, with room on top for the titles and event
    numbers and at the bottom for a legend and ``key_lines`` lines of event key."""
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    bottom = 0.45 + (LEGEND_H if legend else 0) + KEY_LINE_H * key_lines
    width = PANEL_W * cols + 0.4
    height = TOP + rows * PANEL_H + (rows - 1) * GAP_H + bottom
    figure, axes = plt.subplots(rows, cols, figsize=(width, height), squeeze=False)
    figure.subplots_adjust(left=0.55 / width, right=1 - 0.25 / width, top=1 - TOP / height,
                           bottom=bottom / height, hspace=GAP_H / PANEL_H, wspace=0.3)
    panels = list(axes.flat)
    for ax in panels[n:]:
        ax.set_visible(False)
    return figure, panels[:n]


def titles(figure, title: str, subtitle: str) -> None:
    height = figure.get_figheight()
    figure.text(0.5, 1 - 0.12 / height, title, ha="center", va="top", fontsize=12,
                fontweight="bold")
    figure.text(0.5, 1 - 0.42 / height, subtitle, ha="center", va="top", fontsize=8.5,
                color="#333333")


def bottom_key(figure, entries: list[str], handles=None, labels=None) -> None:
    """The legend (if any) and the event key, in columns, under the panels."""
    height = figure.get_figheight()
    y = 0.1 / height
    if entries:
        lines = key_lines(entries, figure.get_figwidth())
        figure.text(0.02, y, "\n".join(lines), ha="left", va="bottom", fontsize=7.5,
                    family="monospace", color="#222222", linespacing=1.35)
        y += KEY_LINE_H * len(lines) + 0.05 / height
    if handles:
        figure.legend(handles, labels, loc="lower center", ncol=len(handles), frameon=False,
                      bbox_to_anchor=(0.5, y / height + 0.02 / height), fontsize=9)


def key_lines(entries: list[str], width_in: float) -> list[str]:
    """Entries laid out in as many equal columns as fit the figure's width."""
    if not entries:
        return []
    chars = int(width_in * 15.5)
    cell = max(len(e) for e in entries) + 3
    cols = max(1, min(len(entries), chars // cell))
    rows = -(-len(entries) // cols)
    lines = []
    for r in range(rows):
        row = [entries[r + c * rows] for c in range(cols) if r + c * rows < len(entries)]
        lines.append("".join(e.ljust(cell) for e in row).rstrip())
    return lines


def count_key_lines(entries: list[str], width_in: float) -> int:
    return len(key_lines(entries, width_in))


def date_axis(ax, window) -> None:
    ax.set_xlim(mdates.date2num(window[0]), mdates.date2num(window[1]))
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.25, lw=0.6)


def value_axis(ax, kind: str) -> None:
    """Human units on the y-axis: ``count`` (3.4M), ``signed`` (+300k), ``percent`` (12 %)."""
    formats = {
        "count": FuncFormatter(lambda v, _p: human(v, 3)),
        "signed": FuncFormatter(lambda v, _p: ("+" if v > 0 else "") + human(v, 3)),
        "percent": Percent(),
        "signed_percent": Percent(signed=True),
    }
    ax.yaxis.set_major_formatter(formats[kind])
    if "percent" in kind:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    ax.tick_params(axis="y", labelsize=8)


class Percent(Formatter):
    """Shares as percent tick labels, with as many decimals as the tick spacing needs."""

    def __init__(self, signed: bool = False):
        self.signed = signed
        self.ticks: list[float] = []

    def set_locs(self, locs) -> None:
        self.ticks = sorted(locs)

    def __call__(self, x, pos=None):
        percents = 100 * np.asarray(self.ticks or [x])
        decimals = next((d for d in range(6) if np.allclose(
            percents * 10**d, np.round(percents * 10**d), rtol=0, atol=1e-6)), 6)
        text = f"{100 * x:.{decimals}f} %"
        return "+" + text if self.signed and x > 0 else text


def panel_title(ax, text: str, colour: str) -> None:
    ax.set_title(text, loc="left", fontsize=10, fontweight="bold", color=colour, pad=26)


def save(figure, stem: Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` atomically, then close the figure."""
    paths = []
    for fmt in ("png", "svg"):
        final = stem.with_name(f"{stem.name}.{fmt}")
        partial = stem.with_name(f"{stem.name}.{fmt}.partial")
        with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "sim"}):
            figure.savefig(partial, format=fmt, dpi=130 if fmt == "png" else None,
                           metadata={"Date": None} if fmt == "svg" else None)
        partial.replace(final)
        paths.append(final)
    plt.close(figure)
    return paths


def wrap(text: str, width_in: float) -> str:
    return textwrap.fill(text, int(width_in * 17))
