"""Drive the dashboard as a person would, in a real browser: headless Chromium (the system's,
through Playwright). A helper of the page tests (``test_dashboard_page.py``) and of the
update-time benchmark (``benchmarks/dashboard.py``), not a test module.

Reads what the page shows (the summary table's cells, the status line's numbers), never pixels.
Needs ``playwright`` (the test extra) and a Chromium: ``SIM_BROWSER``, else ``chromium``,
``chromium-browser`` or ``google-chrome`` on the PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sim.errors import installed

HOW_TO_GET_ONE = ("no Chromium found: install it (Debian/Ubuntu: apt-get install chromium; .ci/run "
                  "does this) or set SIM_BROWSER=/path/to/chromium, and pip install -e '.[test]' "
                  "for playwright")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run"]  # nothing but the page's own address is asked for
SHOWS = """const shows = (n) => { const f = [...document.querySelectorAll('.dash-figure')];
    return f.length > 0 && f.every(e => e.classList.contains('dash-figure-' + n)); };"""
READY = """() => { const s = document.querySelector('.dash-status'); """ + SHOWS + """
    return s !== null && s.dataset.state === 'ready' && s.dataset.asked === s.dataset.shown
        && s.dataset.asked === s.dataset.table && shows(s.dataset.asked)
        && document.querySelector('.dash-table-' + s.dataset.asked) !== null; }"""
ASKED = """(least) => { const s = document.querySelector('.dash-status');
    return s !== null && Number(s.dataset.asked) >= least; }"""
DRAWN = """(before) => { const s = document.querySelector('.dash-status'); """ + SHOWS + """
    return s !== null && Number(s.dataset.asked) > before
        && s.dataset.asked === s.dataset.shown && shows(s.dataset.asked); }"""
WATCH = """(arg) => new Promise((resolve, reject) => {{
    const holds = {test};
    if (holds(arg)) return resolve(true);
    const timer = setTimeout(() => {{ watch.disconnect();
        reject(new Error('timed out after {seconds} s waiting for: ' + holds)); }},
        {seconds} * 1000);
    const watch = new MutationObserver(() => {{
        if (holds(arg)) {{ watch.disconnect(); clearTimeout(timer); resolve(true); }} }});
    watch.observe(document, {{subtree: true, childList: true, attributes: true,
                             characterData: true}});
}})"""
TABLE = """() => [...document.querySelectorAll('.dash-summary table tr')]
    .map(tr => [...tr.cells].map(c => c.innerText.trim()))"""


def find_browser() -> str | None:
    """A Chromium to drive, or None (with ``playwright`` importable)."""
    if not installed("playwright.sync_api"):
        return None
    given = os.environ.get("SIM_BROWSER")
    if given:
        return given if Path(given).is_file() else None
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


class Server:
    """``sim dashboard SCENARIO...`` on a free loopback port, in its own process (its output in
    ``cwd/dashboard.log``).

    Args:
        scenarios: what to offer first.
        cwd: the folder it runs in (where results/ is looked for and scenarios are saved).
    """

    def __init__(self, scenarios: list[str], cwd: Path, timeout: float = 120):
        sim = Path(sys.executable).parent / "sim"
        self.log_file = Path(cwd) / "dashboard.log"
        with open(self.log_file, "w") as log:
            self.process = subprocess.Popen(
                [str(sim), "dashboard", *scenarios, "--port", "0"], cwd=cwd, text=True,
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "SIM_DEBUG": "1"})
        deadline = time.monotonic() + timeout
        self.url = ""
        while True:
            first = self.log().partition("\n")[0]
            if first.startswith("dashboard: "):
                self.url = self.url or first.split()[1]
                try:
                    with urllib.request.urlopen(self.url, timeout=5):
                        return
                except OSError:
                    pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"sim dashboard did not start: {self.log()}")
            time.sleep(0.2)

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Page:
    """One browser tab on the dashboard."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport={"width": 1500, "height": 1000})
        self.url = url

    @classmethod
    def launch(cls, playwright, executable: str):
        return playwright.chromium.launch(executable_path=executable, args=FLAGS)

    def open(self, path: str = "", timeout: float = 180) -> Page:
        self.page.goto(self.url + path)
        if not path:
            self.wait_ready(timeout)
        return self

    def status(self) -> dict[str, str]:
        return self.page.locator(".dash-status").evaluate("e => ({...e.dataset})")

    def until(self, test: str, arg=None, timeout: float = 180) -> None:
        """Until ``test(arg)`` (a JavaScript function) holds on the page, checked whenever the
        page changes. (Playwright's ``wait_for_function`` checks on every animation frame,
        which makes the browser draw the page 60 times a second while it waits: work that
        competed with the runs for this machine's two cores and slowed what it measured.)"""
        self.page.evaluate(WATCH.format(test=test, seconds=timeout), arg)

    def wait_ready(self, timeout: float = 180) -> None:
        """Until the page shows the latest change, computed."""
        self.until(READY, timeout=timeout)

    def wait_for_change(self, before: int, timeout: float = 180) -> None:
        """Until the page has taken a change made after ``before`` and shows it."""
        self.until(ASKED, before + 1, timeout)
        self.wait_ready(timeout)

    def wait_for_figures(self, before: int, timeout: float = 180) -> None:
        """Until the page shows the figures of a change made after ``before`` (its summary
        table may follow)."""
        self.until(DRAWN, before, timeout)

    def asked(self) -> int:
        return int(self.status()["asked"])

    def table(self) -> list[list[str]]:
        return self.page.evaluate(TABLE)

    def cell(self, platform: str, outcome: str, column: str) -> str:
        """A cell of the summary table: the row ``outcome`` under the heading ``platform``."""
        rows = self.table()
        j = rows[0].index(column)
        heading = None
        for row in rows[1:]:
            if row[0] and not any(row[1:]):
                heading = row[0]
            elif heading == platform and row[0] == outcome:
                return row[j]
        raise KeyError(f"{platform}: {outcome}")

    def knob(self, path: str):
        """A field of the panel, its group opened if need be."""
        knob = self.page.locator(".knob--" + path.replace(".", "--"))
        if not knob.count():
            self.page.locator(".group-toggle", has_text=f"({path.rsplit('.', 1)[0]})").click()
            knob.wait_for()
        return knob

    def press_slider(self, path: str, key: str) -> None:
        """Move a field's slider with a key (``End``: to its maximum, ``Home``, arrows)."""
        slider = self.knob(path).get_by_role("slider")
        slider.focus()
        slider.press(key)

    def type_value(self, path: str, text: str) -> None:
        box = self.knob(path).locator("input[type=text]")
        box.fill(text)
        box.press("Enter")


def number(cell: str) -> float:
    """The median of a summary cell as a number: ``28.2M [27.9M, 28.5M]`` -> 28.2e6, ``31.0 %``
    -> 31.0."""
    text = cell.split("[")[0].replace("%", "").strip()
    scale = {"k": 1e3, "M": 1e6, "B": 1e9}.get(text[-1:], 1.0)
    return float(text.rstrip("kMB")) * scale
