"""The dashboard without a browser: the panel read off the schema, changes as a scenario file that
extends the one loaded (saved safely, run by ``sim run`` to the same numbers), the engine that
stops stale runs, the single-run model for Mesa's SolaraViz. The page itself is tested in a
browser in ``test_dashboard_page.py``."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("solara", reason="the dashboard extra: pip install -e '.[dashboard]'")

from sim.cli import main
from sim.dashboard import tweaks as edits
from sim.dashboard.engine import Engine, Plan, compute, figure_jobs, run_key, stored_of
from sim.dashboard.pages import DayByDay
from sim.dashboard.tweaks import groups, knobs, set_by_events
from sim.errors import InputError
from sim.scenario.loading import load_scenario, resolve_path
from sim.scenario.schema import Dynamics, Motives, Platform

SMALL = {"simulation": {"users": 1000, "days": 30, "replicates": 2}}


@pytest.fixture(scope="module")
def observed():
    base = resolve_path("observed-2025")
    return base, load_scenario(base)


@pytest.fixture
def small(tmp_path) -> Path:
    """A small scenario file extending observed-2025 (1,000 users, 30 days, 2 replicates)."""
    import tomli_w

    path = tmp_path / "small.toml"
    path.write_text(tomli_w.dumps({"extends": "observed-2025", **SMALL}))
    return path


def test_every_field_of_the_schema_has_a_knob_with_its_bounds_and_help(observed):
    found = {k.path: k for k in knobs(observed[1])}
    for table, model in (("motives", Motives), ("dynamics", Dynamics)):
        for name, info in model.model_fields.items():
            assert found[f"{table}.{name}"].help == info.description
    for platform in observed[1].platforms:
        for name in Platform.model_fields:
            assert f"platforms.{platform}.{name}" in found
    barrier = found["platforms.rednote.language_barrier"]
    assert (barrier.low, barrier.high, barrier.kind) == (0.0, 1.0, "number")
    assert barrier.slider() == (0.0, 1.0, 0.01)
    assert found["population.curiosity.mean"].high == 1.0
    assert found["population.age_shares.18-29"].value == 0.30
    assert found["dynamics.buzz"].high is None and found["dynamics.buzz"].slider()[1] > 0
    assert found["platforms.tiktok.available"].kind == "switch"
    assert next(iter(groups(list(found.values())))) == "Run"
    assert {"simulation.users", "simulation.days", "simulation.replicates",
            "simulation.seed"} <= set(found)


def test_a_search_finds_fields_by_name_or_help(observed):
    found = [k.path for k in knobs(observed[1]) if k.matches("rednote language")]
    assert found == ["platforms.rednote.language_barrier"]
    assert any(k.path == "motives.protest" for k in knobs(observed[1]) if k.matches("anger"))


def test_the_fields_dated_events_override_are_named_with_their_dates(observed, tmp_path):
    notes = set_by_events(observed[1])
    assert notes["platforms.rednote.language_barrier"] == "2025-01-18 → 0.3 (RedNote translation)"
    assert notes["initial_threat"].count("→") == 4 and "platforms.rednote.appeal" not in notes
    assert "2025-02-13 → true" in notes["platforms.tiktok.installable"]
    ban = edits.Row({"kind": "owner_ban", "date": dt.date(2025, 1, 5), "owner": "ByteDance"},
                    added=True)
    banned = edits.load(edits.Tweaks.of(*observed).with_row(99, ban), tmp_path)
    assert set_by_events(banned)["platforms.douyin.available"] == "2025-01-05 → false"
    short = banned.model_copy(update={"simulation": banned.simulation.model_copy(
        update={"days": 15})})
    assert "platforms.rednote.language_barrier" not in set_by_events(short)  # after the last day


def test_changes_make_a_file_that_extends_the_base_with_only_them(observed, tmp_path):
    base, loaded = observed
    changed = edits.Tweaks.of(base, loaded).set("platforms.rednote.appeal", 0.5,
                                                loaded.platforms["rednote"].appeal)
    changed = changed.set("simulation.users", 2000, 20_000)
    doc = changed.document(tmp_path)
    assert doc["extends"] == "observed-2025"  # shipped: found by name wherever the file is
    assert doc["platforms"] == {"rednote": {"appeal": 0.5}} and doc["simulation"] == {
        "users": 2000}
    assert "events" not in doc and "add_events" not in doc
    back = changed.set("platforms.rednote.appeal", loaded.platforms["rednote"].appeal,
                       loaded.platforms["rednote"].appeal)
    assert "platforms" not in back.document()  # set back: no longer a change
    scenario = edits.load(changed, tmp_path)
    assert scenario.platforms["rednote"].appeal == 0.5 and scenario.name == edits.TWEAKED


def test_events_can_be_switched_off_redated_and_added(observed, tmp_path):
    base, loaded = observed
    start = edits.Tweaks.of(base, loaded)
    added = edits.Row({"kind": "ban_threat", "date": dt.date(2025, 3, 1), "value": 0.9,
                       "label": "New threat"}, added=True)
    more = start.with_row(len(start.rows), added)
    assert more.document()["add_events"] == [added.event]
    assert len(edits.load(more, tmp_path).events) == len(loaded.events) + 1
    off = more.with_row(0, replace(more.rows[0], on=False))
    moved = off.with_row(1, replace(off.rows[1], event={**off.rows[1].event,
                                                        "date": dt.date(2025, 1, 30)}))
    scenario = edits.load(moved, tmp_path)
    assert len(scenario.events) == len(loaded.events)  # one off, one added
    assert scenario.events[0].date == dt.date(2025, 1, 30)
    assert "switched off" in " ".join(moved.changes) and "moved from" in " ".join(moved.changes)


def test_a_timed_event_moved_to_another_day_loses_its_old_time(observed, tmp_path):
    base, loaded = observed
    start = edits.Tweaks.of(base, loaded)
    timed = next(i for i, row in enumerate(start.rows) if row.event.get("at"))
    moved = start.with_row(timed, start.rows[timed].redated(edits.parse_date("2025-01-17")))
    event = edits.load(moved, tmp_path).events[timed]
    assert (event.date, event.at) == (dt.date(2025, 1, 17), None)
    later = start.with_row(timed, start.rows[timed].redated(
        edits.parse_date("2025-01-17T06:00:00-05:00")))
    assert edits.load(later, tmp_path).events[timed].at.hour == 6


def test_a_bad_value_is_named_by_its_field_and_event_dates_by_their_row(observed, tmp_path):
    base, loaded = observed
    start = edits.Tweaks.of(base, loaded)
    for text, words in (("2", "less than or equal to 1"), ("abc", "valid number")):
        bad = start.set("platforms.rednote.language_barrier",
                        edits.parse_value("x", text), 0.8)
        with pytest.raises(InputError) as caught:
            edits.load(bad, tmp_path)
        assert caught.value.field == "platforms.rednote.language_barrier"
        assert words in caught.value.message
    row = start.rows[3]
    bad = start.with_row(3, replace(row, event={**row.event,
                                                "date": edits.parse_date("2025-2-30")}))
    with pytest.raises(InputError) as caught:
        edits.load(bad, tmp_path)
    assert caught.value.field == "events.3.date" and bad.where("events.3.date") == "events.3"


def test_save_writes_only_inside_the_folder_and_never_over_a_file(observed, tmp_path):
    base, loaded = observed
    changed = edits.Tweaks.of(base, loaded).set("motives.protest", 0.5, 1.0)
    saved = edits.save(changed, tmp_path, "what-if")
    assert saved == tmp_path / "what-if.toml" and saved.read_text().startswith("# Made by")
    for name in ("../escape", "sub/dir", ".hidden", "what-if", "a b", ""):
        with pytest.raises(InputError):
            edits.save(changed, tmp_path, name)
    with pytest.raises(InputError):
        edits.save(changed, tmp_path / "missing", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["what-if.toml"]
    assert load_scenario(saved).motives.protest == 0.5


def test_the_default_save_folder_is_made_under_results(observed, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    changed = edits.Tweaks.of(*observed).set("motives.protest", 0.5, 1.0)
    saved = edits.save(changed, tmp_path / "results" / "scenarios", "what-if")
    assert saved.parent.resolve() == (tmp_path / edits.SAVED).resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    assert load_scenario(saved).motives.protest == 0.5


def test_a_file_that_extends_another_file_is_saved_relative_to_it(small, tmp_path):
    loaded = load_scenario(small)
    folder = tmp_path / "mine"
    folder.mkdir()
    changed = edits.Tweaks.of(small, loaded).set("dynamics.buzz", 2.0, loaded.dynamics.buzz)
    saved = edits.save(changed, folder, "x.toml")
    assert changed.document(folder)["extends"] == "../small.toml"
    assert load_scenario(saved).dynamics.buzz == 2.0
    assert load_scenario(saved).simulation.users == 1000


def test_the_single_run_view_model_stops_on_its_last_day(small):
    model = DayByDay(load_scenario(small), rng=1)
    steps = 0
    while model.running and steps < 100:
        model.step()
        steps += 1
    model.step()  # one more (SolaraViz's Step): nothing happens
    frame = model.datacollector.get_model_vars_dataframe()
    assert steps == 30 and len(frame) == 30 and not model.running
    assert {"ban_threat", "dau_rednote"} <= set(frame.columns)


def test_the_run_key_ignores_names_and_words_not_inputs(observed):
    loaded = observed[1]
    renamed = loaded.model_copy(update={"name": "other", "question": "?"})
    assert run_key(loaded, 1) == run_key(renamed, 1) != run_key(loaded, 2)
    assert run_key(loaded, 1) != run_key(loaded.model_copy(update={"initial_threat": 0.1}), 1)


def test_sim_dashboard_refuses_a_bad_scenario_before_serving(capsys):
    assert main(["dashboard", "no-such-scenario"]) == 2
    assert "no such scenario" in capsys.readouterr().err


def column(markdown: str, index: int) -> list[str]:
    """One column of a Markdown table, its header first."""
    return [[cell.strip() for cell in line.strip().strip("|").split("|")][index]
            for line in markdown.splitlines() if line.startswith("|") and "---" not in line]


@pytest.fixture(scope="module")
def engine():
    pool = Engine(2)
    yield pool
    pool.close()


@pytest.mark.slow
def test_the_saved_file_runs_through_sim_run_to_the_same_numbers(small, tmp_path, engine):
    loaded = load_scenario(small)
    changed = edits.Tweaks.of(small, loaded).set("platforms.rednote.language_barrier", 0.2,
                                                  loaded.platforms["rednote"].language_barrier)
    plan = Plan.of(edits.load(changed, tmp_path), loaded, load_scenario("baseline"))
    shown = compute(engine, "test", plan, "dau", "whole run")
    assert [s for s in shown.scenarios] == [edits.TWEAKED, "small", "baseline"]
    saved = edits.save(changed, tmp_path, "what-if")
    out = tmp_path / "out"
    assert main(["run", str(saved), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    futures = engine.want("test", [(plan.scenarios[edits.TWEAKED], seed) for seed in plan.seeds])
    for k, future in enumerate(futures):
        mine = future.result()[0]
        theirs = pd.read_parquet(out / "timeseries" / f"what-if-r{k:03d}.parquet")
        pd.testing.assert_frame_equal(mine.reset_index(drop=True),  # Parquet keeps dates in ms
                                      theirs[mine.columns].reset_index(drop=True),
                                      check_dtype=False)
    cli = (out / "plots" / "summary.md").read_text()
    assert column(shown.summary, 1)[1:] == column(cli, 1)[1:]  # the page's tweaked column is
    # sim run's table of the saved file
    assert shown.figures[0][0].startswith("Daily active US users")
    assert all(picture.startswith(b"\x89PNG") for _, picture in shown.figures)


@pytest.mark.slow
def test_a_burst_of_changes_ends_with_the_last_and_stale_runs_stop(small, tmp_path, engine):
    loaded = load_scenario(small)
    long = loaded.model_copy(update={"simulation": loaded.simulation.model_copy(
        update={"days": 3650, "users": 3000})})
    first = engine.want("burst", [(long, 1), (long, 2)])
    time.sleep(0.5)
    results = {}

    def change(i: int) -> None:
        changed = edits.Tweaks.of(small, loaded).set("dynamics.buzz", 1.0 + i, None)
        plan = Plan.of(edits.load(changed, tmp_path / str(i)), loaded, None)
        results[i] = compute(engine, "burst", plan, "dau", "whole run",
                             current=lambda: latest[0] == i)

    latest = [0]
    threads = []
    for i in range(5):
        (tmp_path / str(i)).mkdir()
        latest[0] = i
        thread = threading.Thread(target=change, args=(i,))
        thread.start()
        threads.append(thread)
        time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=120)
    started = time.monotonic()
    assert all(f.cancelled() or f.result() is None for f in first)  # 10 years: stopped early
    assert time.monotonic() - started < 5
    assert results[4] is not None and all(results[i] is None for i in range(4))
    assert engine.in_flight() == 0


@pytest.mark.slow
def test_the_figures_are_sim_plots_own(small, engine):
    loaded = load_scenario(small)
    plan = Plan.of(loaded, loaded, load_scenario("baseline"))
    results = [f.result() for f in engine.want("figures", [(s, seed) for s in
                                                           plan.scenarios.values()
                                                           for seed in plan.seeds])]
    n = len(plan.seeds)
    stored = stored_of({name: (s, results[i * n:(i + 1) * n])
                        for i, (name, s) in enumerate(plan.scenarios.items())}, plan.seeds)
    jobs = figure_jobs(stored, plan.baseline, "signups", "whole run")
    assert [function for _, function, _ in jobs] == ["overlay", "difference_chart"]
    flows = figure_jobs(stored, plan.baseline, "flows", "whole run")
    assert {function for _, function, _ in flows} == {"flow_chart"}
    assert len(flows) == len(plan.scenarios) == 3  # small, small (as loaded), baseline
