"""The project's corpus of bad inputs, through the real command line.

Every case must end with exit status 2, exactly one line on stderr that names the file or
option and the field, no traceback, and nothing written. Every bad file and ``--set`` is refused
by ``sim validate`` and by ``sim run`` with the same message (one validation path).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from sim.cli import main

TARGET = """
[[targets]]
id = "T"
metric = "{metric}"
platform = "rednote"
stat = "{stat}"
{when}
value = 1.0
tolerance = 0.5
source = "test"
"""


def target(metric="dau_us", stat="on", when="date = 2025-01-13"):
    return TARGET.format(metric=metric, stat=stat, when=when)


@dataclass
class Case:
    """A bad file (its text; None: none) and a command line, with what the message must say."""

    id: str
    text: str | None
    says: tuple[str, ...]
    argv: tuple[str, ...] = ()
    validate: bool = True  # also through sim validate (options it takes)


BASE = 'extends = "baseline"\n'
OBSERVED = 'extends = "observed-2025"\n'
FILES = [
    Case("nan-platform", BASE + "[platforms.rednote]\nappeal = nan\n",
         ("platforms.rednote.appeal", "finite")),
    Case("inf-population", BASE + "[population]\nreal_users = inf\n",
         ("population.real_users", "finite")),
    Case("minus-inf-rate", BASE + "[dynamics]\nbuzz = -inf\n", ("dynamics.buzz", "finite")),
    Case("nan-motive", BASE + "[motives]\nprotest = nan\n", ("motives.protest", "finite")),
    Case("nan-trait", BASE + "[population.protest]\nmean = nan\n",
         ("population.protest.mean", "finite")),
    Case("nan-event", BASE + '[[events]]\nkind = "ban_threat"\ndate = 2025-01-05\nvalue = nan\n',
         ("events.0.value", "finite")),
    Case("nan-set-event", BASE + '[[events]]\nkind = "set"\ndate = 2025-01-05\n'
         'platform = "rednote"\nfield = "appeal"\nvalue = nan\n', ("events.0.value",)),
    Case("nan-target", OBSERVED + TARGET.format(metric="dau_us", stat="on",
                                                when="date = 2025-01-13").replace(
        "value = 1.0", "value = nan"), ("targets.0.value", "finite")),
    Case("nan-sweep-bound", BASE + '[experiment]\ndesign = "lhs"\nsamples = 4\n'
         '[experiment.sweep]\n"dynamics.buzz" = {low = nan, high = 2}\n',
         ("experiment.sweep", "finite")),
    Case("unknown-metric", OBSERVED + target(metric="vibes"), ("targets.0.metric", "vibes")),
    Case("metric-typo", OBSERVED + target(metric="dau_uss"),
         ("targets.0.metric", "did you mean 'dau_us'")),
    Case("target-after-run", OBSERVED + "[simulation]\ndays = 20\n"
         + target(when="date = 2025-03-13"), ("targets.0.date", "outside the run")),
    Case("target-before-run", OBSERVED + target(when="date = 2024-12-13"),
         ("targets.0.date", "outside the run")),
    Case("window-reversed", OBSERVED + target(stat="mean", when="start = 2025-01-20\n"
                                              "end = 2025-01-13"), ("targets.0", "after end")),
    Case("reference-reversed", OBSERVED + target(
        stat="ratio", when="start = 2025-01-13\nend = 2025-01-20\nreference_start = 2025-01-09"
        "\nreference_end = 2025-01-01"), ("targets.0", "reference_start")),
    Case("target-no-tolerance", OBSERVED + target().replace("tolerance = 0.5\n", ""),
         ("targets.0", "tolerance")),
    Case("target-on-without-date", OBSERVED + target(when=""), ("targets.0", "date")),
    Case("sweep-unknown-field", BASE + '[experiment.sweep]\n"dynamics.buz" = [1, 2]\n',
         ("experiment.sweep", "dynamics.buz", "did you mean 'buzz'")),
    Case("sweep-empty-list", BASE + '[experiment.sweep]\n"dynamics.buzz" = []\n',
         ("experiment.sweep", "dynamics.buzz", "empty")),
    Case("sweep-range-reversed", BASE + '[experiment]\ndesign = "lhs"\nsamples = 4\n'
         '[experiment.sweep]\n"dynamics.buzz" = {low = 3, high = 1}\n',
         ("experiment.sweep", "dynamics.buzz", "empty range")),
    Case("design-unknown", BASE + '[experiment]\ndesign = "grd"\n', ("experiment.design",)),
    Case("unknown-source-kind", OBSERVED + "[sources.pannel]\nspread = 2\n",
         ("sources.pannel", "did you mean 'panel'")),
    Case("zero-source-bias", OBSERVED + "[sources.panel]\nbias = 0\n",
         ("sources.panel.bias", "greater than 0")),
    Case("spread-below-one", OBSERVED + "[sources.installs]\nspread = 0.5\n",
         ("sources.installs.spread", "greater than or equal to 1")),
    Case("unknown-target-kind", OBSERVED + target() + 'kind = "pannel"\n',
         ("targets.0.kind", "did you mean 'panel'")),
    Case("unknown-table", BASE + "[simulaton]\ndays = 10\n",
         ("simulaton", "did you mean 'simulation'")),
    Case("unknown-platform-field", BASE + "[platforms.rednote]\napeal = 1\n",
         ("platforms.rednote.apeal", "did you mean 'appeal'")),
    Case("share-above-one", BASE + "[platforms.rednote]\nlanguage_barrier = 1.5\n",
         ("platforms.rednote.language_barrier",)),
    Case("negative-rate", BASE + "[dynamics]\nsearch_rate = -1\n", ("dynamics.search_rate",)),
    Case("zero-days", BASE + "[simulation]\ndays = 0\n", ("simulation.days",)),
    Case("too-few-users", BASE + "[simulation]\nusers = 5\n", ("simulation.users",)),
    Case("text-for-number", BASE + '[platforms.rednote]\nappeal = "high"\n',
         ("platforms.rednote.appeal",)),
    Case("ages-not-summing", BASE + '[population.age_shares]\n"13-17" = 0.5\n',
         ("population", "sum to 1")),
    Case("event-kind-typo", BASE + '[[events]]\nkind = "outtage"\ndate = 2025-01-05\n'
         'platform = "tiktok"\n', ("events.0", "did you mean 'outage'")),
    Case("event-without-kind", BASE + '[[events]]\ndate = 2025-01-05\n', ("events.0", "kind")),
    Case("event-platform-typo", BASE + '[[events]]\nkind = "outage"\ndate = 2025-01-05\n'
         'platform = "rednot"\n', ("events.0.platform", "did you mean 'rednote'")),
    Case("event-owner-unknown", BASE + '[[events]]\nkind = "owner_ban"\ndate = 2025-01-05\n'
         'owner = "ByteDanse"\n', ("events.0.owner", "did you mean 'ByteDance'")),
    Case("set-event-field-typo", BASE + '[[events]]\nkind = "set"\ndate = 2025-01-05\n'
         'platform = "rednote"\nfield = "apeal"\nvalue = 1\n',
         ("events.0.field", "did you mean 'appeal'")),
    Case("set-event-bad-value", BASE + '[[events]]\nkind = "set"\ndate = 2025-01-05\n'
         'platform = "rednote"\nfield = "language_barrier"\nvalue = 2\n', ("events.0.value",)),
    Case("add-events-not-list", BASE + 'add_events = "outage"\n', ("add_events",)),
    Case("add-targets-not-list", BASE + 'add_targets = "C1"\n', ("add_targets", "list")),
    Case("drop-events-unknown", OBSERVED + 'drop_events = ["Back in app store"]\n',
         ("drop_events", "did you mean 'Back in app stores'")),
    Case("drop-events-not-list", OBSERVED + 'drop_events = "Law upheld 9-0"\n',
         ("drop_events", "list of event labels")),
    Case("change-events-no-label", OBSERVED + "[[change_events]]\nvalue = 0.9\n",
         ("change_events.0.label", "required")),
    Case("change-events-unknown", OBSERVED + '[[change_events]]\nlabel = "Law upheld 9-1"\n'
         "value = 0.9\n", ("change_events.0.label", "did you mean 'Law upheld 9-0'")),
    Case("extends-not-text", "extends = 3\n", ("extends",)),
    Case("extends-missing", 'extends = "no-such-parent.toml"\n', ("extends", "not found")),
    Case("not-toml", BASE + "[dynamics\nbuzz = 1\n", ("not valid TOML",)),
]


def _write(tmp_path, case: Case):
    path = tmp_path / f"{case.id}.toml"
    if case.text is not None:
        path.write_text(case.text, encoding="utf-8")
    return path


def _sim(capsys, *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().err


def _refused(status: int, err: str, *says: str) -> str:
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("error: "), err
    for part in says:
        assert part in lines[0], (part, lines[0])
    return lines[0]


@pytest.fixture
def here(tmp_path, monkeypatch):
    """Run in an empty folder, so anything written would show."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("case", FILES, ids=[c.id for c in FILES])
def test_a_bad_file_is_refused_the_same_way_by_validate_and_run(case, here, capsys):
    path = _write(here, case)
    before = set(here.rglob("*"))
    checked = _refused(*_sim(capsys, "validate", str(path)), path.name, *case.says)
    ran = _refused(*_sim(capsys, "run", str(path), "--quiet", "--out", str(here / "out")),
                   path.name, *case.says)
    assert checked == ran
    assert set(here.rglob("*")) == before  # nothing written


def test_a_file_that_is_a_folder_not_utf8_or_a_cycle_is_refused(here, capsys):
    folder = here / "folder.toml"
    folder.mkdir()
    latin = here / "latin.toml"
    latin.write_bytes(b'extends = "baseline"\nquestion = "caf\xe9"\n')
    (here / "a.toml").write_text('extends = "b.toml"\n')
    (here / "b.toml").write_text('extends = "a.toml"\n')
    for path, says in ((folder, "folder"), (latin, "UTF-8"), (here / "a.toml", "cycle")):
        before = set(here.rglob("*"))
        for command in ("validate", "run"):
            _refused(*_sim(capsys, command, str(path), "--out", str(here / "out"))
                     if command == "run" else _sim(capsys, command, str(path)), path.name, says)
        assert set(here.rglob("*")) == before


OPTIONS = [
    Case("set-nan", None, ("--set", "dynamics.buzz", "finite"), ("--set", "dynamics.buzz=nan")),
    Case("set-inf-days", None, ("--set", "simulation.days"), ("--set", "simulation.days=inf")),
    Case("set-typo", None, ("--set", "did you mean 'buzz'"), ("--set", "dynamics.buz=1")),
    Case("set-no-equals", None, ("--set", "FIELD=VALUE"), ("--set", "dynamics.buzz")),
    Case("set-out-of-range", None, ("--set", "platforms.rednote.novelty"),
         ("--set", "platforms.rednote.novelty=3")),
    Case("sweep-nan", None, ("--sweep", "dynamics.buzz", "finite"),
         ("--sweep", "dynamics.buzz=nan,1"), validate=False),
    Case("sweep-reversed", None, ("--sweep", "dynamics.buzz", "empty range"),
         ("--sweep", "dynamics.buzz=3:1"), validate=False),
    Case("sweep-garbled", None, ("--sweep", "dynamics.buzz", "cannot read"),
         ("--sweep", "dynamics.buzz=a,b"), validate=False),
    Case("sweep-unknown", None, ("--sweep", "dynamics.buz", "did you mean 'buzz'"),
         ("--sweep", "dynamics.buz=1,2"), validate=False),
    Case("design-typo", None, ("--design", "grd"), ("--design", "grd"), validate=False),
    Case("samples-missing", None, ("--samples",), ("--sweep", "dynamics.buzz=1:2",
                                                   "--design", "lhs"), validate=False),
    Case("too-many-users", None, ("simulation.users", "GB", "available"),
         ("--users", "20000000", "--replicates", "2", "--workers", "2"), validate=False),
    Case("users-too-few", None, ("--users",), ("--users", "5"), validate=False),
    Case("workers-zero", None, ("--workers",), ("--workers", "0"), validate=False),
    Case("executor-typo", None, ("executor",), ("--executor", "dusk"), validate=False),
]


@pytest.mark.parametrize("case", OPTIONS, ids=[c.id for c in OPTIONS])
def test_a_bad_option_is_refused(case, here, capsys):
    before = set(here.rglob("*"))
    commands = ["run", "validate"] if case.validate else ["run"]
    lines = set()
    for command in commands:
        extra = ("--out", str(here / "out"), "--quiet") if command == "run" else ()
        lines.add(_refused(*_sim(capsys, command, "baseline", *case.argv, *extra), *case.says))
    assert len(lines) == 1  # the same message from both
    assert set(here.rglob("*")) == before


def test_an_unknown_scenario_name_gets_a_did_you_mean(here, capsys):
    for command in ("validate", "run"):
        _refused(*_sim(capsys, command, "observed-2026"), "observed-2026",
                 "did you mean 'observed-2025'")
    assert not any(here.iterdir())


def test_the_corpus_is_at_least_forty_cases():
    assert len(FILES) + len(OPTIONS) + 4 >= 40


@pytest.mark.slow
def test_bad_input_through_a_real_process_prints_one_line(tmp_path):
    """The same refusal from a separate ``python -m sim`` process (no test harness around)."""
    path = tmp_path / "nan.toml"
    path.write_text(BASE + "[platforms.rednote]\nappeal = nan\n")
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, "SIM_DEBUG": ""}, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: {path}: platforms.rednote.appeal: Input should be a finite number"]
    assert not (tmp_path / "out").exists()
