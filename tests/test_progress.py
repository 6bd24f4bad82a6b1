"""Progress on stderr: a bar on a terminal, one log line per update otherwise, nothing if quiet."""

from __future__ import annotations

import io

from sim.experiments.progress import Progress


def show(**options) -> str:
    stream = io.StringIO()
    with Progress(3, "runs", "experiment", stream=stream, **options) as progress:
        for done in (1, 2, 3):
            progress.update(done, f"run r{done:03d} ok", f"{done - 1} failed")
    return stream.getvalue()


def test_a_log_gets_one_line_per_update_with_the_counts():
    lines = show(terminal=False).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("run r001 ok (1/3 runs, 0 failed, ")
    assert lines[2].startswith("run r003 ok (3/3 runs, 2 failed, ")
    assert all(" runs/min, ETA " in line for line in lines)


def test_a_terminal_gets_a_bar_instead_of_lines():
    text = show(terminal=True)
    assert "3/3" in text and "2 failed" in text and "experiment" in text
    assert "run r001 ok" not in text


def test_quiet_shows_nothing_on_a_terminal_or_a_log():
    assert show(terminal=False, quiet=True) == ""
    assert show(terminal=True, quiet=True) == ""
