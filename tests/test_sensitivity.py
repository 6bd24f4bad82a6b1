"""``sim sensitivity``: SALib's indices recovered on functions whose indices are known, and the
command's files, figure and resume checked against each other."""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from sim.analysis.indices import Analysis, analyse
from sim.cli import main
from sim.experiments.sampling import sample
from sim.report.sensitivity import indices_chart

PI = float(np.pi)
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}  # a = 7, b = 0.1 (Ishigami & Homma)
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def ishigami(points: pd.DataFrame) -> np.ndarray:
    x1, x2, x3 = (points[c].to_numpy() for c in ("x1", "x2", "x3"))
    return np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)


def toy(method: str, samples: int, bounds) -> tuple[Analysis, pd.DataFrame]:
    varied = [(name, tuple(b)) for name, b in bounds.items()]
    analysis = Analysis(varied, ["y"], method, samples, seed=3)
    return analysis, pd.DataFrame(sample(analysis))


def test_sobol_indices_of_the_ishigami_function_are_recovered_within_their_intervals():
    analysis, points = toy("sobol", 1024, {f"x{i}": (-PI, PI) for i in (1, 2, 3)})
    assert len(points) == 1024 * (3 + 2)
    table = analyse(analysis, points, pd.DataFrame({"y": ishigami(points)})).table
    for row in table.itertuples():
        assert abs(row.S1 - ISHIGAMI_S1[row.field]) <= row.S1_conf + 0.01, row
        assert abs(row.ST - ISHIGAMI_ST[row.field]) <= row.ST_conf + 0.01, row
        assert row.S1_conf < 0.15 and row.ST_conf < 0.15


def test_an_additive_outcome_splits_its_variance_by_the_squares_of_its_slopes():
    # y = 3a + 1b + 0c on unit ranges: S1 = ST = 9/10, 1/10, 0
    analysis, points = toy("sobol", 512, {"a": (0, 1), "b": (0, 1), "c": (0, 1)})
    y = 3 * points["a"] + points["b"]
    table = analyse(analysis, points, pd.DataFrame({"y": y})).table.set_index("field")
    for name, expected in {"a": 0.9, "b": 0.1, "c": 0.0}.items():
        assert abs(table.loc[name, "S1"] - expected) <= table.loc[name, "S1_conf"] + 0.01
        assert abs(table.loc[name, "ST"] - expected) <= table.loc[name, "ST_conf"] + 0.01


def test_morris_ranks_fields_by_their_effect_and_finds_the_inert_one():
    analysis, points = toy("morris", 40, {"a": (0, 1), "b": (0, 1), "c": (0, 1)})
    y = 3 * points["a"] + points["b"]
    table = analyse(analysis, points, pd.DataFrame({"y": y})).table.set_index("field")
    assert table.loc["a", "mu_star"] == pytest.approx(3.0)  # linear: every effect is the slope
    assert table.loc["b", "mu_star"] == pytest.approx(1.0)
    assert table.loc["c", "mu_star"] == pytest.approx(0.0, abs=1e-9)


def test_an_outcome_that_never_changes_or_is_undefined_is_said_so():
    analysis, points = toy("sobol", 8, {"a": (0, 1), "b": (0, 1)})
    analysis.outcomes = ["flat", "gaps"]
    values = pd.DataFrame({"flat": 1.0, "gaps": [np.nan] + [1.0] * (len(points) - 1)},
                          index=points.index)
    found = analyse(analysis, points, values)
    assert set(found.table["outcome"]) == {"flat"} and (found.table["ST"] == 0).all()
    assert any("flat: the same at every point" in n for n in found.notes)
    assert any("gaps: not defined at 1 of" in n for n in found.notes)


ARGS = ["sensitivity", "observed-2025", "--vary", "dynamics.buzz=1.5:3",
        "--vary", "platforms.rednote.appeal=0.8:1.6", "--samples", "8", "--users", "300",
        "--days", "30", "--workers", "1", "--quiet", "--outcome", "rednote.peak_dau",
        "--outcome", "instagram.gain", "--outcome", "tiktok.trough_dau"]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sensitivity") / "made"
    assert main([*ARGS, "--out", str(folder)]) == 0
    return folder


@pytest.mark.slow
def test_the_command_writes_indices_a_table_and_a_chart_that_agree(analysed):
    table = pd.read_parquet(analysed / "sensitivity.parquet")
    assert set(table["outcome"]) == {"rednote.peak_dau", "instagram.gain", "tiktok.trough_dau"}
    assert set(table["field"]) == {"dynamics.buzz", "platforms.rednote.appeal"}
    design = pd.read_parquet(analysed / "design.parquet")
    assert len(design) == 8 * (2 + 2)  # Saltelli: N × (D + 2) points, one replicate each
    markdown = (analysed / "sensitivity.md").read_text()
    assert "RedNote: peak daily US users" in markdown and "`dynamics.buzz`" in markdown
    moved = sorted(set(table.loc[table["ST"] != 0, "outcome"]))
    assert "rednote.peak_dau" in moved  # an outcome no field moves is in the notes, not drawn
    svg = ET.parse(analysed / "plots" / "sensitivity.svg").getroot()
    ids = {node.get("id") for node in svg.iter() if node.get("id")}
    for row in table[table["outcome"].isin(moved)].itertuples():
        assert f"ST:{row.outcome}:{row.field}" in ids and f"S1:{row.outcome}:{row.field}" in ids
    for outcome in moved:
        assert (analysed / "plots" / f"sensitivity-{outcome.replace('.', '-')}.png").exists()
    figure = indices_chart(table, moved, str, "")
    bars = {p.get_gid(): p for ax in figure.axes for p in ax.patches if p.get_gid()}
    for row in table[table["outcome"].isin(moved)].itertuples():
        assert bars[f"ST:{row.outcome}:{row.field}"].get_width() == pytest.approx(row.ST)
        assert bars[f"S1:{row.outcome}:{row.field}"].get_width() == pytest.approx(row.S1)


@pytest.mark.slow
def test_a_killed_analysis_resumes_to_the_same_indices(analysed, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(analysed, copy)
    for run in sorted((copy / "status").glob("*.json"))[::3]:  # a third of the runs lost
        run.unlink()
    (copy / "sensitivity.parquet").unlink()
    assert main(["sensitivity", "--resume", str(copy), "--workers", "1", "--quiet"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(copy / "sensitivity.parquet"),
                                  pd.read_parquet(analysed / "sensitivity.parquet"))


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_indices(analysed, tmp_path):
    """The analysis's runs on a Dask cluster (``--executor dask``): the same design and indices
    as on one local worker, every run made by one of the cluster's workers."""
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "dask"
    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None) as cluster,
          distributed.Client(cluster) as client):
        assert main([*ARGS, "--executor", "dask", "--scheduler", cluster.scheduler_address,
                     "--out", str(out)]) == 0
        cluster_pids = set(client.run(os.getpid).values())
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sensitivity.parquet"),
                                  pd.read_parquet(analysed / "sensitivity.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "design.parquet"),
                                  pd.read_parquet(analysed / "design.parquet"))
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all()
    assert {int(worker.rsplit(":", 1)[1]) for worker in runs["worker"]} <= cluster_pids


BAD = [
    (["--vary", "dynamics.buz=1:2", "--vary", "dynamics.buzz=1:2"], ("--vary", "dynamics.buz",
                                                                    "did you mean 'buzz'")),
    (["--vary", "dynamics.buzz=3:1", "--vary", "dynamics.threat_push=1:2"],
     ("--vary", "dynamics.buzz", "empty range")),
    (["--vary", "platforms.rednote.language_barrier=0.5:1.5", "--vary", "dynamics.buzz=1:2"],
     ("--vary", "platforms.rednote.language_barrier", "1.5 is not allowed")),
    (["--vary", "dynamics.buzz=1:2", "--vary", "dynamics.threat_push=1:2", "--samples", "10"],
     ("--samples", "power of two")),
    (["--vary", "dynamics.buzz=1:2", "--vary", "dynamics.threat_push=1:2", "--method", "sobl"],
     ("--method", "sobl")),
    (["--vary", "dynamics.buzz=1:2", "--vary", "dynamics.threat_push=1:2", "--outcome",
      "rednote.peak_daus"], ("--outcome", "did you mean 'rednote.peak_dau'")),
    (["--vary", "dynamics.buzz=1:2"], ("--vary", "at least two")),
    (["--vary", "dynamics.buzz=nan:2", "--vary", "dynamics.threat_push=1:2"],
     ("--vary", "dynamics.buzz", "finite")),
]


@pytest.mark.parametrize("argv,says", BAD, ids=[b[1][-1] for b in BAD])
def test_bad_sensitivity_input_is_refused_in_one_line_and_writes_nothing(argv, says, tmp_path,
                                                                         capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status = main(["sensitivity", "observed-2025", *argv, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and err[0].startswith("error: "), err
    for part in says:
        assert part in err[0], (part, err[0])
    assert not any(tmp_path.iterdir())


def test_a_sensitivity_table_in_the_scenario_file_is_read_and_options_win(tmp_path, capsys):
    from sim.experiments.sampling import from_options

    path = tmp_path / "what-moves.toml"
    path.write_text('extends = "observed-2025"\n[sensitivity]\nvary = ["dynamics.buzz=1.5:3", '
                    '"platforms.rednote.appeal=0.8:1.6"]\noutcomes = ["rednote.peak_dau"]\n'
                    'method = "morris"\nsamples = 4\n')
    _, analysis, _ = from_options(str(path), [], [], [], None, None, None)
    assert analysis.fields == ["dynamics.buzz", "platforms.rednote.appeal"]
    assert (analysis.method, analysis.samples, analysis.outcomes) == (
        "morris", 4, ["rednote.peak_dau"])
    _, analysis, _ = from_options(str(path), [], ["dynamics.buzz=1:2", "dynamics.exodus_push=1:2"],
                                  [], "sobol", 8, None)
    assert analysis.fields == ["dynamics.buzz", "dynamics.exodus_push"]
    path.write_text(path.read_text().replace("buzz=1.5:3", "buz=1.5:3"))
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "sensitivity.vary: dynamics.buz" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
