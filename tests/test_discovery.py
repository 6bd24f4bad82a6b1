"""``sim discover``: PRIM finds the box where an outcome happens, and the figures and tables
show that box."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from small_runs import make_folder

from sim.analysis.prim import discover
from sim.cli import main
from sim.errors import InputError
from sim.report.discovery import as_markdown, box_chart, trajectory_chart


def known_region(n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    cases = pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "c": rng.random(n)})
    return cases.assign(y=np.where((cases.a > 0.6) & (cases.b < 0.4), 1.0, 0.0))


def test_prim_finds_the_box_where_the_outcome_happens_and_leaves_the_inert_field_free():
    found = discover(known_region(), "y", above=0.5, below=None, coverage=0.8)
    box = found.box.set_index("field")
    assert box.loc["a", "low"] == pytest.approx(0.6, abs=0.05)
    assert box.loc["b", "high"] == pytest.approx(0.4, abs=0.05)
    assert not box.loc["c", "restricted"]
    step = found.trajectory.loc[found.chosen]
    assert step["coverage"] >= 0.8 and step["density"] >= 0.9
    # coverage and density are what they say, counted from the cases
    cases = found.cases
    inside = np.ones(len(cases), dtype=bool)
    for name, row in box.iterrows():
        inside &= (cases[name] >= row["low"]) & (cases[name] <= row["high"])
    hits = cases["of_interest"]
    assert step["coverage"] == pytest.approx((inside & hits).sum() / hits.sum())
    assert step["density"] == pytest.approx((inside & hits).sum() / inside.sum())
    assert "`a`" in as_markdown(found) and "`c`" not in as_markdown(found)


def test_the_figures_mark_the_chosen_step_and_draw_the_box():
    found = discover(known_region(), "y", above=0.5, below=None, coverage=0.8)
    chosen = next(line for ax in trajectory_chart(found).axes for line in ax.get_lines()
                  if line.get_gid() == "chosen")
    step = found.trajectory.loc[found.chosen]
    assert list(chosen.get_xdata()) == [step["coverage"]]
    assert list(chosen.get_ydata()) == [step["density"]]
    ax = box_chart(found).axes[0]
    rectangle = next(p for p in ax.patches if p.get_gid() == "box")
    box = found.box.set_index("field")
    x, y = ax.get_xlabel(), ax.get_ylabel()
    assert {x, y} == {"a", "b"}  # the two restricted fields, not the inert one
    assert rectangle.get_x() == pytest.approx(box.loc[x, "low"])
    assert rectangle.get_x() + rectangle.get_width() == pytest.approx(box.loc[x, "high"])
    assert rectangle.get_y() == pytest.approx(box.loc[y, "low"])
    assert rectangle.get_y() + rectangle.get_height() == pytest.approx(box.loc[y, "high"])

def test_exactly_one_threshold_and_something_to_tell_apart():
    with pytest.raises(InputError, match="exactly one"):
        discover(known_region(), "y", above=0.5, below=0.5)
    with pytest.raises(InputError, match="no run has"):
        discover(known_region(), "y", above=2.0, below=None)


@pytest.mark.slow
def test_the_command_finds_that_more_appeal_makes_a_higher_peak(tmp_path, capsys):
    folder = make_folder(tmp_path / "grid", ["observed-2025"], sweeps=[
        "platforms.rednote.appeal=0:1.6:5", "dynamics.buzz=1.5:3:3"], replicates=1)
    assert main(["discover", str(folder), "--outcome", "rednote.peak_dau", "--above", "1e7",
                 "--out", str(tmp_path / "found")]) == 0
    box = pd.read_csv(tmp_path / "found" / "box.csv").set_index("field")
    assert box.loc["platforms.rednote.appeal", "low"] > 0  # the low-appeal corner is out
    assert (tmp_path / "found" / "peeling-trajectory.png").exists()
    assert (tmp_path / "found" / "box.png").exists()
    assert main(["discover", str(folder), "--outcome", "rednote.peak_daus", "--above", "1",
                 "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did you mean 'rednote.peak_dau'" in err[0]
    assert not (tmp_path / "bad").exists()
