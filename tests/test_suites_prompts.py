"""The shipped prompt suites: valid, varied, covering the taxonomy, and every probe renders."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bench.suites import load_suites
from bench.suites.schema import PROBE_CHECKS, WORLD_SHAPES
from bench.world import render_probe

SUITES = {s.name: s for s in load_suites(["physics", "permanence", "identity"])}
REQUIRED = {"physics": {"P1", "P2", "P3", "P4", "P5", "P6", "P9"},
            "permanence": {"O1", "O2", "O3", "O5"},
            "identity": {"I1", "I2", "I3", "I4"}}
ALL = [p for s in SUITES.values() for p in s.probes]


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_suite_size_and_taxonomy(name: str) -> None:
    s = SUITES[name]
    assert len(s.probes) >= 40
    cats = s.categories()
    assert REQUIRED[name] <= set(cats)
    assert all(n >= 4 for c, n in cats.items())                              # no token categories


def test_checks_are_probe_checks_backed_by_expectations() -> None:
    needs = {"probe.gravity": "gravity", "probe.bounce": "bounce", "probe.rigidity": "rigid",
             "probe.collision": "collision", "probe.friction": "decelerate", "probe.support": "at_rest",
             "probe.reappearance": "occlusion", "probe.containment": "contained", "probe.count": "count",
             "probe.attributes": "persist", "probe.crossing": "cross"}
    for p in ALL:
        assert set(p["checks"]) <= set(PROBE_CHECKS), p["id"]
        for c in p["checks"]:
            assert c not in needs or needs[c] in p["expect"], (p["id"], c)
        if p["scene"] is not None:
            assert p["checks"], p["id"]


def test_text_only_face_probes() -> None:
    faces = [p for p in SUITES["identity"].probes if p["category"] == "I3"]
    assert len(faces) >= 3
    for p in faces:
        assert p["scene"] is None and p["checks"] == [] and p["expect"] == {"requires_weights": ["face"]}
    assert all(p["scene"] is not None for p in ALL if p["category"] != "I3")


def test_prompts_name_their_objects_and_are_not_copies() -> None:
    for p in ALL:
        for o in p["objects"]:                   # the name is the prompt's phrase ("green ball 2" -> "green ball")
            assert o["name"].rstrip(" 0123456789").lower() in p["prompt"].lower(), (p["id"], o["name"])
    skeletons = Counter(re.sub(r"\d|red|green|blue|yellow|orange|purple|cyan|magenta|brown|pink", "", p["prompt"])
                        for p in ALL)
    assert max(skeletons.values()) == 1                                      # no probe differs by a number/colour only


def test_variety_of_objects_colours_and_shapes() -> None:
    objs = [o for p in ALL for o in p["objects"]]
    assert {o["shape"] for o in objs} == set(WORLD_SHAPES)
    assert len({o["colour"] for o in objs}) == 10
    assert len({o["size"] for o in objs}) >= 8


def test_every_probe_with_a_scene_renders() -> None:
    for p in ALL:
        if p["scene"] is None:
            continue
        v, t = render_probe(p, 0, frames=8, size=48)
        assert v.shape == (8, 48, 48, 3), p["id"]
        assert t.names == [o["name"] for o in p["objects"]]
        assert (t.visible_fraction.max(axis=1) > 0.5).all(), p["id"]          # every object is seen
