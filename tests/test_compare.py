"""Figures of results folders, ``sim plot`` and ``sim compare``: what is drawn is what the runs say.

Small results folders are made once per module (800 users, 40 days, 3 replicates) through the
library, without drawing; each test then draws only what it checks. The summary table's outcomes
are tested in ``test_outcomes.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from small_runs import SCENARIOS, make_folder, stored_runs

from sim.analysis.outcomes import run_outcomes
from sim.analysis.periods import dark_days, flow_matrix, flow_names, flow_windows
from sim.analysis.trajectories import (
    METRICS,
    bands,
    daily,
    paired_differences,
    unmatched_replicates,
    unpaired_seeds,
)
from sim.cli import main
from sim.errors import InputError
from sim.experiments.store import read_results
from sim.report import figures, style
from sim.report.compare import compare_results, plot_results


@pytest.fixture(scope="module")
def folder(three_scenarios) -> Path:
    return three_scenarios


@pytest.fixture(scope="module")
def stored(folder):
    return read_results([folder])


STALE = "trajectories-from-an-older-version.png"


@pytest.fixture(scope="module")
def drawing(folder):
    """``sim plot`` on the folder, once, over a figure an earlier drawing left behind."""
    (folder / "plots").mkdir(exist_ok=True)
    (folder / "plots" / STALE).write_bytes(b"")
    return plot_results(folder)


def line(figure, gid: str):
    found = [ln for ax in figure.axes for ln in ax.lines if ln.get_gid() == gid]
    assert len(found) == 1, f"{gid}: {len(found)} lines"
    return found[0]


def context(stored):
    labels = {p: stored.platform_label(p) for p in stored.platforms}
    palette = style.palette_for(stored.scenario_names, stored.platforms)
    markers = style.markers_of({n: stored.scenarios[n].events for n in stored.scenario_names})
    dates = pd.to_datetime(stored.timeseries["date"])
    return labels, palette, markers, (dates.min(), dates.max())


def real_users(stored):
    return {n: s.population.real_users for n, s in stored.scenarios.items()}


def test_fan_chart_median_is_the_median_of_the_stored_runs(folder, stored):
    labels, palette, markers, window = context(stored)
    table = bands(daily(stored.timeseries, METRICS["dau"], real_users(stored)))
    figure = figures.fan_chart(table, "observed-2025", METRICS["dau"], markers, palette, labels,
                               window)
    runs = stored_runs(folder, "observed-2025")
    for platform in ("rednote", "tiktok", "instagram"):
        per_run = np.array([r.loc[r["platform"] == platform, "dau_us"].to_numpy() for r in runs])
        plotted = line(figure, f"median:observed-2025:{platform}")
        np.testing.assert_allclose(plotted.get_ydata(), np.median(per_run, axis=0))
        assert plotted.get_color() == style.PLATFORM_COLORS[platform]
    assert "n = 3 replicates" in figure.texts[0].get_text()


def test_share_is_daily_users_of_the_population_over_the_real_population(folder, stored):
    table = bands(daily(stored.timeseries, METRICS["share"], real_users(stored)))
    runs = stored_runs(folder, "baseline")
    tiktok = np.array([r.loc[r["platform"] == "tiktok", "dau"].to_numpy() for r in runs])
    mine = table[(table["scenario"] == "baseline") & (table["platform"] == "tiktok")]
    np.testing.assert_allclose(mine["q50"], np.median(tiktok, axis=0) / 170e6)
    assert mine["q50"].between(0, 1).all()


def test_event_markers_sit_at_the_scenarios_dates(stored):
    labels, palette, markers, window = context(stored)
    table = bands(daily(stored.timeseries, METRICS["dau"], real_users(stored)))
    figure = figures.overlay(table, METRICS["dau"], markers, palette, labels, window)
    labelled = {pd.Timestamp(e.date) for e in stored.scenarios["observed-2025"].events
                if e.label and window[0] <= pd.Timestamp(e.date) <= window[1]}
    first = figure.axes[0]
    drawn = {mdates.num2date(ln.get_xdata()[0]).replace(tzinfo=None)
             for ln in first.lines if str(ln.get_gid()).startswith("event:")}
    assert labelled <= drawn
    numbers = sorted(int(t.get_text()) for t in first.texts if str(t.get_gid()).startswith("num"))
    assert numbers == [m.number for m in style.in_window(markers, window)]
    key = figure.texts[-1].get_text()
    assert "Supreme Court hearing" in key and "Jan 10" in key


def test_the_event_key_names_the_scenarios_that_have_an_event_in_the_fewer_words(stored):
    shown = ["observed-2025", "baseline", "ban-enforced", "translation-early"]
    inherited = ("observed-2025", "ban-enforced", "translation-early")
    assert style.having(inherited, shown) == " [all but baseline]"
    assert style.having(("ban-enforced",), shown) == " [ban-enforced]"
    assert style.having(("observed-2025", "baseline"), shown) == " [observed-2025, baseline]"
    assert style.having(tuple(shown), shown) == ""
    markers = style.markers_of({n: stored.scenarios[n].events for n in stored.scenario_names})
    key = style.key_text(markers, stored.scenario_names)
    assert any("Supreme Court hearing [all but baseline]" in entry for entry in key)
    assert any("ByteDance apps banned [ban-enforced]" in entry for entry in key)


def test_event_numbers_are_spread_apart_but_keep_their_order():
    xs = [0.10, 0.52, 0.53, 0.535, 0.54, 0.545, 0.99]
    spots = style.spread(xs, 0.05)
    assert np.all(np.diff(spots) >= 0.05 - 1e-9)
    assert spots == sorted(spots)
    assert spots[0] >= 0.025 - 1e-9 and spots[-1] <= 0.975 + 1e-9
    assert abs(spots[0] - 0.10) < 1e-9  # a lone marker keeps its place


def test_paired_difference_subtracts_replicate_k_of_the_baseline(folder, stored):
    values = daily(stored.timeseries, METRICS["dau"], real_users(stored))
    diff = paired_differences(values, "baseline")
    observed, baseline = stored_runs(folder, "observed-2025"), stored_runs(folder, "baseline")
    for k in range(3):
        want = (observed[k].loc[observed[k]["platform"] == "rednote", "dau_us"].to_numpy()
                - baseline[k].loc[baseline[k]["platform"] == "rednote", "dau_us"].to_numpy())
        got = diff[(diff["scenario"] == "observed-2025") & (diff["replicate"] == k)
                   & (diff["platform"] == "rednote")].sort_values("day")["value"]
        np.testing.assert_allclose(got, want)
    assert (diff.loc[diff["scenario"] == "baseline", "value"] == 0).all()


def test_paired_difference_of_a_scenario_with_itself_is_zero(stored):
    labels, palette, markers, window = context(stored)
    values = daily(stored.timeseries, METRICS["dau"], real_users(stored))
    same = values[values["scenario"] == "observed-2025"].assign(scenario="observed-again")
    table = bands(paired_differences(pd.concat([values, same]), "observed-2025"))
    figure = figures.difference_chart(table, "observed-2025", METRICS["dau"], markers, palette,
                                      labels, window)
    for platform in stored.platforms:
        assert not line(figure, f"median:observed-again:{platform}").get_ydata().any()
    assert np.abs(line(figure, "median:ban-enforced:tiktok").get_ydata()).max() > 1e6


def test_each_scenario_and_platform_keeps_its_colour_in_every_figure(stored):
    labels, palette, markers, window = context(stored)
    values = daily(stored.timeseries, METRICS["dau"], real_users(stored))
    overlay = figures.overlay(bands(values), METRICS["dau"], markers, palette, labels, window)
    difference = figures.difference_chart(bands(paired_differences(values, "baseline")),
                                          "baseline", METRICS["dau"], markers, palette, labels,
                                          window)
    sweep = figures.sweep_chart(run_outcomes(stored).assign(x=1.0), "x",
                                [("rednote", "peak_dau", "peak", "count")], palette, False)
    for scenario in ("observed-2025", "ban-enforced"):
        colours = {line(f, gid).get_color() for f, gid in (
            (overlay, f"median:{scenario}:rednote"), (difference, f"median:{scenario}:rednote"),
            (sweep, f"median:{scenario}:rednote:peak_dau"))}
        assert colours == {style.SCENARIO_COLORS[scenario]}
    assert line(overlay, "median:baseline:rednote").get_color() == style.SCENARIO_COLORS[
        "baseline"]
    other = style.palette_for(["mine", "yours", "baseline"], ["x"])
    assert other.scenario("mine") != other.scenario("yours")
    assert style.palette_for(["yours", "mine"], []).scenario("mine") == other.scenario("mine")


def test_flow_windows_follow_each_scenarios_events(stored):
    observed = flow_windows(stored.scenarios["observed-2025"], "tiktok")
    assert [(w.label, w.first, w.last) for w in observed] == [
        ("before the ban", 0, 17), ("TikTok dark", 18, 18), ("after restoration", 19, 39)]
    enforced = flow_windows(stored.scenarios["ban-enforced"], "tiktok")
    assert [(w.label, w.first, w.last) for w in enforced] == [
        ("before the ban", 0, 17), ("TikTok dark", 18, 39)]
    assert [w.label for w in flow_windows(stored.scenarios["baseline"], "tiktok")] == [
        "whole run"]
    assert dark_days(stored.scenarios["ban-enforced"], "lemon8")[18:].all()


def test_flow_heatmap_shows_the_median_of_the_stored_moves(folder, stored):
    scenario = stored.scenarios["observed-2025"]
    names = flow_names(list(scenario.platforms))
    runs = list(stored.runs.loc[stored.runs["scenario"] == "observed-2025", "run_id"])
    windows = flow_windows(scenario, "tiktok")
    flows = stored.flows[stored.flows["scenario"] == "observed-2025"]
    matrices = [(w, flow_matrix(flows, runs, w, names)) for w in windows]
    labels, palette, _, _ = context(stored)
    figure = figures.flow_chart(matrices, "observed-2025", scenario.simulation.start, 3, palette,
                                labels)
    dark = figure.axes[1].images[0].get_array().filled(0)
    moved = [f[(f["day"] == 18) & (f["from"] == "tiktok") & (f["to"] == "rednote")]["users"].sum()
             for f in stored_runs(folder, "observed-2025", "flows")]
    assert dark[names.index("tiktok"), names.index("rednote")] == np.median(moved)
    ticks = {t.get_text(): t.get_color() for t in figure.axes[0].get_yticklabels()}
    assert ticks["RedNote"] == style.PLATFORM_COLORS["rednote"]


def test_sim_plot_draws_every_figure_and_lists_it_in_the_index(folder, drawing):
    out = folder / "plots"
    stems = {p.stem for p in out.glob("*.png")}
    assert stems == {p.stem for p in out.glob("*.svg")}
    assert {"trajectories-dau_us", "difference-dau_us", "fan-observed-2025-dau_us",
            "flows-ban-enforced"} <= stems
    index = (out / "index.md").read_text()
    assert all(f"({stem}.png)" in index for stem in stems)
    assert f"sim plot {folder}" in index
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["scenario"]) == set(SCENARIOS)
    assert "| **RedNote** |" in (out / "summary.md").read_text()
    assert "peak daily US users" in drawing.table


def test_sim_plot_redraws_over_an_older_drawing_and_drops_its_stale_figures(folder, drawing):
    assert not (folder / "plots" / STALE).exists()
    assert all(path.is_file() for path in drawing.files)


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    """A results folder of observed-2025 swept over two values of dynamics.buzz."""
    return make_folder(tmp_path_factory.mktemp("sweep") / "sweep", ["observed-2025"],
                       ["dynamics.buzz=1,3"], replicates=2)


def test_sweep_figure_plots_the_median_at_each_swept_value(swept):
    stored = read_results([swept])
    assert stored.swept == ["dynamics.buzz"]
    outcomes = run_outcomes(stored)
    palette = style.palette_for(stored.scenario_names, stored.platforms)
    figure = figures.sweep_chart(outcomes, "dynamics.buzz",
                                 [("rednote", "peak_dau", "peak", "count")], palette, False)
    plotted = line(figure, "median:observed-2025:rednote:peak_dau")
    design = pd.read_parquet(swept / "design.parquet").set_index("run_id")["dynamics.buzz"]
    peaks = {}
    for part in sorted((swept / "timeseries").glob("*.parquet")):
        run = pd.read_parquet(part)
        value = run.loc[run["platform"] == "rednote", "dau_us"].max()
        peaks.setdefault(design[part.stem], []).append(value)
    assert list(plotted.get_xdata()) == [1.0, 3.0]
    np.testing.assert_allclose(plotted.get_ydata(), [np.median(peaks[1.0]), np.median(peaks[3.0])])


@pytest.mark.slow
def test_sim_plot_of_a_sweep_draws_it_and_says_which_point_the_other_figures_show(swept):
    drawn = plot_results(swept)
    assert (swept / "plots" / "sweep-dynamics.buzz.png").is_file()
    assert any("design point 0" in n for n in drawn.notes)


@pytest.mark.slow
def test_compare_two_folders_names_them_and_differences_identical_runs_to_zero(folder,
                                                                               tmp_path):
    twin = tmp_path / "twin"
    shutil.copytree(folder, twin, ignore=shutil.ignore_patterns("plots"))
    drawn = compare_results([folder, twin], baseline="baseline", platforms=["rednote", "tiktok"],
                            out=tmp_path / "cmp")
    assert not [n for n in drawn.notes if n.startswith("warning")]
    summary = pd.read_csv(tmp_path / "cmp" / "summary.csv")
    assert set(summary["platform"]) == {"rednote", "tiktok"}
    assert {"baseline (three)", "baseline (twin)"} <= set(summary["scenario"])
    a = summary[summary["scenario"] == "baseline (three)"]["text"].tolist()
    assert a == summary[summary["scenario"] == "baseline (twin)"]["text"].tolist()
    index = (tmp_path / "cmp" / "index.md").read_text()
    assert "sim compare" in index and "difference-dau_us.png" in index


def test_compare_warns_when_folders_come_from_other_code_or_seeds(folder, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(folder, other, ignore=shutil.ignore_patterns("plots"))
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["version"] = "9.9.9"
    manifest["experiment"]["root_seed"] = 1
    (other / "manifest.json").write_text(json.dumps(manifest))
    stored = read_results([folder, other])
    notes = " ".join(stored.notes)
    assert "different model versions" in notes and "different seeds" in notes


def test_fewer_replicates_on_the_same_seeds_is_not_a_seed_mismatch(folder, tmp_path):
    fewer = make_folder(tmp_path / "fewer", ["baseline"], replicates=2)
    stored = read_results([folder, fewer])
    assert not [n for n in stored.notes if n.startswith("warning")]
    assert unpaired_seeds(stored.runs, "baseline (fewer)") == []
    assert unmatched_replicates(stored.runs, "baseline (fewer)") == {
        "observed-2025": 1, "ban-enforced": 1, "baseline (three)": 1}
    assert unmatched_replicates(stored.runs, "baseline (three)") == {}


def test_seeds_that_differ_on_a_shared_replicate_are_still_reported():
    runs = pd.DataFrame({"scenario": ["b", "b", "s", "s", "s"], "point": 0,
                         "replicate": [0, 1, 0, 1, 2], "seed": [10, 11, 10, 99, 12]})
    assert unpaired_seeds(runs, "b") == ["s"]
    assert unmatched_replicates(runs, "b") == {"s": 1}
    runs.loc[3, "seed"] = 11
    assert unpaired_seeds(runs, "b") == []


def test_compare_warns_when_folders_simulate_different_numbers_of_users(folder, tmp_path):
    smaller = make_folder(tmp_path / "smaller", ["baseline"], replicates=1,
                          sets=["simulation.users=600"])
    notes = " ".join(read_results([folder, smaller]).notes)
    assert "different numbers of users" in notes and "(600 users)" in notes
    assert "(800 users)" in notes


@pytest.mark.parametrize("kwargs, says", [
    ({"metric": "daus"}, "did you mean 'dau'"),
    ({"baseline": "basline"}, "did you mean 'baseline'"),
    ({"platforms": ["rednot"]}, "did you mean 'rednote'"),
])
def test_unknown_names_are_input_errors_with_a_suggestion(folder, tmp_path, kwargs, says):
    with pytest.raises(InputError, match=says):
        compare_results([folder], out=tmp_path / "never", **kwargs)
    assert not (tmp_path / "never").exists()


def test_bad_folders_and_used_outputs_are_refused(folder, tmp_path, capsys):
    with pytest.raises(InputError, match="not a results folder"):
        plot_results(tmp_path)
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="never overwritten"):
        compare_results([folder], out=used)
    assert main(["compare", str(tmp_path / "nowhere")]) == 2
    assert main(["plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("error: ") for e in err)
