"""What a results folder gives a reader without sim: the per-run table (``run_outcomes.parquet``
and ``.csv``, a row per run with its design and headline outcomes) and the data dictionary
(``datapackage.json``, a Frictionless Data Package of every table), valid and true to the
files."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from small_runs import make_folder

from sim.experiments import dictionary
from sim.experiments.store import read_results

frictionless = pytest.importorskip("frictionless")


def package_of(folder) -> dict:
    return json.loads((folder / "datapackage.json").read_text())


def columns_of(folder, resource: dict) -> list[list[str]]:
    """The columns of each file of a resource, as written."""
    paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
    return [list(pd.read_csv(folder / p, nrows=0).columns) if p.endswith(".csv")
            else pq.read_schema(folder / p).names for p in paths]


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """Two values of one field, one replicate each."""
    return make_folder(tmp_path_factory.mktemp("swept") / "buzz", ["observed-2025"],
                       sweeps=["dynamics.buzz=1.5,3"], replicates=1)


def test_the_data_package_lists_every_table_and_exactly_the_columns_written(three_scenarios):
    package = package_of(three_scenarios)
    resources = {r["name"]: r for r in package["resources"]}
    assert {"design", "runs", "run_outcomes", "run_outcomes_csv", "timeseries", "flows",
            "cohorts", "profile", "summary"} <= set(resources)
    assert len(resources["timeseries"]["path"]) == 9  # a file per run
    for name, resource in resources.items():
        listed = [f["name"] for f in resource["schema"]["fields"]]
        for written in columns_of(three_scenarios, resource):
            assert written == listed, name


def test_every_column_says_what_it_is_and_counts_name_their_unit(three_scenarios, swept):
    for folder in (three_scenarios, swept):
        for resource in package_of(folder)["resources"]:
            for field in resource["schema"]["fields"]:
                assert field["description"], f"{resource['name']}.{field['name']}"
                if field["type"] == "number":
                    assert field.get("unit"), f"{resource['name']}.{field['name']}"
    fields = {f["name"]: f for f in package_of(three_scenarios)["resources"][2]["schema"]
              ["fields"]}
    assert fields["rednote.tried"]["unit"] == dictionary.SHARE
    assert fields["rednote.peak_dau"]["unit"] == dictionary.USERS
    assert fields["rednote.peak_date"]["type"] == "date"


def test_the_data_package_is_valid_and_the_per_run_csv_matches_its_types(three_scenarios):
    package = package_of(three_scenarios)
    report = frictionless.Package.validate_descriptor(package)
    assert report.valid, report.flatten(["message"])[:5]
    csv = next(r for r in package["resources"] if r["name"] == "run_outcomes_csv")
    report = frictionless.validate(frictionless.Resource(csv, basepath=str(three_scenarios)))
    assert report.valid, report.flatten(["message"])[:5]


@pytest.mark.slow
def test_every_file_of_the_data_package_matches_its_types(three_scenarios):
    report = frictionless.validate(str(three_scenarios / "datapackage.json"))
    assert report.valid, report.flatten(["taskName", "message"])[:5]


def test_a_wrong_type_in_the_dictionary_would_be_caught(three_scenarios, tmp_path):
    package = package_of(three_scenarios)
    csv = next(r for r in package["resources"] if r["name"] == "run_outcomes_csv")
    next(f for f in csv["schema"]["fields"] if f["name"] == "scenario")["type"] = "integer"
    (tmp_path / "run_outcomes.csv").write_bytes((three_scenarios / "run_outcomes.csv")
                                                .read_bytes())
    (tmp_path / "datapackage.json").write_text(json.dumps({**package, "resources": [csv]}))
    assert not frictionless.validate(str(tmp_path / "datapackage.json")).valid


def test_the_per_run_table_has_a_row_per_run_with_its_design_and_outcomes(three_scenarios):
    table = pd.read_csv(three_scenarios / "run_outcomes.csv")
    design = pd.read_parquet(three_scenarios / "design.parquet")
    assert table["run_id"].tolist() == design["run_id"].tolist()
    assert (table["seed"] == design["seed"]).all() and (table["status"] == "ok").all()
    stored = read_results([three_scenarios])
    ts = stored.timeseries
    peak = ts[ts["platform"] == "rednote"].groupby("run_id")["dau_us"].max()
    assert table.set_index("run_id")["rednote.peak_dau"].to_dict() == pytest.approx(
        peak.to_dict())


def test_dates_are_dates_and_swept_fields_are_columns(swept):
    table = pd.read_parquet(swept / "run_outcomes.parquet")
    assert sorted(table["dynamics.buzz"]) == [1.5, 3.0]
    stored = read_results([swept])
    start = stored.scenarios["observed-2025"].simulation.start
    rednote = stored.timeseries[stored.timeseries["platform"] == "rednote"]
    peak_day = rednote.loc[rednote.groupby("run_id")["dau_us"].idxmax()].set_index("run_id")
    for run, date in table[["run_id", "rednote.peak_date"]].values:
        assert date == start + dt.timedelta(days=int(peak_day.loc[run, "day"]))
