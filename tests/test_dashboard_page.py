"""The dashboard in a real browser (headless Chromium driven by Playwright), as a person uses it:
move a slider and see the numbers move the right way, type a bad value and see why, save the
scenario and get the same numbers from ``sim run``, open a results folder, step one run in Mesa's
SolaraViz. The page is read, not its pixels. Skipped, saying how to get a browser, without one."""

from __future__ import annotations

import pytest

pytest.importorskip("solara", reason="the dashboard extra: pip install -e '.[dashboard]'")

from browser import HOW_TO_GET_ONE, Page, Server, find_browser, number

from sim.cli import main

pytestmark = pytest.mark.slow
BARRIER = "platforms.rednote.language_barrier"
TRIED = ("RedNote", "tried it (signed up), % of US TikTok users")
PEAK = ("RedNote", "peak daily US users")


@pytest.fixture(scope="module")
def browser():
    executable = find_browser()
    if executable is None:
        pytest.skip(HOW_TO_GET_ONE)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = Page.launch(playwright, executable)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Where the server runs: a small scenario (3,000 users, 60 days, 2 replicates)."""
    here = tmp_path_factory.mktemp("dashboard")
    (here / "small.toml").write_text('extends = "observed-2025"\n\n[simulation]\nusers = 3000\n'
                                     "days = 60\nreplicates = 2\n")
    return here


@pytest.fixture(scope="module")
def server(folder, browser):
    running = Server(["small.toml"], folder)
    yield running
    running.stop()


@pytest.fixture
def page(browser, server):
    opened = Page(browser, server.url).open()
    yield opened
    opened.page.close()


def test_raising_rednotes_language_barrier_lowers_rednotes_numbers(page):
    assert page.cell(*TRIED, "tweaked") == page.cell(*TRIED, "small")  # nothing changed yet
    before = page.asked()
    page.press_slider(BARRIER, "Home")  # the slider to 0: no language barrier
    page.wait_for_change(before)
    low = {outcome: number(page.cell(*outcome, "tweaked")) for outcome in (TRIED, PEAK)}
    assert "language_barrier = 0" in page.page.locator(".dash-changes").inner_text()
    before = page.asked()
    page.press_slider(BARRIER, "End")  # to 1: a wholly foreign interface
    page.wait_for_change(before)
    high = {outcome: number(page.cell(*outcome, "tweaked")) for outcome in (TRIED, PEAK)}
    assert high[TRIED] < low[TRIED] and high[PEAK] < low[PEAK]
    loaded = number(page.cell(*TRIED, "small"))  # 0.8 as loaded: in between
    assert high[TRIED] <= loaded <= low[TRIED]


def test_a_bad_value_shows_its_error_next_to_the_field_and_keeps_the_results(page, server):
    table = page.table()
    shown = page.status()["shown"]
    for text, words in (("1.5", "less than or equal to 1"), ("abc", "valid number")):
        page.type_value(BARRIER, text)
        page.knob(BARRIER).get_by_text(words).wait_for(timeout=30_000)
        assert page.table() == table and page.status()["shown"] == shown
    assert page.page.get_by_text("A value is not valid").count() == 1
    page.type_value(BARRIER, "0.6")  # fixed: the error goes, the change is computed
    page.wait_for_change(int(shown))
    assert page.knob(BARRIER).get_by_text("less than or equal").count() == 0
    assert server.process.poll() is None and "Traceback" not in server.log()


def test_a_saved_scenario_goes_to_results_scenarios_and_gives_the_same_numbers(page, folder):
    before = page.asked()
    page.type_value(BARRIER, "0.3")
    page.wait_for_change(before)
    page.page.locator(".save-name input").fill("what-if")
    page.page.locator(".save-button").click()
    page.page.locator(".save-told").wait_for(timeout=30_000)
    saved = folder / "results" / "scenarios" / "what-if.toml"  # by default: not where it runs
    assert saved.is_file() and "language_barrier = 0.3" in saved.read_text()
    assert not list(folder.glob("*what-if*")) and str(saved) in page.page.locator(
        ".save-told").inner_text()
    rows = page.table()
    column = rows[0].index("tweaked")
    out = folder / "results" / "what-if"
    assert main(["run", str(saved), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    theirs = [line.split(" | ") for line in (out / "plots" / "summary.md").read_text()
              .splitlines() if line.startswith("| ") and not line.startswith("|---")]
    assert [row[column] for row in rows[1:]] == [
        row[1].strip().strip("|").strip() for row in theirs[1:]]


def test_the_metric_and_window_switch_without_running_again(page, server):
    for button, caption in (("sign-ups", "New accounts per day"),
                            ("flows", "who moved their main app where")):
        before = page.asked()
        page.page.get_by_role("button", name=button).click()
        page.wait_for_change(before, timeout=60)
        assert caption in page.page.locator(".dash-captions").inner_text()
    before = page.asked()
    page.page.get_by_role("button", name="daily users").click()
    page.wait_for_change(before, timeout=60)
    assert "Daily active US users" in page.page.locator(".dash-captions").inner_text()


def test_open_results_shows_a_folders_figures_and_summary(page, folder):
    if not (folder / "results" / "what-if" / "plots").is_dir():
        main(["run", str(folder / "small.toml"), "--out", str(folder / "results" / "what-if"),
              "--workers", "1", "--quiet", "--replicates", "1"])
    page.page.get_by_text("Open results").click()
    page.page.get_by_label("or a folder (path)").fill(str(folder / "results" / "what-if"))
    page.page.get_by_role("button", name="Open").click()
    page.page.locator(".results-figure img, img.results-figure").first.wait_for(timeout=60_000)
    assert page.page.locator(".results-summary table").count() == 1


def test_one_run_steps_in_mesas_solaraviz(page):
    page.page.get_by_text("One run (Mesa SolaraViz)").click()
    page.page.get_by_text("press Step or Play").wait_for(timeout=60_000)
    page.page.get_by_role("button", name="Step").click()
    page.page.get_by_text("Time: 1.0").wait_for(timeout=60_000)


def test_the_events_editor_switches_off_moves_and_adds_events(page):
    """The law upheld on Jan 17 raises the threat to 0.95 until Jan 20: without it fewer try
    RedNote; with it a day before the pause, between the two; a new threat of 0.95 after the
    pause, more."""
    law = page.page.locator(".event--2")
    tick = law.locator(".v-input--selection-controls__ripple")  # where a person clicks
    assert "Law upheld 9-0" in law.inner_text()
    loaded = number(page.cell(*TRIED, "tweaked"))

    def tried_after(change) -> float:
        before = page.asked()
        change()
        page.wait_for_change(before)
        return number(page.cell(*TRIED, "tweaked"))

    off = tried_after(tick.click)
    assert "switched off ban_threat Law upheld 9-0" in page.page.locator(
        ".dash-changes").inner_text()
    assert off < loaded
    assert tried_after(tick.click) == loaded  # kept runs

    def redate() -> None:
        box = law.locator("input[type=text]")
        box.fill("2025-01-19")
        box.press("Enter")

    moved = tried_after(redate)
    assert "moved from 2025-01-17 to 2025-01-19" in page.page.locator(".dash-changes").inner_text()
    assert off < moved < loaded

    def add() -> None:
        page.page.get_by_text("Add an event").click()
        for label, text in (("date (YYYY-MM-DD)", "2025-01-21"), ("value", "0.95")):
            box = page.page.get_by_label(label, exact=True)
            box.fill(text)
            box.press("Enter")
        page.page.get_by_role("button", name="Add", exact=True).click()

    assert tried_after(add) > moved
    assert "added ban_threat on 2025-01-21" in page.page.locator(".dash-changes").inner_text()


def test_a_long_results_folder_name_does_not_widen_the_side_panel(page, folder):
    long = folder / "results" / ("2026-01-01T00-00-00-" + "a-long-name-of-a-results-folder-" * 4)
    long.mkdir(parents=True, exist_ok=True)
    (long / "manifest.json").write_text("{}")
    page.page.get_by_text("Open results").click()
    side = page.page.locator(".v-navigation-drawer")
    side.get_by_text("under results/").wait_for()
    width = side.bounding_box()["width"]
    side.locator(".v-select").click()
    page.page.locator(".v-menu__content").get_by_text(long.name).click()
    page.page.locator(".results-made-by").wait_for()
    assert side.bounding_box()["width"] == width
    assert page.page.locator(".results-made-by").bounding_box()["x"] >= width


def test_a_field_a_dated_event_overrides_says_so_until_the_event_is_off(page):
    note = page.knob(BARRIER).locator(".knob-events")
    assert "2025-01-18 → 0.3 (RedNote translation)" in note.inner_text()
    assert page.knob("platforms.rednote.appeal").locator(".knob-events").count() == 0
    translation = page.page.locator(".event--3")
    assert "RedNote translation" in translation.inner_text()
    before = page.asked()
    translation.locator(".v-input--selection-controls__ripple").click()
    page.wait_for_change(before)
    assert note.count() == 0
