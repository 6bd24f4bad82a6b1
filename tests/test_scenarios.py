"""Scenario files: validation, inheritance, overrides and one-line errors."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.scenario.loading import SCENARIO_DIR, load_scenario

SHIPPED = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(*args) -> InputError:
    with pytest.raises(InputError) as caught:
        load_scenario(*args)
    return caught.value


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_is_valid_and_says_what_it_asks(name):
    scenario = load_scenario(name)
    assert scenario.question
    text = (SCENARIO_DIR / f"{name}.toml").read_text()
    assert text.startswith("# "), "each scenario file opens with a comment saying its question"


def test_required_scenarios_are_shipped():
    for name in ("baseline", "observed-2025", "ban-enforced", "translation-early",
                 "douyin-open", "rednote-crackdown"):
        assert name in SHIPPED


def test_misspelt_field_names_file_field_and_suggests(tmp_path):
    parent = SCENARIO_DIR / "baseline.toml"
    text = f'extends = "{parent}"\n[platforms.rednote]\nlanguag_barrier = 0.2\n'
    path = write(tmp_path, "typo.toml", text)
    error = error_of(path)
    assert error.source == str(path.resolve()) or error.source == str(path)
    assert error.field == "platforms.rednote.languag_barrier"
    assert "did you mean 'language_barrier'" in str(error)


def test_out_of_range_value_is_rejected_with_its_path(tmp_path):
    path = write(tmp_path, "bad.toml", 'extends = "%s"\n[platforms.rednote]\nmoderation = 1.5\n'
                 % (SCENARIO_DIR / "baseline.toml"))
    error = error_of(path)
    assert error.field == "platforms.rednote.moderation"
    assert "less than or equal to 1" in error.message


def test_event_naming_an_unknown_platform_suggests_the_right_one(tmp_path):
    path = write(tmp_path, "ev.toml", f'extends = "{SCENARIO_DIR / "baseline.toml"}"\n'
                 '[[events]]\ndate = 2025-01-05\nkind = "outage"\nplatform = "tiktokk"\n')
    error = error_of(path)
    assert error.field == "events.0.platform"
    assert "did you mean 'tiktok'" in str(error)


def test_unknown_event_kind_suggests_a_known_one(tmp_path):
    path = write(tmp_path, "ev.toml", f'extends = "{SCENARIO_DIR / "baseline.toml"}"\n'
                 '[[events]]\ndate = 2025-01-05\nkind = "outtage"\nplatform = "tiktok"\n')
    error = error_of(path)
    assert error.field == "events.0"
    assert "did you mean 'outage'" in str(error)


def test_set_event_must_name_a_platform_field_and_a_valid_value(tmp_path):
    base = f'extends = "{SCENARIO_DIR / "baseline.toml"}"\n[[events]]\ndate = 2025-01-05\n'
    bad_field = write(tmp_path, "a.toml", base + 'kind = "set"\nplatform = "rednote"\n'
                      'field = "apeal"\nvalue = 2.0\n')
    assert "did you mean 'appeal'" in str(error_of(bad_field))
    bad_value = write(tmp_path, "b.toml", base + 'kind = "set"\nplatform = "rednote"\n'
                      'field = "moderation"\nvalue = 7.0\n')
    assert error_of(bad_value).field == "events.0.value"


def test_extends_inherits_and_child_values_win(tmp_path):
    path = write(tmp_path, "child.toml", f'extends = "{SCENARIO_DIR / "observed-2025.toml"}"\n'
                 'question = "q"\n[platforms.rednote]\nappeal = 2.0\n')
    child, parent = load_scenario(path), load_scenario("observed-2025")
    assert child.platforms["rednote"].appeal == 2.0
    assert child.platforms["rednote"].moderation == parent.platforms["rednote"].moderation
    assert child.events == parent.events
    assert child.name == "child"


@pytest.mark.parametrize("parent", ["observed-2025.toml", "observed-2025"])
def test_extends_outside_scenarios_falls_back_to_a_shipped_scenario(tmp_path, parent):
    path = write(tmp_path, "child.toml",
                 f'extends = "{parent}"\n[platforms.rednote]\nappeal = 2.0\n')
    child, shipped = load_scenario(path), load_scenario("observed-2025")
    assert child.platforms["rednote"].appeal == 2.0
    assert child.events == shipped.events


def test_extends_prefers_a_file_next_to_the_child_over_a_shipped_one(tmp_path):
    write(tmp_path, "observed-2025.toml", f'extends = "{SCENARIO_DIR / "baseline.toml"}"\n')
    child = load_scenario(write(tmp_path, "child.toml", 'extends = "observed-2025.toml"\n'))
    assert child.events == load_scenario("baseline").events != load_scenario("observed-2025").events


def test_add_events_appends_to_inherited_events():
    crackdown, observed = load_scenario("rednote-crackdown"), load_scenario("observed-2025")
    assert crackdown.events[: len(observed.events)] == observed.events
    assert len(crackdown.events) == len(observed.events) + 1


def test_drop_and_change_events_edit_inherited_events_by_their_label(tmp_path):
    observed = load_scenario("observed-2025").events
    later = load_scenario(write(tmp_path, "later.toml", (
        'extends = "observed-2025"\ndrop_events = ["Back in app stores"]\n'
        '[[change_events]]\nlabel = "Supreme Court hearing"\ndate = 2025-01-12\nvalue = 0.9\n'
    ))).events
    hearing = next(e for e in later if e.label == "Supreme Court hearing")
    assert (str(hearing.date), hearing.value, hearing.kind) == ("2025-01-12", 0.9, "ban_threat")
    assert not any(e.label == "Back in app stores" for e in later)
    edited = ("Supreme Court hearing", "Back in app stores")
    assert [e for e in later if e.label not in edited] == [
        e for e in observed if e.label not in edited]


def test_add_targets_appends_to_inherited_targets_and_targets_replaces_them(tmp_path):
    target = ('id = "X1"\nmetric = "dau_us"\nplatform = "tiktok"\ndate = 2025-01-05\n'
              'at_least = 1\nsource = "test"\n')
    observed = load_scenario("observed-2025").targets
    added = load_scenario(write(tmp_path, "added.toml",
                                f'extends = "observed-2025"\n[[add_targets]]\n{target}')).targets
    replaced = load_scenario(write(tmp_path, "replaced.toml",
                                   f'extends = "observed-2025"\n[[targets]]\n{target}')).targets
    assert added[:-1] == observed and added[-1].id == "X1"
    assert [t.id for t in replaced] == ["X1"]


def test_inheritance_cycles_are_detected(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    error = error_of(tmp_path / "a.toml")
    assert error.field == "extends" and "cycle" in error.message


def test_missing_parent_and_broken_toml_are_input_errors(tmp_path):
    assert "not found" in str(error_of(write(tmp_path, "a.toml", 'extends = "nope.toml"\n')))
    assert "not valid TOML" in str(error_of(write(tmp_path, "b.toml", "x = = 1\n")))


def test_unknown_scenario_name_suggests_a_shipped_one():
    assert "did you mean 'observed-2025'" in str(error_of("observed-2052"))


def test_set_overrides_any_field_and_is_validated_the_same_way():
    scenario = load_scenario("observed-2025", ["platforms.rednote.language_barrier=0.2",
                                               "simulation.users=1234", "events.0.value=0.5"])
    assert scenario.platforms["rednote"].language_barrier == 0.2
    assert scenario.simulation.users == 1234
    assert scenario.events[0].value == 0.5
    typo = error_of("observed-2025", ["platforms.rednote.languagebarrier=0.2"])
    assert typo.source == "--set" and "did you mean 'language_barrier'" in str(typo)
    platform = error_of("observed-2025", ["platforms.rednot.appeal=1"])
    assert platform.source == "--set" and "did you mean 'rednote'" in str(platform)
    value = error_of("observed-2025", ["platforms.rednote.moderation=2"])
    assert value.source == "--set" and value.field == "platforms.rednote.moderation"
    assert error_of("observed-2025", ["no-equals-sign"]).source == "--set"


def test_config_hash_changes_with_any_input():
    a = load_scenario("observed-2025")
    assert a.config_hash() == load_scenario("observed-2025").config_hash()
    assert a.config_hash() != load_scenario("observed-2025", ["dynamics.buzz=1"]).config_hash()
