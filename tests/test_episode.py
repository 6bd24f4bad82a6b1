"""Nothing in the code belongs to one episode: a scenario whose platforms have other names runs
through run, plot, compare and check without a word of TikTok or RedNote anywhere; a platform
can be launched part-way."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from small_runs import cli

from sim.errors import PROJECT
from sim.scenario.loading import load_scenario

EPISODE = """
name = "{name}"
question = "What if Zedland banned Alpha?"

[simulation]
start = 2031-03-01
days = 60
users = 1500
seed = 11
replicates = 2

[population]
real_users = 9_000_000

[episode]
origin = "alpha"
headline = "beta"
population = "Zedland Alpha users"
market = "Zedland"
protest_country = "QQ"
protest_tag = "#AlphaExiles"

[platforms.alpha]
label = "Alpha"
owner = "Alpha Corp"
owner_country = "QQ"
threatened = true
appeal = 1.0
initial_accounts = 1.0
initial_engaged = 1.0

[platforms.beta]
label = "Beta"
owner = "Beta Ltd"
owner_country = "QQ"
appeal = {beta_appeal}
novelty = 0.8
language_barrier = 0.4
initial_accounts = 0.01

[platforms.gamma]
label = "Gamma"
owner = "Gamma Inc"
appeal = 0.6
initial_accounts = 0.0

[[events]]
kind = "ban_threat"
date = 2031-03-10
value = 0.9

[[events]]
kind = "launch"
platform = "gamma"
date = 2031-03-20

[[events]]
kind = "outage"
platform = "alpha"
date = 2031-03-25

[[targets]]
id = "Z1"
description = "Beta's daily users at the peak"
metric = "dau_us"
platform = "beta"
stat = "max"
start = 2031-03-10
end = 2031-04-20
at_least = 1.0
source = "made up for the test"
"""

FORBIDDEN = re.compile(r"tiktok|rednote|xiaohongshu|lemon8|douyin|refugee", re.IGNORECASE)


def _write(folder, name="zedland", beta_appeal=1.2):
    path = folder / f"{name}.toml"
    path.write_text(EPISODE.format(name=name, beta_appeal=beta_appeal))
    return path


def _text_of(path) -> str:
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        return " ".join(map(str, frame.columns)) + " " + " ".join(
            frame.select_dtypes(exclude="number").astype(str).to_numpy().ravel())
    if path.suffix == ".png":
        return ""  # pixels: their words are in the SVG twin
    return path.read_text(errors="replace")


@pytest.mark.slow
def test_another_episode_runs_through_every_command_in_its_own_words(tmp_path):
    first, second = _write(tmp_path), _write(tmp_path, "zedland-sticky", beta_appeal=0.4)
    outputs = []
    for args in (["run", str(first), str(second), "--out", str(tmp_path / "run"), "--quiet"],
                 ["plot", str(tmp_path / "run")],
                 ["compare", str(tmp_path / "run"), "--baseline", "zedland-sticky",
                  "--out", str(tmp_path / "compare")],
                 ["check", str(first), "--out", str(tmp_path / "check"), "--quiet"]):
        done = cli(*args)
        assert done.returncode in (0, 3), (args, done.stderr)
        outputs.append(done.stdout + done.stderr)
    files = [p for p in tmp_path.rglob("*") if (p.is_file() and p.suffix != ".toml")
             or p.name == "config.resolved.toml"]
    assert any(p.suffix == ".svg" for p in files) and any(p.suffix == ".md" for p in files)
    # the software's own name, recorded in the manifest, is not the episode's
    found = {str(p.relative_to(tmp_path)): FORBIDDEN.findall(_text_of(p).replace(PROJECT, ""))
             for p in files}
    assert not {k: v for k, v in found.items() if v}
    assert not FORBIDDEN.findall(" ".join(outputs))
    summary = (tmp_path / "run" / "plots" / "summary.md").read_text()
    assert "% of Zedland Alpha users" in summary and "peak daily Zedland users" in summary
    assert "Daily active Zedland users" in (
        tmp_path / "run" / "plots" / "trajectories-dau_us.svg").read_text()


def test_a_launched_platform_exists_only_from_its_launch(tmp_path):
    from sim.model.migration import MigrationModel

    scenario = load_scenario(_write(tmp_path))
    model = MigrationModel(scenario, rng=1).run()
    daily = model.timeseries().pivot(index="day", columns="platform", values="signups")
    launch = (pd.Timestamp("2031-03-20") - pd.Timestamp("2031-03-01")).days
    assert daily["gamma"].iloc[:launch].sum() == 0  # nobody can join what does not exist
    assert daily["gamma"].iloc[launch:].sum() > 0


def test_a_launched_platform_cannot_have_accounts_before_it_exists(tmp_path, capsys):
    from sim.cli import main

    path = _write(tmp_path)
    assert main(["validate", str(path), "--set", "platforms.gamma.initial_accounts=0.2"]) == 2
    assert "platforms.gamma.initial_accounts: must be 0" in capsys.readouterr().err


def test_the_protest_move_follows_the_episode_country(tmp_path):
    """The protest motive pulls toward apps owned in the episode's protest country that the ban
    does not cover: Beta here; with another country, nothing."""
    from sim.model.platforms import Platforms

    scenario = load_scenario(_write(tmp_path))
    assert list(Platforms(scenario).protest_owned) == [1.0, 1.0, 0.0]
    other = load_scenario(_write(tmp_path), ["episode.protest_country=\"\""])
    assert list(Platforms(other).protest_owned) == [0.0, 0.0, 0.0]


def test_episode_names_must_be_platforms(tmp_path, capsys):
    from sim.cli import main

    assert main(["validate", str(_write(tmp_path)), "--set", 'episode.headline="bta"']) == 2
    assert "episode.headline: unknown name 'bta' (did you mean 'beta'?)" in (
        capsys.readouterr().err)
