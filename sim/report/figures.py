"""The figures: fan charts, scenario overlays, paired differences, flows and sweeps.

Each function takes plain tables (see :mod:`sim.analysis.trajectories`, :mod:`sim.analysis.periods`,
:mod:`sim.analysis.outcomes`) and returns a matplotlib Figure; nothing here reads files. Plotted
artists carry a ``gid`` naming what they show (``median:<scenario>:<platform>``,
``event:<number>``), so tests and readers can check the figure against the data.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from sim.analysis.periods import Window
from sim.analysis.trajectories import Metric
from sim.report import style
from sim.report.style import Marker, Palette
from sim.units import human

BAND_WORDS = "line: median; shading: middle 50 % and 90 % of replicates"


def _band(ax, rows: pd.DataFrame, colour: str, gid: str, alpha: float = 1.0,
          width: float = 1.5) -> None:
    dates = pd.to_datetime(rows["date"]).to_numpy()
    ax.fill_between(dates, rows["q05"], rows["q95"], color=colour, alpha=0.13 * alpha, lw=0,
                    gid=f"band90:{gid}")
    ax.fill_between(dates, rows["q25"], rows["q75"], color=colour, alpha=0.3 * alpha, lw=0,
                    gid=f"band50:{gid}")
    ax.plot(dates, rows["q50"], color=colour, lw=width, gid=f"median:{gid}")


def _width(i: int) -> float:
    """Line widths narrowing by scenario, so that identical medians still show every colour."""
    return max(1.0, 2.6 - 0.55 * i)


def _spread(table: pd.DataFrame) -> str:
    """What the bands are made of: replicates, or (``table.attrs["ensemble"]``, for runs at
    posterior draws) draws × replicates, parameter and run-to-run uncertainty together."""
    ensemble = table.attrs.get("ensemble")
    if not ensemble:
        return BAND_WORDS
    return (f"line: median; shading: middle 50 % and 90 % of {ensemble['draws']} posterior "
            f"draws × {ensemble['replicates']} replicates (parameter and run-to-run uncertainty)")


def _replicates(table: pd.DataFrame, scenarios: list[str]) -> str:
    ensemble = table.attrs.get("ensemble")
    if ensemble:
        return f"n = {ensemble['draws']} draws × {ensemble['replicates']} replicates"
    counts = sorted({int(table.loc[table["scenario"] == s, "n"].max()) for s in scenarios})
    span = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
    return f"n = {span} replicate{'s' if counts[-1] != 1 else ''}"


def _trajectory_panels(table, platforms, labels, palette, markers, window, kind, draw,
                       title, subtitle, handles=None, legend_labels=None, zero=False):
    """Shared frame of the per-platform figures: ``draw(ax, platform)`` fills each panel."""
    shown = in_window_markers(markers, window)
    entries = style.key_text(shown, list(dict.fromkeys(table["scenario"])))
    dates = pd.to_datetime(table["date"])
    table = table[(dates >= window[0]) & (dates <= window[1])]
    width = style.PANEL_W * min(4, len(platforms)) + 0.4
    figure, axes = style.small_multiples(len(platforms), key_lines=style.count_key_lines(
        entries, width), legend=bool(handles))
    cols = min(4, len(platforms))
    for i, (ax, platform) in enumerate(zip(axes, platforms, strict=True)):
        rows = table[table["platform"] == platform]
        draw(ax, rows)
        empty = not rows[["q05", "q95"]].to_numpy().any()
        if empty:
            ax.text(0.5, 0.5, "0 in every run", transform=ax.transAxes, ha="center",
                    va="center", fontsize=9, color="#777777")
        style.date_axis(ax, window)
        style.value_axis(ax, kind)
        if empty:
            ax.set_yticks([0])
        if zero:
            ax.axhline(0, color="#222222", lw=0.8, zorder=1.5)
        elif kind in ("count", "percent"):
            ax.set_ylim(bottom=0)
        style.panel_title(ax, labels.get(platform, platform), palette.platform(platform))
        style.mark_events(ax, shown, numbered=i < cols)
    style.titles(figure, title, subtitle)
    style.bottom_key(figure, entries, handles, legend_labels)
    return figure


def in_window_markers(markers: list[Marker], window) -> list[Marker]:
    return style.in_window(markers, window)


def fan_chart(table: pd.DataFrame, scenario: str, metric: Metric, markers: list[Marker],
              palette: Palette, labels: dict[str, str], window) -> object:
    """One scenario: a panel per platform in the platform's colour, median and bands."""
    mine = table[table["scenario"] == scenario]
    platforms = list(dict.fromkeys(mine["platform"]))
    own = [m for m in markers if scenario in m.scenarios]  # numbered as in every other figure

    def draw(ax, rows):
        platform = rows["platform"].iloc[0]
        _band(ax, rows, palette.platform(platform), f"{scenario}:{platform}", alpha=1.6)

    kind = "percent" if metric.percent else "count"
    return _trajectory_panels(
        mine, platforms, labels, palette, own, window, kind, draw,
        f"{scenario}: {metric.title} ({_replicates(table, [scenario])})",
        f"{_spread(table)}. {metric.note[0].upper()}{metric.note[1:]}.")


def _scenario_bands(scenarios: list[str], palette: Palette):
    """How a panel draws several scenarios (median and bands, one colour and width each), and
    their legend handles."""

    def draw(ax, rows):
        platform = rows["platform"].iloc[0]
        for i, scenario in enumerate(scenarios):
            _band(ax, rows[rows["scenario"] == scenario], palette.scenario(scenario),
                  f"{scenario}:{platform}", width=_width(i))

    return draw, [Line2D([], [], color=palette.scenario(s), lw=2.5) for s in scenarios]


def overlay(table: pd.DataFrame, metric: Metric, markers: list[Marker], palette: Palette,
            labels: dict[str, str], window) -> object:
    """Every scenario on each platform's panel, one colour per scenario, median and bands."""
    scenarios = list(dict.fromkeys(table["scenario"]))
    platforms = list(dict.fromkeys(table["platform"]))

    draw, handles = _scenario_bands(scenarios, palette)
    kind = "percent" if metric.percent else "count"
    return _trajectory_panels(
        table, platforms, labels, palette, markers, window, kind, draw,
        f"{metric.title} by scenario ({_replicates(table, scenarios)} per scenario)",
        f"{_spread(table)}. {metric.note[0].upper()}{metric.note[1:]}.", handles, scenarios)


def difference_chart(table: pd.DataFrame, baseline: str, metric: Metric, markers: list[Marker],
                     palette: Palette, labels: dict[str, str], window) -> object:
    """Each scenario minus the baseline, replicate by replicate on the same seeds, with bands."""
    scenarios = [s for s in dict.fromkeys(table["scenario"]) if s != baseline]
    platforms = list(dict.fromkeys(table["platform"]))

    draw, handles = _scenario_bands(scenarios, palette)
    names = [f"{s} − {baseline}" for s in scenarios]
    kind = "signed_percent" if metric.percent else "signed"
    return _trajectory_panels(
        table, platforms, labels, palette, markers, window, kind, draw,
        f"{metric.title}: difference from {baseline} "
        f"({_replicates(table, scenarios).replace('replicate', 'pair')})",
        f"Replicate k of each scenario minus replicate k of {baseline} (the same seed); "
        f"{_spread(table).replace('replicates', 'pairs')}. Above 0: more than without the change.",
        handles, names, zero=True)


def flow_chart(matrices: list[tuple[Window, pd.DataFrame]], scenario: str, start, n: int,
               palette: Palette, labels: dict[str, str]) -> object:
    """Who moved their main app where, one heatmap per window (rows: from, columns: to)."""
    import matplotlib.pyplot as plt

    values = [m.to_numpy(dtype=float) for _, m in matrices]
    positive = np.concatenate([v[v > 0] for v in values] + [np.array([np.nan])])
    top = np.nanmax(positive) if np.isfinite(positive).any() else 1.0
    low = np.nanmin(positive) if np.isfinite(positive).any() else 1.0
    norm = LogNorm(vmin=max(top / 1e4, min(low, top / 10)), vmax=top)
    names = list(matrices[0][1].index)
    ticks = [labels.get(p, p) if p != "none" else "no main app" for p in names]
    side, gap, left, right, top_in, bottom = 0.36 * len(names), 0.3, 1.35, 1.0, 1.2, 1.2
    width = left + len(matrices) * side + (len(matrices) - 1) * gap + right
    left += max(0.0, 7.5 - width) / 2  # a single window still leaves room for the title
    width = max(width, 7.5)
    height = top_in + side + bottom
    figure = plt.figure(figsize=(width, height))
    image = None
    for k, ((window, _), grid) in enumerate(zip(matrices, values, strict=True)):
        ax = figure.add_axes(((left + k * (side + gap)) / width, bottom / height,
                              side / width, side / height))
        image = ax.imshow(np.ma.masked_less_equal(grid, 0), cmap="viridis", norm=norm,
                          aspect="equal", gid=f"flows:{window.label}")
        if not (grid > 0).any():
            ax.text(len(names) / 2 - 0.5, len(names) / 2 - 0.5, "no moves\n(median over runs)",
                    ha="center", va="center", fontsize=9, color="#777777")
        for (i, j), value in np.ndenumerate(grid):
            if value > 0:
                ax.text(j, i, human(value), ha="center",
                        va="center", fontsize=5.5, color="white" if norm(value) < 0.6 else "black")
        ax.set_xticks(range(len(names)), ticks, rotation=50, ha="right", fontsize=7.5,
                      rotation_mode="anchor")
        ax.set_yticks(range(len(names)), ticks if k == 0 else [], fontsize=7.5)
        for tick, name in zip([*ax.get_xticklabels(), *ax.get_yticklabels()], names * 2,
                              strict=False):
            tick.set_color(palette.platform(name))
            tick.set_fontweight("bold")
        ax.set_xticks(np.arange(len(names) + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(len(names) + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="#eeeeee", lw=0.5)
        ax.tick_params(which="minor", length=0)
        ax.set_xlabel("main app after", fontsize=8)
        if k == 0:
            ax.set_ylabel("main app before", fontsize=8)
        ax.set_title(f"{window.label}\n{window.dates(start)}", fontsize=9.5)
    if np.isfinite(positive).any():
        bar = figure.add_axes(((left + len(matrices) * (side + gap) - gap + 0.2) / width,
                               bottom / height, 0.12 / width, side / height))
        figure.colorbar(image, cax=bar)
        bar.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: human(v)))
        bar.tick_params(labelsize=7)
    figure.text(0.5, 1 - 0.12 / height, f"{scenario}: who moved their main app where "
                f"(n = {n} replicates)", ha="center", va="top", fontsize=12, fontweight="bold")
    figure.text(0.5, 1 - 0.45 / height, style.wrap(
        "Users whose main app (the one they open first) changed, per window: median over "
        "replicates, colour on a log scale. Most keep their other apps too.", width),
        ha="center", va="top", fontsize=8, color="#333333")
    return figure


def sweep_chart(outcomes: pd.DataFrame, field: str, panels: list[tuple[str, str, str, str]],
                palette: Palette, others_swept: bool) -> object:
    """Outcomes against one swept field: per scenario, median and bands over replicates at each
    value. ``panels``: (platform, outcome, title, kind) per panel."""
    scenarios = list(dict.fromkeys(outcomes["scenario"]))
    figure, axes = style.small_multiples(len(panels), legend=True)
    for ax, (platform, outcome, title, kind) in zip(axes, panels, strict=True):
        mine = outcomes[(outcomes["platform"] == platform) & (outcomes["outcome"] == outcome)]
        for scenario in scenarios:
            values = mine[mine["scenario"] == scenario].dropna(subset=[field, "value"])
            if values.empty:
                continue
            q = values.groupby(field)["value"].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
            colour, gid = palette.scenario(scenario), f"{scenario}:{platform}:{outcome}"
            if others_swept:  # points differ in other fields too: no line between them
                ax.vlines(q.index, q[0.05], q[0.95], color=colour, alpha=0.35, lw=1.2,
                          gid=f"band90:{gid}")
                ax.vlines(q.index, q[0.25], q[0.75], color=colour, alpha=0.7, lw=3,
                          gid=f"band50:{gid}")
                ax.plot(q.index, q[0.5], color=colour, ls="none", marker="o", ms=4,
                        gid=f"median:{gid}")
                continue
            ax.fill_between(q.index, q[0.05], q[0.95], color=colour, alpha=0.13, lw=0,
                            gid=f"band90:{gid}")
            ax.fill_between(q.index, q[0.25], q[0.75], color=colour, alpha=0.3, lw=0,
                            gid=f"band50:{gid}")
            ax.plot(q.index, q[0.5], color=colour, lw=1.5, marker="o", ms=3.5,
                    gid=f"median:{gid}")
        style.value_axis(ax, kind)
        ax.set_title(textwrap.fill(title, 40), loc="left", fontsize=9.5, fontweight="bold",
                     color=palette.platform(platform))
        ax.set_xlabel(field, fontsize=8)
        xs = sorted(mine[field].dropna().unique())
        if 1 < len(xs) <= 12:
            ax.set_xticks(xs, [f"{x:.3g}" for x in xs])
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.25, lw=0.6)
    n = int(outcomes.groupby(["scenario", field])["run_id"].nunique().max()) if len(
        outcomes) else 0
    across = (" (each point also differs in the other swept fields: read the trend, not the "
              "wiggles)" if others_swept else "")
    words = ("dot: median; bars: middle 50 % and 90 % of replicates" if others_swept
             else BAND_WORDS)
    style.titles(figure, f"Outcomes against {field} (n = {n} replicates per value)",
                 f"{words} at each value{across}")
    handles = [Line2D([], [], color=palette.scenario(s), lw=2.5) for s in scenarios]
    style.bottom_key(figure, [], handles, scenarios)
    return figure
