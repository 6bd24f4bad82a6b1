"""Priors of ``sim calibrate --posterior`` other than uniform: ``--fit FIELD=LOW:HIGH:log`` and
``...:normal:MEAN:SD`` are refused in one line when garbled, and the search does draw its first
generation from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from sim.analysis import priors
from sim.cli import main
from sim.experiments import abc_smc

BAD = [
    (("calibrate", "--fit", "dynamics.buzz=1:3:cauchy", "--posterior", "10"), "unknown prior"),
    (("calibrate", "--fit", "dynamics.buzz=1:3:lgo", "--posterior", "10"), "did you mean 'log'"),
    (("calibrate", "--fit", "dynamics.buzz=-1:3:log", "--posterior", "10"), "0 < LOW"),
    (("calibrate", "--fit", "dynamics.buzz=1:3:log:2", "--posterior", "10"), "takes no numbers"),
    (("calibrate", "--fit", "dynamics.buzz=1:3:normal:2", "--posterior", "10"), "MEAN:SD"),
    (("calibrate", "--fit", "dynamics.buzz=1:3:normal:2:0", "--posterior", "10"), "SD > 0"),
    (("calibrate", "--fit", "dynamics.buzz=1:3:log", "--budget", "12"), "for --posterior"),
    (("sensitivity", "--vary", "dynamics.buzz=1:3:log"), "for sim calibrate --posterior"),
]


@pytest.mark.parametrize("argv, says", BAD, ids=[b[1] for b in BAD])
def test_a_bad_prior_is_refused_in_one_line_naming_the_option_and_field(argv, says, tmp_path,
                                                                       monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    command, *options = argv
    assert main([command, "observed-2025", *options, "--out", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    option = "--vary" if command == "sensitivity" else "--fit"
    assert len(lines) == 1 and option in lines[0] and "dynamics.buzz" in lines[0], lines
    assert says in lines[0], lines
    assert not any(tmp_path.iterdir())  # nothing written


def test_each_prior_is_scipys_distribution_over_the_range():
    assert priors.frozen((), 1, 3).ppf([0, 1]).tolist() == [1, 3]
    log = priors.frozen(("log",), 0.1, 10)
    assert log.median() == pytest.approx(1.0)
    assert log.ppf([0, 1]).tolist() == pytest.approx([0.1, 10])
    normal = priors.frozen(("normal", 1.0, 0.2), 0.5, 1.5)  # truncated at 2.5 SD each side
    assert normal.median() == pytest.approx(1.0) and normal.ppf(1) == pytest.approx(1.5)
    assert normal.std() < 0.2
    assert priors.describe(("normal", 1.2, 0.1), 0.5, 1.5) == "normal(1.2, 0.1) in 0.5 – 1.5"


@pytest.mark.slow
def test_the_first_generation_is_drawn_from_the_priors(tmp_path):
    """A one-generation search: every proposal of it is a prior draw (the batches record them),
    so a log-uniform field's proposals follow the log-uniform and not the uniform, and a narrow
    normal's cluster at its mean; the table names the priors."""
    folder = tmp_path / "search"
    argv = ["calibrate", "observed-2025", "--fit", "dynamics.buzz=0.05:5:log",
            "--fit", "platforms.rednote.appeal=0.5:1.5:normal:1.2:0.05", "--posterior", "30",
            "--generations", "1", "--replicates", "1", "--users", "200", "--days", "20",
            "--workers", "1", "--quiet", "--out", str(folder)]
    assert main(argv) == 0
    proposed = pd.concat([pd.read_parquet(part)
                          for part in sorted(folder.glob("batches/*/design.parquet"))])
    buzz, appeal = proposed["dynamics.buzz"], proposed["platforms.rednote.appeal"]
    assert len(proposed) >= 30
    assert scipy.stats.kstest(buzz, priors.frozen(("log",), 0.05, 5).cdf).pvalue > 0.01
    assert scipy.stats.kstest(buzz, priors.frozen((), 0.05, 5).cdf).pvalue < 0.001
    assert scipy.stats.kstest(appeal, priors.frozen(("normal", 1.2, 0.05), 0.5, 1.5).cdf
                              ).pvalue > 0.01
    assert abs(np.mean(appeal) - 1.2) < 0.03 and appeal.between(1.0, 1.4).all()
    found = abc_smc.read(folder / abc_smc.FILE)
    assert [f["prior"] for f in found.meta["fields"]] == [["log"], ["normal", 1.2, 0.05]]
    credible = (folder / "credible.md").read_text()
    assert "| prior |" in credible and "log-uniform 0.05 – 5" in credible
    assert "normal(1.2, 0.05) in 0.5 – 1.5" in credible
