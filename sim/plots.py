"""Figures of a results folder: per-platform trajectories across replicates and scenarios.

Conventions: median line with 50 % and 90 % bands across replicates; one fixed colour per
scenario and per platform in every figure; small multiples per platform; dated x-axis with dashed
event markers labelled at the top; n (replicates) in the title; PNG and SVG.
"""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

PLATFORM_COLORS = {
    "tiktok": "#111111", "rednote": "#e3242b", "instagram": "#c13584", "youtube": "#ff9900",
    "lemon8": "#8db600", "douyin": "#5b4fcf", "other": "#8c8c8c",
}
SCENARIO_COLORS = {
    "baseline": "#4d4d4d", "observed-2025": "#1f77b4", "ban-enforced": "#d62728",
    "translation-early": "#2ca02c", "douyin-open": "#9467bd", "rednote-crackdown": "#ff7f0e",
    "seed-claims": "#8c564b",
}
FALLBACK = ("#17becf", "#bcbd22", "#e377c2", "#7f7f7f", "#aec7e8", "#98df8a", "#ffbb78")
METRIC_TITLES = {
    "dau_us": "Daily active US users", "dau": "Daily active users (simulated population)",
    "signups": "Sign-ups per day", "engaged": "Engaged users (not dormant)",
    "churn": "Users going dormant per day", "accounts": "Accounts",
    "protest_posts": "#TikTokRefugee posts per day",
}
DEFAULT_METRICS = ("dau_us", "signups", "engaged", "churn")
ZOOM_DAYS = 60


def color_of(name: str, palette: dict) -> str:
    """The fixed colour of a scenario or platform; unknown names get a stable colour by hash."""
    if name in palette:
        return palette[name]
    digest = int(hashlib.sha256(name.encode()).hexdigest(), 16)
    return FALLBACK[digest % len(FALLBACK)]


def plot_folder(folder: Path, summary: pd.DataFrame, events: dict[str, list]) -> list[Path]:
    """Draw the default trajectory figures of one results folder into ``folder/plots``."""
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    summary = summary[summary["point"] == summary["point"].min()]  # sweeps: the first point
    written = []
    for metric in DEFAULT_METRICS:
        for zoom in (False, True):
            suffix = "-first-60-days" if zoom else ""
            path = out / f"trajectories-{metric}{suffix}"
            figure = trajectories(summary, metric, events, zoom_days=ZOOM_DAYS if zoom else None)
            written += save(figure, path)
    return written


def save(figure, stem: Path) -> list[Path]:
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    figure.savefig(paths[0], dpi=130, bbox_inches="tight")
    figure.savefig(paths[1], bbox_inches="tight")
    plt.close(figure)
    return paths


def trajectories(summary: pd.DataFrame, metric: str, events: dict[str, list],
                 zoom_days: int | None = None):
    """Small multiples, one panel per platform, one colour per scenario, median and bands."""
    data = summary[summary["metric"] == metric]
    if zoom_days is not None:
        data = data[data["day"] < zoom_days]
    platforms = list(dict.fromkeys(data["platform"].astype(str)))
    scenarios = list(dict.fromkeys(data["scenario"].astype(str)))
    cols = min(4, len(platforms))
    rows = -(-len(platforms) // cols)
    figure, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.9 * rows + 0.6),
                                squeeze=False, sharex=True)
    for ax, platform in zip(axes.flat, platforms, strict=False):
        for scenario in scenarios:
            rows_ = data[(data["platform"] == platform) & (data["scenario"] == scenario)]
            _band(ax, rows_, color_of(scenario, SCENARIO_COLORS), scenario)
        ax.set_title(platform, color=color_of(platform, PLATFORM_COLORS), fontweight="bold",
                     loc="left", fontsize=10)
        _format_axes(ax)
    for ax in axes.flat[len(platforms):]:
        ax.set_visible(False)
    key = event_key([e for s in scenarios for e in events.get(s, [])])
    window = _window(data)
    for i, ax in enumerate(axes.flat[: len(platforms)]):
        mark_events(ax, key, label=i < cols, window=window)
    n = int(data["replicates"].max()) if len(data) else 0
    figure.suptitle(f"{METRIC_TITLES.get(metric, metric)}: median, 50 % and 90 % bands "
                    f"(n = {n} replicates per scenario)", fontsize=11)
    handles = [plt.Line2D([], [], color=color_of(s, SCENARIO_COLORS), lw=2) for s in scenarios]
    figure.legend(handles, scenarios, loc="lower center", ncol=len(scenarios), frameon=False,
                  bbox_to_anchor=(0.5, 0.035))
    figure.text(0.5, 0.01, textwrap.fill(key_text(key, window), 190), ha="center", va="bottom",
                fontsize=7, color="#333333")
    figure.tight_layout(rect=(0, 0.09, 1, 0.95))
    return figure


def _band(ax, rows: pd.DataFrame, color: str, label: str) -> None:
    dates = pd.to_datetime(rows["date"])
    ax.fill_between(dates, rows["q05"], rows["q95"], color=color, alpha=0.12, lw=0)
    ax.fill_between(dates, rows["q25"], rows["q75"], color=color, alpha=0.28, lw=0)
    ax.plot(dates, rows["q50"], color=color, lw=1.6, label=label)


def _format_axes(ax) -> None:
    locator = mdates.AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_human))
    ax.grid(alpha=0.25)
    ax.set_ylim(bottom=0)


def _window(data: pd.DataFrame):
    dates = pd.to_datetime(data["date"])
    return (dates.min(), dates.max()) if len(dates) else None


def event_key(events: list) -> list[tuple[pd.Timestamp, int, str]]:
    """Labelled events, numbered in date order, one entry per (date, label)."""
    key, seen = [], set()
    for event in sorted(events, key=lambda e: e.date):
        when = pd.Timestamp(event.date)
        if event.label and (when, event.label) not in seen:
            seen.add((when, event.label))
            key.append((when, len(key) + 1, event.label))
    return key


def mark_events(ax, key: list, label: bool, window=None) -> None:
    """Dashed vertical lines at event dates, numbered at the top (the key is under the figure)."""
    stacked: dict = {}
    for when, number, _text in key:
        if window and not (window[0] <= when <= window[1]):
            continue
        ax.axvline(when, color="#555555", ls="--", lw=0.7, alpha=0.7)
        if label:
            level = stacked.setdefault(when, 0)
            stacked[when] += 1
            ax.text(when, 1.01 + 0.07 * level, str(number), transform=ax.get_xaxis_transform(),
                    fontsize=7, va="bottom", ha="center", color="#333333")


def key_text(key: list, window=None) -> str:
    shown = [f"{n} {text} ({when:%m-%d})" for when, n, text in key
             if not window or window[0] <= when <= window[1]]
    return "   ".join(shown)


def _human(value: float, _pos=None) -> str:
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{unit}"
    return f"{value:g}"
