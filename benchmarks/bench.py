"""Benchmarks: a million users on a laptop, side by side with plain Mesa.

    python benchmarks/bench.py            # full (about 20 minutes on 2 cores)
    python benchmarks/bench.py --quick    # smoke run (about a minute); or BENCH_QUICK=1

Measures, on the shipped ``observed-2025`` scenario:

1. user-days per second of the vectorised model and of the plain Mesa reference
   (:mod:`sim.model.reference`, one agent per user) on the same population;
2. the vectorised model alone at 100,000 and 1,000,000 users: build time, run time and peak
   memory, each size in a fresh process;
3. experiment throughput: replicates of one scenario through the batch machinery, as
   ``sim run --workers N`` makes them (:func:`sim.experiments.launch.start`: process pool, Parquet
   parts, status files, summary) into a temporary results folder, with 1 and with 2 workers, each in
   a fresh process that has imported what the command line imports; from it, the parallel efficiency
   (runs/s with 2 workers over twice runs/s with 1) and the per-run overhead (wall time per run
   through the machinery minus the model's build and run time of the same runs in this process);
4. ``sim --help`` start-up time (best of several);
5. calibration throughput: runs per second of ``observed-2025`` at 20,000 users × 20 days
   through the calibration path (:func:`sim.experiments.calibration.calibrate`: candidates ×
   replicates on a process pool of 2 workers; what it imports is imported before the clock
   starts), each in a fresh process: with the code before the calibration path was optimised
   (commit ``UNOPTIMISED``, taken from git) and this commit's, alternately;
   and this commit's with every run building its population, ties and draws
   (:mod:`sim.model.population_cache` and :mod:`sim.model.daily_draws` off);
6. the dashboard's update time (:mod:`benchmarks.dashboard`): in headless Chromium,
   seconds from a slider move to the updated plot at 20,000 users × 180 days × 3 replicates
   (median of 10 moves), and a burst of 5 quick moves ending on the last one (skipped, saying
   why, without a browser).

Prints a table of every figure with its goal, and writes it as CSV and Markdown (with the date,
the machine and its load) to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
SCENARIO = "observed-2025"
FULL = {"compare": (10_000, 180), "sizes": (100_000, 1_000_000), "days": 180,
        "experiment": (20_000, 180, 8), "help_runs": 7, "calibration": (20_000, 20, 64, 4),
        "calibration_rounds": 3,
        "dashboard": (20_000, 10, 5)}
QUICK = {"compare": (2_000, 20), "sizes": (20_000, 200_000), "days": 30,
         "experiment": (5_000, 60, 4), "help_runs": 3, "calibration": (5_000, 20, 16, 2),
         "calibration_rounds": 1,
         "dashboard": (5_000, 3, 3)}
UNOPTIMISED = "e836952"  # the code as of this commit, before the calibration path was optimised
CALIBRATION_FITS = ("dynamics.buzz=1.5:3", "dynamics.threat_push=0.3:3.5",
                    "platforms.rednote.appeal=0.8:1.6")


def scenario(users: int, days: int):
    from sim.scenario.loading import load_scenario

    return load_scenario(SCENARIO, [f"simulation.users={users}", f"simulation.days={days}"])


def timed_run(model_class, users: int, days: int, seed: int = 1):
    """Build and run one model once; the model, and its build and run times in seconds."""
    sc = scenario(users, days)
    start = time.perf_counter()
    model = model_class(sc, rng=seed)
    built = time.perf_counter()
    model.run()
    return model, {"build_s": built - start, "run_s": time.perf_counter() - built}


def run_vectorised(users: int, days: int, seed: int = 1) -> dict:
    """Build and run the vectorised model once; times in seconds, memory in MB (this process)."""
    from sim.model.migration import MigrationModel

    model, times = timed_run(MigrationModel, users, days, seed)
    return {"users": users, "days": days, **times, "threads": model.threads.count,
            "peak_mb": peak_rss_mb(resource.RUSAGE_SELF)}


def run_reference(users: int, days: int, seed: int = 1) -> dict:
    """Build and run the plain-Mesa reference once; times in seconds."""
    from sim.model.reference import ReferenceModel

    return timed_run(ReferenceModel, users, days, seed)[1]


def peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports kilobytes


def in_fresh_process(users: int, days: int) -> dict:
    """``run_vectorised`` in a new interpreter, so that its peak memory is its own."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(users), str(days)],
        capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])


def model_time(users: int, days: int, runs: int) -> float:
    """Mean build and run time (s) of the model alone, in this process, over the runs an
    experiment of ``runs`` replicates makes (the same seeds)."""
    from sim.experiments.runs import replicate_seeds
    from sim.model.migration import MigrationModel

    sc = scenario(users, days)
    start = time.perf_counter()
    for seed in replicate_seeds(sc.simulation.seed, runs):
        MigrationModel(sc, rng=seed).run()
    return (time.perf_counter() - start) / runs


def experiment(users: int, days: int, runs: int, workers: int) -> dict:
    """``run_experiment`` in a new interpreter, which has imported only what ``sim run`` has."""
    result = subprocess.run(
        [sys.executable, __file__, "--experiment", *map(str, (users, days, runs, workers))],
        capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_experiment(users: int, days: int, runs: int, workers: int) -> dict:
    """``runs`` replicates through the batch machinery, as ``sim run --replicates RUNS
    --workers WORKERS --quiet`` makes them (plots aside), into a temporary results folder:
    wall time (s) and the number of failed runs."""
    from sim.experiments import launch

    sets = [f"simulation.users={users}", f"simulation.days={days}"]
    plan = launch.plan_from_options([SCENARIO], sets, [], None, None, runs, None)
    pool = {"kind": "process", "workers": workers, "scheduler": None}
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        _, table = launch.start(plan, Path(folder) / "results", pool, quiet=True)
        wall = time.perf_counter() - start
    return {"wall_s": wall, "failed": int((table["status"] != "ok").sum())}


def calibration(users: int, days: int, budget: int, replicates: int, reuse: bool,
                tree: Path = ROOT) -> dict:
    """``run_calibration`` in a new interpreter (its pool's workers start without a cache), on
    the code in ``tree`` (this project's, or the unoptimised one from :func:`unoptimised_code`)."""
    result = subprocess.run(
        [sys.executable, __file__, "--calibration",
         *map(str, (users, days, budget, replicates, int(reuse))), "--tree", str(tree)],
        capture_output=True, text=True, check=True, cwd=tree)
    return json.loads(result.stdout.strip().splitlines()[-1])


def unoptimised_code(folder: Path) -> Path | None:
    """The model and scenarios at commit ``UNOPTIMISED``, written into ``folder`` from git; None
    where that history is missing (a copy of the project without it)."""
    archive = subprocess.run(["git", "archive", "--format=tar", UNOPTIMISED, "sim", "scenarios"],
                             cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        return None
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def run_calibration(users: int, days: int, budget: int, replicates: int, reuse: bool) -> dict:
    """A calibration of three parameters (``budget`` candidates × ``replicates``) on 2 workers,
    as ``sim calibrate`` makes it: wall time (s) and the runs made."""
    try:  # the layout by role
        from sim.experiments.calibration import calibrate
        from sim.experiments.design import parse_fit
    except ImportError:  # the code of commit UNOPTIMISED, before it
        from sim.analysis.calibration import calibrate, parse_fit
    from sim.scenario.loading import load_scenario, resolve_path

    if not reuse:  # every run builds its population, ties and draws (this commit's code only)
        from sim.model import daily_draws, population_cache

        population_cache.CACHE_BYTES = daily_draws.CACHE_BYTES = 0
    # what a calibration imports, before the clock starts (this measures runs per second;
    # start-up is the `sim --help` row)
    import scipy.optimize
    import scipy.stats  # noqa: F401

    from sim.experiments.runs import import_run_code

    import_run_code()
    file = resolve_path(SCENARIO)
    sets = [f"simulation.users={users}", f"simulation.days={days}"]
    base = load_scenario(file, sets)
    fits = [parse_fit(text, base) for text in CALIBRATION_FITS]
    start, cpu = time.perf_counter(), _cpu_seconds()
    fit = calibrate(file, sets, fits, budget, replicates, 0, workers=2, quiet=True)
    wall = time.perf_counter() - start
    return {"wall_s": wall, "cpu_s": _cpu_seconds() - cpu, "runs": len(fit.candidates) * replicates}


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers, once shut
    down): steadier than wall time on a machine that others load."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def help_time(runs: int) -> float:
    """Best wall time of ``sim --help`` over ``runs`` runs (after one warm-up)."""
    sim = Path(sys.executable).parent / "sim"
    best = float("inf")
    for _ in range(runs + 1):
        start = time.perf_counter()
        subprocess.run([str(sim), "--help"], capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def measure(plan: dict) -> list[dict]:
    """Every row of the table: what, value, unit, goal, met (True/False/None)."""
    rows = []

    def row(what, value, unit, goal="", met=None):
        rows.append({"measure": what, "value": value, "unit": unit, "goal": goal, "met": met})
        print(f"  {what}: {value:.3g} {unit}", flush=True)

    users, days = plan["compare"]
    print(f"vectorised vs plain Mesa, {users:,} users × {days} days", flush=True)
    vectorised = run_vectorised(users, days)
    reference = run_reference(users, days)
    fast = users * days / vectorised["run_s"]
    slow = users * days / reference["run_s"]
    row(f"plain Mesa reference, {users:,} users × {days} days", slow / 1e6, "M user-days/s")
    row(f"vectorised model, {users:,} users × {days} days", fast / 1e6, "M user-days/s")
    row("vectorised / plain Mesa", fast / slow, "×", "≥ 30×", fast / slow >= 30)

    small, large = plan["sizes"]
    days = plan["days"]
    results = {}
    for size in (small, large):
        print(f"vectorised model, {size:,} users × {days} days (fresh process)", flush=True)
        results[size] = result = in_fresh_process(size, days)
        big = size == large
        row(f"{size:,} users: build (population and ties)", result["build_s"], "s")
        goal = big and size == 1_000_000 and days == 180  # the goals are for this size
        row(f"{size:,} users × {days} days: run ({result['threads']} thread(s))",
            result["run_s"], "s", "≤ 30 s" if goal else "", result["run_s"] <= 30 if goal else None)
        row(f"{size:,} users × {days} days: speed", size * days / result["run_s"] / 1e6,
            "M user-days/s")
        row(f"{size:,} users: peak memory", result["peak_mb"] / 1024, "GB",
            "≤ 1.5 GB" if goal else "", result["peak_mb"] <= 1536 if goal else None)
    ratio = results[large]["run_s"] / results[small]["run_s"]
    scale = large / small
    row(f"run time {large:,} / {small:,} users", ratio, "×", f"≤ {1.1 * scale:.0f}×",
        ratio <= 1.1 * scale)

    users, days, runs = plan["experiment"]
    print(f"experiment: {runs} runs of {users:,} users × {days} days (sim run)", flush=True)
    model = model_time(users, days, runs)
    walls = {}
    for workers in (1, 2):
        done = experiment(users, days, runs, workers)
        if done["failed"]:
            raise RuntimeError(f"{done['failed']} of {runs} runs failed with {workers} worker(s)")
        walls[workers] = done["wall_s"]
        row(f"experiment, {workers} worker(s)", runs / done["wall_s"], "runs/s")
    efficiency = walls[1] / (2 * walls[2]) * 100
    row("experiment, parallel efficiency (2 workers)", efficiency, "%", "≥ 85 %", efficiency >= 85)
    row("model alone, one run (build and run, in-process)", model, "s")
    row("per-run overhead, 1 worker (wall per run − model alone)", walls[1] / runs - model, "s")
    row("per-run overhead, 2 workers (2 × wall per run − model alone)",
        2 * walls[2] / runs - model, "s")

    users, days, budget, replicates = plan["calibration"]
    print(f"calibration path: {budget} candidates × {replicates} replicates of {users:,} users × "
          f"{days} days, 2 workers", flush=True)
    where = f"calibration, {users:,} users × {days} days, 2 workers"
    with tempfile.TemporaryDirectory() as folder:
        unoptimised = unoptimised_code(Path(folder))
        done = {"before": [], "now": []}
        for _ in range(plan["calibration_rounds"]):  # in turn: the load falls on both alike
            if unoptimised is not None:
                done["before"].append(calibration(users, days, budget, replicates, True,
                                                  unoptimised))
            done["now"].append(calibration(users, days, budget, replicates, True))
    rebuilt = calibration(users, days, budget, replicates, False)
    ran = {how: runs for how, runs in done.items() if runs}
    speed = {how: statistics.median(d["runs"] / d["wall_s"] for d in runs)
             for how, runs in ran.items()}
    per_cpu = {how: statistics.median(d["runs"] / d["cpu_s"] for d in runs)
               for how, runs in ran.items()}
    if "before" in speed:
        row(f"{where}: the code before the calibration path was optimised (commit "
            f"{UNOPTIMISED}), median", speed["before"], "runs/s")
    row(f"{where}: this commit, median", speed["now"], "runs/s")
    row(f"{where}: this commit, every run building its population, ties and draws",
        rebuilt["runs"] / rebuilt["wall_s"], "runs/s")
    if "before" in speed:
        gain = speed["now"] / speed["before"]
        row(f"calibration throughput, this commit / commit {UNOPTIMISED}", gain, "×", "≥ 2×",
            gain >= 2)
        row(f"calibration runs per CPU second, this commit / commit {UNOPTIMISED}",
            per_cpu["now"] / per_cpu["before"], "×")

    print("sim --help", flush=True)
    seconds = help_time(plan["help_runs"])
    row("`sim --help` start-up (best of runs)", seconds, "s", "≤ 0.4 s", seconds <= 0.4)

    users, changes, burst = plan["dashboard"]
    print(f"dashboard: {changes} slider moves and a burst of {burst}, {users:,} users", flush=True)
    from benchmarks import dashboard

    for found in dashboard.measure(users, changes, burst):
        row(found["measure"], found["value"], found["unit"], found["goal"], found["met"])
    return rows


def machine() -> dict:
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    import mesa
    import numpy

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "cores": os.cpu_count(),
            "memory_gb": round(int(memory) / 1024**2, 1), "cpu": cpu,
            "python": platform.python_version(), "numpy": numpy.__version__,
            "mesa": mesa.__version__, "commit": commit, "load": os.getloadavg()}


def write(rows: list[dict], info: dict, quick: bool) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "bench.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, ["measure", "value", "unit", "goal", "met"])
        writer.writeheader()
        writer.writerows({**r, "value": f"{r['value']:.4g}"} for r in rows)
    verdict = {True: "yes", False: "**no**", None: ""}
    lines = [
        f"# Benchmarks{' (quick run)' if quick else ''}", "",
        f"{info['date']}, commit {info['commit']}: {info['cores']} cores ({info['cpu']}), "
        f"{info['memory_gb']} GB memory; Python {info['python']}, numpy {info['numpy']}, "
        f"Mesa {info['mesa']}. Load average at the start {info['load'][0]:.2f} "
        f"(other work on the machine slows every figure).", "",
        f"Scenario `{SCENARIO}`; command `make bench`"
        f"{' with BENCH_QUICK=1' if quick else ''}.", "",
        "| measure | value | goal | met |", "|---|---:|---|---|",
        *(f"| {r['measure']} | {r['value']:.3g} {r['unit']} | {r['goal']} | {verdict[r['met']]} |"
          for r in rows),
    ]
    (OUT / "bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[6:]))
    print(f"\nwritten: {OUT / 'bench.csv'}, {OUT / 'bench.md'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--experiment", nargs=4, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--calibration", nargs=5, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_vectorised(*args.child)))
        return
    if args.experiment:
        print(json.dumps(run_experiment(*args.experiment)))
        return
    if args.calibration:
        *sizes, reuse = args.calibration
        sys.path.insert(0, str(args.tree))  # the code measured: this project's or the unoptimised
        import sim

        if not Path(sim.__file__).resolve().is_relative_to(args.tree.resolve()):
            raise SystemExit(f"measured {sim.__file__}, not the code in {args.tree}")
        print(json.dumps(run_calibration(*sizes, reuse=bool(reuse))))
        return
    quick = args.quick or os.environ.get("BENCH_QUICK", "") not in ("", "0")
    info = machine()
    rows = measure(QUICK if quick else FULL)
    write(rows, info, quick)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
