"""Figures and tables of results folders: ``sim plot`` (one folder) and ``sim compare`` (several).

Both draw the same kinds of figures (:mod:`sim.report.drawing`) and the summary table
(:mod:`sim.report.summary`), then write ``index.md``: every figure, what it shows, and the
command that made it. Everything is validated before anything is written.
"""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from sim.analysis.outcomes import run_outcomes
from sim.analysis.trajectories import (
    METRICS,
    Metric,
    metric_of,
    unmatched_replicates,
    unpaired_seeds,
)
from sim.errors import InputError, did_you_mean
from sim.experiments.dictionary import write_datapackage
from sim.experiments.reading import RUN_OUTCOMES, write_run_outcomes
from sim.experiments.store import RESULTS_DIR, Stored, claim_folder, read_results
from sim.report.drawing import KINDS, Entry, figure_jobs, render
from sim.report.summary import (
    as_markdown,
    as_text,
    headline_rows,
    summary_table,
    write_probabilities,
)

PLOT_METRICS = ("dau", "signups")


@dataclass
class Drawn:
    """What ``sim plot`` or ``sim compare`` made.

    Attributes:
        folder: where the figures and tables are.
        files: every file written.
        table: the summary table as plain text (for the terminal).
        notes: warnings and caveats (also in index.md).
        headline: the summary table's main rows, as plain text (what ``sim run`` prints).
    """

    folder: Path
    files: list[Path] = field(default_factory=list)
    table: str = ""
    notes: list[str] = field(default_factory=list)
    headline: str = ""


def plot_results(folder: Path) -> Drawn:
    """(Re)draw every figure and table of one results folder into ``folder/plots``, and
    describe its tables in ``datapackage.json`` (making the per-run table of a folder from
    before it was written)."""
    folder = Path(folder)
    stored = read_results([folder])
    baseline = baseline_of(stored, None)
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    words = stored.scenarios[stored.scenario_names[0]].words()
    drawn = _draw(stored, out, baseline, [METRICS[m].told(words) for m in PLOT_METRICS], [],
                  f"sim plot {shlex.quote(str(folder))}")
    _remove_stale(out, drawn.files)
    if not (folder / f"{RUN_OUTCOMES}.parquet").is_file():  # a folder made before it was
        write_run_outcomes(folder)
    write_datapackage(folder)  # now with the summary table
    return drawn


def compare_results(folders: list[Path], baseline: str | None = None, metric: str = "dau",
                    platforms: list[str] | None = None, out: Path | None = None) -> Drawn:
    """Compare the scenarios of one or more results folders into a new folder ``out``.

    Raises:
        InputError: a folder is not a results folder, a name is unknown (with a "did you mean"),
            or ``out`` exists and is not empty.
    """
    chosen = metric_of(metric)
    stored = read_results([Path(f) for f in folders])
    chosen = chosen.told(stored.scenarios[stored.scenario_names[0]].words())
    reference = baseline_of(stored, baseline)
    platforms = check_platforms(stored, list(platforms or []))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = claim_folder(Path(out) if out is not None else RESULTS_DIR / f"compare-{stamp}")
    words = ["sim", "compare", *map(str, folders), "--baseline", reference, "--metric", metric,
             *[w for p in platforms for w in ("--platform", p)], "--out", str(target)]
    target.mkdir(parents=True, exist_ok=True)
    return _draw(stored, target, reference, [chosen], platforms, shlex.join(words),
                 tuple(k for k in KINDS if k != "fan"))


def check_platforms(stored: Stored, platforms: list[str]) -> list[str]:
    """The platforms asked for, each checked against the results (InputError, with a "did you
    mean", for an unknown one)."""
    for name in platforms:
        if name not in stored.platforms:
            raise InputError("--platform", name, "no such platform in these results; one of "
                             + ", ".join(stored.platforms) + did_you_mean(name, stored.platforms))
    return platforms


def baseline_of(stored: Stored, name: str | None) -> str:
    """The scenario to difference against: the one named, else ``baseline``, else the first.
    A name found in several folders means its first folder's copy."""
    names = stored.scenario_names
    if name is None:
        return baseline_of(stored, "baseline") if any(
            n == "baseline" or n.startswith("baseline (") for n in names) else names[0]
    if name in names:
        return name
    qualified = [n for n in names if n.startswith(f"{name} (")]
    if qualified:
        return qualified[0]
    raise InputError("--baseline", name, "no such scenario in these results; one of "
                     + ", ".join(names) + did_you_mean(name, names))


def _notes(stored: Stored, baseline: str) -> list[str]:
    """What a reader of the figures should know: failed runs, unpaired seeds or replicates,
    which design point the trajectories show."""
    notes = list(stored.notes)
    unpaired = unpaired_seeds(stored.runs, baseline)
    if unpaired:
        notes.append(f"warning: {', '.join(unpaired)} did not run on the same seeds as "
                     f"{baseline}; their paired differences include seed noise")
    unmatched = unmatched_replicates(stored.runs, baseline)
    if unmatched:
        notes.append("note: " + ", ".join(f"{s} ({n} runs)" for s, n in unmatched.items())
                     + f" have replicates or design points that {baseline} lacks; the paired "
                     "differences leave those runs out")
    if stored.swept:
        notes.append("the trajectory and flow figures show design point 0 ("
                     + _point_words(stored) + "); the sweep figures show every point")
    return notes


def _draw(stored: Stored, out: Path, baseline: str, metrics: list[Metric],
          platforms: list[str], command: str, kinds: tuple[str, ...] = KINDS) -> Drawn:
    notes = _notes(stored, baseline)
    jobs = figure_jobs(stored, baseline, metrics, platforms, kinds)
    files = render(jobs, out)
    entries = [job.entry for job in jobs]
    outcomes = run_outcomes(stored)
    if platforms:
        outcomes = outcomes[outcomes["platform"].isin(platforms)]
    summary = summary_table(outcomes, stored)
    counts = _replicate_words(stored)
    (out / "summary.csv").write_text(summary.to_csv(index=False))
    markdown = as_markdown(summary, stored.swept, counts)
    (out / "summary.md").write_text(markdown)
    files += [out / "summary.csv", out / "summary.md"]
    if len(stored.scenario_names) > 1:
        files += write_probabilities(stored, baseline, outcomes, out)
    index = _index(stored, command, baseline, notes, markdown, entries)
    (out / "index.md").write_text(index)
    files.append(out / "index.md")
    return Drawn(out, files, as_text(summary, stored.swept, counts), notes,
                 as_text(headline_rows(summary, stored), stored.swept, counts))


def _point_words(stored: Stored) -> str:
    first = stored.runs[stored.runs["point"] == 0].iloc[0]
    return ", ".join(f"{f}={first[f]:g}" for f in stored.swept)


def _replicate_words(stored: Stored) -> str:
    if stored.ensemble:
        return (f"n = {stored.ensemble['draws']} posterior draws × "
                f"{stored.ensemble['replicates']} replicates per scenario, the same in every "
                "scenario (parameter and run-to-run uncertainty)")
    counts = stored.runs.groupby(["scenario", "point"]).size()
    low, high = int(counts.min()), int(counts.max())
    return f"n = {low if low == high else f'{low}–{high}'} replicates per scenario"


def _remove_stale(out: Path, written: list[Path]) -> None:
    """Drop figures and tables of an earlier drawing that this one did not make again."""
    keep = set(written)
    for path in out.iterdir():
        if path.suffix in (".png", ".svg", ".csv", ".md") and path not in keep:
            path.unlink()


def _index(stored: Stored, command: str, baseline: str, notes: list[str], summary: str,
           entries: list[Entry]) -> str:
    made = [f"- made by: `{command}`"]
    for folder, manifest in zip(stored.folders, stored.manifests, strict=True):
        git = manifest.get("git") or {}
        argv = " ".join(shlex.quote(a) for a in (manifest.get("argv") or []))
        dirty = " + uncommitted changes" if git.get("dirty") else ""
        seed = (manifest.get("experiment") or {}).get("root_seed")
        made.append(f"- results: `{folder}` (sim {manifest.get('version')}, commit "
                    f"{(git.get('commit') or 'unknown')[:9]}{dirty}, root seed {seed})"
                    + (f", made by `{argv}`" if argv else ""))
    made.append(f"- scenarios: {', '.join(stored.scenario_names)}; differences against "
                f"`{baseline}`")
    lines = ["# Figures and tables", "", *made, ""]
    if notes:
        lines += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    lines += ["## Summary table", "", "[CSV](summary.csv) · [Markdown](summary.md)", "",
              summary, "## Figures", ""]
    for entry in entries:
        lines += [f"### {entry.title}", "", f"![{entry.title}]({entry.stem}.png)", "",
                  entry.how_to_read, "",
                  f"Files: [{entry.stem}.png]({entry.stem}.png), [{entry.stem}.svg]"
                  f"({entry.stem}.svg). Made by `{command}`.", ""]
    return "\n".join(lines)


