"""The dashboard's update time, measured in a real browser as a person sees it.

    python benchmarks/dashboard.py            # 20,000 users x 180 days x 3 replicates (default)
    python benchmarks/dashboard.py --users 5000 --changes 3

``sim dashboard observed-2025`` runs in its own process on a loopback port; headless Chromium
opens it and waits for the first results (the scenario as loaded and the baseline). Then, ten
times, it moves the ``platforms.rednote.language_barrier`` slider one step with the arrow key
(each a value not computed before) and times until the page shows that change computed: the
status line says the latest change is the one shown (the figures and table are replaced in the
same update). Then a burst: five moves 0.1 s apart, and the time from the last move until the
page shows it, and whether it shows the last one. Called by ``bench.py`` (``make bench``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

BARRIER = "platforms.rednote.language_barrier"
TESTS = Path(__file__).resolve().parent.parent / "tests"  # where the browser harness is
BURST_GAP = 0.1  # seconds between the moves of a burst


def measure(users: int = 20_000, changes: int = 10, burst: int = 5) -> list[dict]:
    """Rows for bench.py's table: (measure, value, unit, goal, met); one row saying why if no
    browser is available."""
    browser = _harness()
    executable = browser.find_browser()
    if executable is None:
        return [_row(f"dashboard update: skipped ({browser.HOW_TO_GET_ONE})", float("nan"), "s")]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder) / "bench.toml"
        scenario.write_text(f'extends = "observed-2025"\n\n[simulation]\nusers = {users}\n')
        server = browser.Server([str(scenario)], Path(folder))
        try:
            with sync_playwright() as playwright:
                chromium = browser.Page.launch(playwright, executable)
                page = browser.Page(chromium, server.url).open(timeout=600)
                times = [_move(page, "ArrowLeft") for _ in range(changes + 1)][1:]  # 1 warm-up
                last, shown_last = _burst(page, burst)
                chromium.close()
        finally:
            server.stop()
    default = users == 20_000
    median = statistics.median(t for t, _ in times)
    size = f"{users:,} users × 180 days × 3 replicates"
    return [
        _row(f"dashboard: plot updated after a change, median of {changes} ({size})", median,
             "s", "≤ 2 s" if default else "", median <= 2 if default else None),
        _row(f"dashboard: slowest of the {changes} changes", max(t for t, _ in times), "s"),
        _row("dashboard: summary table updated too, median", statistics.median(
            t for _, t in times), "s"),
        _row(f"dashboard: burst of {burst} moves {BURST_GAP} s apart, last one shown after the "
             "last move", last, "s"),
        _row("dashboard: the burst ends showing its last move (1 = yes)", float(shown_last),
             "", "1", shown_last),
    ]


def _move(page, key: str) -> tuple[float, float]:
    """Move the slider one step; seconds until the page shows its figures, and its summary
    table."""
    before = page.asked()
    started = time.perf_counter()
    page.press_slider(BARRIER, key)
    page.wait_for_figures(before, timeout=300)
    figures = time.perf_counter() - started
    page.wait_for_change(before, timeout=300)
    return figures, time.perf_counter() - started


def _burst(page, moves: int) -> tuple[float, bool]:
    """``moves`` slider steps in quick succession: seconds from the last one until the page shows
    a computed change, and whether that is the last one (the value the slider ended at)."""
    before = page.asked()
    for i in range(moves):
        if i:
            time.sleep(BURST_GAP)
        page.press_slider(BARRIER, "ArrowRight")
    last_move = time.perf_counter()
    page.until(_harness().ASKED, before + moves, timeout=60)
    page.wait_ready(timeout=300)
    seconds = time.perf_counter() - last_move
    box = page.knob(BARRIER).locator("input[type=text]").input_value()
    changes = page.page.locator(".dash-changes").inner_text()
    return seconds, f"{BARRIER} = {float(box):g}" in changes and page.asked() == before + moves


def _harness():
    """``tests/browser.py``, the page tests' harness."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    import browser

    return browser


def _row(measure: str, value: float, unit: str, goal: str = "", met=None) -> dict:
    return {"measure": measure, "value": value, "unit": unit, "goal": goal, "met": met}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--burst", type=int, default=5)
    args = parser.parse_args()
    for row in measure(args.users, args.changes, args.burst):
        print(f"{row['measure']}: {row['value']:.3g} {row['unit']}"
              + (f" (goal {row['goal']}: {'met' if row['met'] else 'NOT met'})"
                 if row["goal"] else ""))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
