"""The 3-D world's physics, read back from its ground truth: g, bounces, momentum, occlusion, projection."""

from __future__ import annotations

import numpy as np
import pytest

from bench.world.edits import Edits
from bench.world.pipeline import load_scene
from bench.world3d import render_probe3d
from bench.world3d.sim3d import DT, simulate3d
from tests.test_world_probes import VIEW, collision, drop, occlusion, probe

G = 9.81


def test_free_fall_g_from_the_3d_trajectory_within_2_percent() -> None:
    p = drop(height=4.3, duration=0.8)                    # lands at t = sqrt(2 * 3.55 / g) = 0.85 s
    _, t = render_probe3d(p, 1, frames=24, size=32, jitter=0.0)
    z = np.array(t.extra["position3d"][0], float)[:, 2]
    c = np.polyfit(t.world_times, z, 2)
    assert abs(-2 * c[0] - G) / G < 0.02
    # the in-plane truth is the same motion
    assert np.allclose(t.world[0, :, 1], z)


def test_apex_heights_never_rise() -> None:
    p = drop(e=0.8, height=4.3, duration=4.0)
    scene = load_scene(p)
    sim = simulate3d(scene, Edits(), 4.0)
    z = sim.pos[0, :, 2]
    impacts = [e for e in sim.events if e.kind == "impact"]
    cuts = [0] + [int(round(e.t / DT)) for e in impacts] + [len(z)]
    apex = [z[a:b].max() for a, b in zip(cuts, cuts[1:]) if b > a]        # the highest point of each flight
    assert len(apex) >= 4
    assert all(b <= a + 1e-6 for a, b in zip(apex, apex[1:]))
    assert len(impacts) >= 3 and impacts[0].info["vn"] == pytest.approx(np.sqrt(2 * G * 3.55), rel=0.03)


def test_momentum_is_conserved_in_a_collision_within_5_percent() -> None:
    p = collision()
    scene = load_scene(p)
    sim = simulate3d(scene, Edits(), 2.5)
    hit = [e for e in sim.events if e.kind == "collision"]
    assert hit, "the balls must collide"
    k = int(round(hit[0].t / DT))
    before, after = sim.vel[:, k - 5, 0], sim.vel[:, k + 5, 0]            # masses 1 and 1
    assert abs(after.sum() - before.sum()) <= 0.05 * abs(before.sum())
    assert after[1] > 0.5 * before[0]                                      # the struck ball moves on


def test_occluded_object_amodal_path_is_continuous() -> None:
    _, t = render_probe3d(occlusion(), 2, frames=24, size=64)
    hidden = t.visible_fraction[0] < 0.05
    assert hidden.any() and t.amodal[0].any(axis=(1, 2)).all()
    cen = np.array([np.argwhere(m).mean(0)[::-1] for m in t.amodal[0]])
    step = np.linalg.norm(np.diff(cen, axis=0), axis=1)
    assert step.max() <= 2.0 * np.median(step) + 0.5                     # no jump behind the wall
    assert np.abs(cen - t.pixel[0]).max() < 1.0


@pytest.mark.parametrize("seed", [0, 7])
def test_projected_positions_agree_with_visible_mask_centroids(seed: int) -> None:
    _, t = render_probe3d(occlusion(), seed, frames=12, size=96)
    for n in range(len(t.names)):
        if t.shape[n][0] != "disc":
            continue
        for i in np.flatnonzero(t.visible_fraction[n] > 0.97):
            c = np.argwhere(t.visible[n, i]).mean(0)[::-1]
            assert np.abs(c - t.pixel[n, i]).max() < 1.0, (n, i)


def test_bodies_in_other_layers_pass_each_other() -> None:
    objs = [("red ball", "disc", 0.1), ("blue ball", "disc", 0.1)]
    p = probe(objs, {"view": VIEW, "duration": 2.0, "gravity": [0.0, -9.81], "floor": {"y": 0.5, "colour": "grey"},
                     "bodies": [{"object": "red ball", "on": "floor", "x": 1.0, "vel": [1.5, 0.0]},
                                {"object": "blue ball", "on": "floor", "x": 4.0, "vel": [-1.5, 0.0], "z": 1}]})
    sim = simulate3d(load_scene(p), Edits(), 2.0)
    assert not [e for e in sim.events if e.kind == "collision"]
    assert sim.pos[0, -1, 0] > 3.5 and sim.pos[1, -1, 0] < 1.5


def test_pendulum_follows_the_exact_solution() -> None:
    from bench.world.physics import simulate
    from tests.test_world_probes import pendulum

    scene = load_scene(pendulum())                        # L = 2.5 m, 0.8 rad: far from small-angle
    t = np.linspace(0.0, 3.0, 31)
    a = simulate3d(scene, Edits(), 3.0).sample(t)[0][0]
    b = simulate(scene, Edits(), 3.0).sample(t)[0][0]     # Jacobi elliptic closed form
    assert np.abs(a - b).max() < 0.01 * 2.5
