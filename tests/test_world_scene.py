"""The scene schema: bad scenes give one-line problems; the suite loader reports them with file:line."""

from __future__ import annotations

import copy
import json

import pytest

from bench.errors import UserError
from bench.suites import load_suite_file
from bench.world import render_probe, validate_scene
from tests.test_world_probes import cup, drop, occlusion


def problems(p: dict, edit) -> list[str]:
    p = copy.deepcopy(p)
    edit(p["scene"], p)
    return validate_scene(p["scene"], p)


def set_(path: list, value) -> object:
    def edit(scene: dict, probe: dict) -> None:
        d = scene
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value
    return edit


@pytest.mark.parametrize("edit,needle", [
    (set_(["bodies", 0, "restitution"], 1.2), "energy_gain"),
    (set_(["bodies", 0, "object"], "green ball"), "not in the probe's objects"),
    (set_(["view"], [5, -1]), "view"),
    (set_(["duration"], 0), "duration"),
    (set_(["gravity"], "down"), "gravity"),
    (set_(["background"], "red"), "background"),
    (set_(["floor"], {"y": 0.5, "colour": "blue"}), "scene colour"),
    (set_(["bodies", 0, "pos"], [2.5, 0.6]), "sinks into 'floor'"),
    (set_(["bodies", 0, "friction"], -1), "friction"),
    (set_(["bodies", 0, "mass"], 0), "mass"),
    (set_(["wind"], 3), "unknown key"),
    (set_(["bodies"], []), "not placed"),
    (set_(["ramps"], [{"name": "ramp", "colour": "grey", "top": [1, 2], "bottom": [3, 0.2]}]), "must lie on the floor"),
    (set_(["occluders"], [{"name": "red ball", "colour": "grey", "size": [1, 1], "center": [1, 1]}]), "probe object"),
    (set_(["occluders"], [{"name": "wall", "colour": "grey", "size": [1, 1]}]), "exactly one of 'center' and 'path'"),
    (set_(["occluders"], [{"name": "wall", "colour": "grey", "size": [1, 1], "path": [[1, 0, 0], [0.5, 1, 1]]}]),
     "increase strictly"),
])
def test_bad_scenes_give_one_line_problems(edit, needle: str) -> None:
    errs = problems(drop(), edit)
    assert errs and any(needle in e for e in errs), errs
    assert all("\n" not in e for e in errs)


def test_overlapping_bodies_and_small_cups_are_refused() -> None:
    p = occlusion()
    p["scene"]["bodies"][1] = {"object": "blue box", "on": "floor", "x": 0.7}
    assert any("overlap" in e for e in validate_scene(p["scene"], p))
    c = cup()
    c["objects"][1]["size"] = 0.09
    assert any("does not fit" in e for e in validate_scene(c["scene"], c))
    c = cup()
    c["scene"]["containers"][0]["contents"] = []
    assert any("contents" in e for e in validate_scene(c["scene"], c))


def test_valid_scenes_have_no_problems() -> None:
    for p in (drop(), occlusion(), cup()):
        assert validate_scene(p["scene"], p) == []


def test_suite_loader_reports_scene_problems_with_file_and_line(tmp_path) -> None:
    good, bad = drop(), drop()
    bad["id"] = "physics.test.bad"
    bad["scene"]["bodies"][0]["restitution"] = 1.5
    f = tmp_path / "physics.jsonl"
    f.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(UserError, match=r"physics\.jsonl:2: scene: .*restitution"):
        load_suite_file(f)


def test_render_refuses_text_only_and_invalid_probes() -> None:
    p = drop()
    p["scene"] = None
    with pytest.raises(UserError, match="no scene"):
        render_probe(p, 0)
    p = drop()
    p["scene"]["duration"] = -1
    with pytest.raises(UserError, match="duration"):
        render_probe(p, 0)
    with pytest.raises(UserError):
        render_probe(drop(), -1)
    with pytest.raises(UserError):
        render_probe(drop(), 0, size=4)
