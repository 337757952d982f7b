"""Small hand-made probes for the oracle-world tests (independent of the shipped suites),
and the check that they are valid probes with valid scenes."""

from __future__ import annotations

from typing import Any

import pytest

from bench.suites.schema import validate_probe
from bench.world.scene import validate_scene

G = [0.0, -9.81]
FLOOR = {"y": 0.5, "colour": "dark grey"}
VIEW = [5.0, 5.0]


def probe(objects: list[tuple[str, str, float]], scene: dict[str, Any], expect: dict[str, Any] | None = None,
          pid: str = "physics.test.probe", category: str = "P1") -> dict[str, Any]:
    """objects: (name, shape, size); the colour is the name's first word."""
    return {"id": pid, "suite": pid.split(".")[0], "category": category, "prompt": "test probe",
            "objects": [{"name": n, "colour": n.split()[0], "shape": s, "size": z} for n, s, z in objects],
            "expect": expect or {}, "checks": [], "scene": scene}


def drop(e: float = 0.0, height: float = 4.3, duration: float = 2.0, vx: float = 0.0) -> dict[str, Any]:
    """A red ball (size 0.1 of a 5 m view: r = 0.25 m) dropped from rest onto the floor (y = 0.5)."""
    return probe([("red ball", "disc", 0.1)],
                 {"view": VIEW, "duration": duration, "gravity": G, "floor": FLOOR,
                  "bodies": [{"object": "red ball", "pos": [2.5, height], "vel": [vx, 0.0], "restitution": e}]},
                 {"gravity": "down", "bounce": "red ball"})


def occlusion(speed: float = 1.1) -> dict[str, Any]:
    """A red ball rolling right at ``speed`` (no friction) from x = 0.5 behind a grey wall spanning
    x in [1.9, 2.9], a blue box resting at x = 4.5 (a bystander the ball reaches only after 3 s)."""
    return probe([("red ball", "disc", 0.1), ("blue box", "box", 0.1)],
                 {"view": VIEW, "duration": 3.0, "gravity": G, "floor": FLOOR,
                  "bodies": [{"object": "red ball", "on": "floor", "x": 0.5, "vel": [speed, 0.0]},
                             {"object": "blue box", "on": "floor", "x": 4.5}],
                  "occluders": [{"name": "grey wall", "colour": "grey", "size": [1.0, 1.6], "center": [2.4, 1.2]}]},
                 {"occlusion": {"object": "red ball", "occluder": "grey wall"}, "at_rest": ["blue box"]},
                 pid="permanence.test.occlusion", category="O1")


def sweep(n: int = 3) -> dict[str, Any]:
    """n green balls at rest 1 m apart; a grey screen sweeps across them between t = 0.8 and 2.4 s."""
    names = [f"green ball {i + 1}" for i in range(n)]
    return probe([(m, "disc", 0.08) for m in names],
                 {"view": VIEW, "duration": 3.2, "gravity": G, "floor": FLOOR,
                  "bodies": [{"object": m, "on": "floor", "x": 1.5 + i} for i, m in enumerate(names)],
                  "occluders": [{"name": "grey screen", "colour": "grey", "size": [1.3, 1.4],
                                 "path": [[0.8, -0.8, 1.1], [2.4, 5.8, 1.1]]}]},
                 {"count": {"colour": "green", "n": n}, "at_rest": names},
                 pid="permanence.test.sweep", category="O3")


def collision() -> dict[str, Any]:
    """A red ball rolling right at 2 m/s into a resting blue ball of the same size."""
    return probe([("red ball", "disc", 0.1), ("blue ball", "disc", 0.1)],
                 {"view": VIEW, "duration": 2.5, "gravity": G, "floor": FLOOR,
                  "bodies": [{"object": "red ball", "on": "floor", "x": 0.6, "vel": [2.0, 0.0], "restitution": 1.0},
                             {"object": "blue ball", "on": "floor", "x": 2.5, "restitution": 1.0}]},
                 {"collision": {"a": "red ball", "b": "blue ball"}}, category="P3")


def pendulum() -> dict[str, Any]:
    return probe([("yellow ball", "disc", 0.08)],
                 {"view": VIEW, "duration": 3.0, "gravity": G,
                  "pendulums": [{"object": "yellow ball", "pivot": [2.5, 4.5], "length": 2.5, "angle": 0.8}]},
                 {"gravity": "down"})


def cup() -> dict[str, Any]:
    """A blue cup lowered over a red ball, slid 1.5 m right, lifted."""
    r = 0.16 * 5 / 2
    return probe([("red ball", "disc", 0.08), ("blue cup", "cup", 0.16)],
                 {"view": VIEW, "duration": 3.0, "gravity": G, "floor": FLOOR,
                  "bodies": [{"object": "red ball", "on": "floor", "x": 1.5}],
                  "containers": [{"name": "blue cup", "contents": ["red ball"],
                                  "path": [[0.0, 1.5, 3.2], [0.6, 1.5, 0.5 + r], [1.6, 3.0, 0.5 + r],
                                           [2.2, 3.0, 3.2]]}]},
                 {"contained": {"object": "red ball", "container": "blue cup"}}, pid="permanence.test.cup",
                 category="O2")


ALL = {"drop": drop(), "occlusion": occlusion(), "sweep": sweep(), "collision": collision(),
       "pendulum": pendulum(), "cup": cup()}


@pytest.mark.parametrize("name", sorted(ALL))
def test_test_probes_are_valid(name: str) -> None:
    p = ALL[name]
    assert validate_probe(p) == []
    assert validate_scene(p["scene"], p) == []
