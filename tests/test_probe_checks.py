"""Each probe check on synthetic drawings: a clean case passes, the violation it targets fails
(with a reason naming it), a nuisance leaves the verdict alone, and real-world awkwardness
(edge clipping, similar colours, motion blur, legitimate exits) is handled.

Drawings are 128 x 128 at 16 fps on a light-grey backdrop (``test_probe_synth.draw``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.metrics.base import METRICS
from bench.metrics.probes.analysis import clear_cache
from tests.test_probe_synth import bouncing, draw, linear, obj, probe, sample, video

H = 128
FLOOR = 110.0


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def run(check: str, frames: np.ndarray, p: dict):
    m = METRICS.get(check)()
    s = sample(p)
    assert m.applies(s)
    out = m.compute(video(frames), s)
    assert out.verdict in ("pass", "fail", "setup_failed")
    if out.verdict == "setup_failed":
        assert math.isnan(out.value)
    else:
        assert 0.0 <= out.value <= 1.0 and (out.value >= 0.5) == (out.verdict == "pass")
    return out


def falling(T: int, g: float, x0: float = 64, y0: float = 15, vx: float = 0.0) -> np.ndarray:
    t = np.arange(T, dtype=float)
    return np.stack([x0 + vx * t, y0 + 0.5 * g * t * t], axis=1)


def noisy(frames: np.ndarray, sigma: float = 6.0, seed: int = 1) -> np.ndarray:
    f = frames + np.random.default_rng(seed).normal(0, sigma, frames.shape)
    return np.clip(f, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- applicability


def test_checks_apply_only_to_listed_probes_with_their_expectations():
    p = probe([obj("red ball", "red")], {"gravity": "down"}, ["probe.gravity"])
    assert METRICS.get("probe.gravity")().applies(sample(p))
    assert not METRICS.get("probe.bounce")().applies(sample(p))          # not listed
    p2 = probe([obj("red ball", "red")], {}, ["probe.gravity"])
    assert not METRICS.get("probe.gravity")().applies(sample(p2))        # expect.gravity missing


def test_every_check_declares_a_probe_spec():
    from bench.suites.schema import PROBE_CHECKS

    for cid in PROBE_CHECKS:
        spec = METRICS.get(cid).spec
        assert spec.id == cid and spec.kind == "probe" and spec.version.isdigit()  # bumped when numbers change
        assert spec.needs == ("frames", "probe") and spec.direction == "higher" and spec.range == (0.0, 1.0)
        assert spec.description and spec.reference


# --------------------------------------------------------------------------- physics


GRAVITY = probe([obj("red ball", "red")], {"gravity": "down"}, ["probe.gravity"])


def test_gravity_clean_fall_passes_and_reversed_fails():
    # a = 0.5 px/frame^2 over 14 frames: the fall is 0.5 * 0.5 * 13^2 = 42 px
    ok = run("probe.gravity", draw(14, {"red ball": falling(14, 0.5)}, GRAVITY["objects"]), GRAVITY)
    assert ok.verdict == "pass" and "downward" in ok.reason
    up = run("probe.gravity", draw(14, {"red ball": falling(14, -0.5, y0=100)}, GRAVITY["objects"]), GRAVITY)
    assert up.verdict == "fail" and "upward" in up.reason and up.value < 0.1


def test_gravity_constant_speed_fall_fails():
    # a ball sliding down at a constant 3 px/frame shows no acceleration at all
    out = run("probe.gravity", draw(14, {"red ball": linear(14, (64, 15), (0, 3))}, GRAVITY["objects"]), GRAVITY)
    assert out.verdict == "fail"


def test_gravity_stopping_in_mid_air_fails():
    path = falling(16, 0.5)
    path[8:] = path[8]                      # frozen at y = 31 px, nothing under it
    out = run("probe.gravity", draw(16, {"red ball": path}, GRAVITY["objects"], floor=FLOOR), GRAVITY)
    assert out.verdict == "fail" and "mid-air" in out.reason


def test_gravity_counterfactual_none_passes_floating_and_fails_falling():
    p = probe([obj("red ball", "red")], {"gravity": "none"}, ["probe.gravity"])
    drift = run("probe.gravity", draw(14, {"red ball": linear(14, (20, 40), (5, 1))}, p["objects"]), p)
    assert drift.verdict == "pass"
    fall = run("probe.gravity", draw(14, {"red ball": falling(14, 0.5)}, p["objects"]), p)
    assert fall.verdict == "fail"


def test_gravity_verdict_survives_noise_and_shake():
    frames = draw(14, {"red ball": falling(14, 0.5)}, GRAVITY["objects"], floor=FLOOR,
                  occluders=((10, 20, 25, 90, "grey"),), shake=1.5)
    assert run("probe.gravity", noisy(frames), GRAVITY).verdict == "pass"


def test_setup_failed_when_the_named_object_is_missing():
    frames = draw(14, {"b": falling(14, 0.5)}, [obj("b", "blue")])     # the generator drew a blue ball
    out = run("probe.gravity", frames, GRAVITY)
    assert out.verdict == "setup_failed" and "red ball" in out.reason and "not found" in out.reason


BOUNCE = probe([obj("red ball", "red")], {"gravity": "down", "bounce": "red ball"}, ["probe.bounce"])


def test_bounce_losing_energy_passes_and_gaining_fails():
    ok = bouncing(30, 64, 20, 0, 0.6, FLOOR, 6.4, 0.7)
    out = run("probe.bounce", draw(30, {"red ball": ok}, BOUNCE["objects"], floor=FLOOR), BOUNCE)
    assert out.verdict == "pass" and "never rise" in out.reason
    gain = bouncing(30, 64, 60, 0, 0.6, FLOOR, 6.4, 1.25)
    out = run("probe.bounce", draw(30, {"red ball": gain}, BOUNCE["objects"], floor=FLOOR), BOUNCE)
    assert out.verdict == "fail" and "energy gained" in out.reason


def test_bounce_sinking_into_the_floor_fails():
    path = falling(16, 1.0)                          # reaches the floor (y = 110) at frame 14
    path[:, 1] = np.minimum(path[:, 1], FLOOR + 2)   # and stops with its centre 2 px below its top
    out = run("probe.bounce", draw(16, {"red ball": path}, BOUNCE["objects"], floor=FLOOR), BOUNCE)
    assert out.verdict == "fail" and "sinks" in out.reason


CONT = probe([obj("red ball", "red"), obj("blue box", "blue", "box")], {}, ["probe.continuity"])


def test_continuity_smooth_passes_and_teleport_fails():
    paths = {"red ball": linear(16, (15, 40), (4, 0)), "blue box": linear(16, (110, 80), (-3, 0))}
    assert run("probe.continuity", draw(16, paths, CONT["objects"]), CONT).verdict == "pass"
    paths["red ball"][9:, 0] += 30                  # jumps 30 px ahead at frame 9
    out = run("probe.continuity", draw(16, paths, CONT["objects"]), CONT)
    assert out.verdict == "fail" and "red ball" in out.reason and "frames 8 and 9" in out.reason


def test_continuity_blink_in_plain_view_fails():
    paths = {"red ball": linear(16, (15, 40), (4, 0)), "blue box": linear(16, (110, 80), (-3, 0))}
    vis = {"red ball": np.ones(16, bool)}
    vis["red ball"][7:9] = False
    out = run("probe.continuity", draw(16, paths, CONT["objects"], visible=vis), CONT)
    assert out.verdict == "fail" and "blinks" in out.reason


def test_continuity_tolerates_motion_blur_and_noise():
    paths = {"red ball": linear(16, (10, 40), (7, 0)), "blue box": linear(16, (110, 80), (-3, 0))}
    frames = draw(16, paths, CONT["objects"], blur={"red ball": 1.0})
    assert run("probe.continuity", noisy(frames), CONT).verdict == "pass"


RIGID = probe([obj("red ball", "red", size=0.12)], {"rigid": ["red ball"]}, ["probe.rigidity"])


def test_rigidity_constant_passes_growth_and_shape_swap_fail():
    path = {"red ball": linear(16, (15, 50), (6, 0))}
    assert run("probe.rigidity", draw(16, path, RIGID["objects"]), RIGID).verdict == "pass"
    grow = np.stack([draw(1, {"red ball": path["red ball"][t:t + 1]},
                          [obj("red ball", "red", size=0.12 * (1 + 0.06 * t))])[0] for t in range(16)])
    out = run("probe.rigidity", grow, RIGID)
    assert out.verdict == "fail" and ("width" in out.reason or "area" in out.reason)
    shapes = {"red ball": ["disc"] * 8 + ["box"] * 8}
    out = run("probe.rigidity", draw(16, path, RIGID["objects"], shapes=shapes), RIGID)
    assert out.verdict == "fail" and "frame" in out.reason


def test_rigidity_ignores_partial_occlusion_and_motion_blur():
    path = {"red ball": linear(16, (12, 50), (7, 0))}
    frames = draw(16, path, RIGID["objects"], occluders=((70, 20, 82, 90, "grey"),), blur={"red ball": 0.8})
    assert run("probe.rigidity", frames, RIGID).verdict == "pass"


COLL = probe([obj("red ball", "red"), obj("blue ball", "blue")], {"collision": {"a": "red ball", "b": "blue ball"}},
             ["probe.collision"])


def _collision(T: int, after_b: float, after_a: float) -> dict:
    a = np.zeros((T, 2))
    b = np.zeros((T, 2))
    tc = 8
    for t in range(T):
        a[t] = (20 + 5 * min(t, tc) + after_a * max(t - tc, 0), 60)
        b[t] = (20 + 5 * tc + 13 + after_b * max(t - tc, 0), 60)
    return {"red ball": a, "blue ball": b}


def test_collision_momentum_forward_passes_backward_fails():
    ok = run("probe.collision", draw(18, _collision(18, 4.5, 0.5), COLL["objects"]), COLL)
    assert ok.verdict == "pass" and "frame" in ok.reason
    bad = run("probe.collision", draw(18, _collision(18, -4.0, 0.5), COLL["objects"]), COLL)
    assert bad.verdict == "fail" and "blue ball" in bad.reason
    faster = run("probe.collision", draw(18, _collision(18, 4.5, 9.0), COLL["objects"]), COLL)
    assert faster.verdict == "fail" and "speeds up" in faster.reason


FRICTION = probe([obj("blue box", "blue", "box")], {"decelerate": "blue box"}, ["probe.friction"])


def test_friction_decelerating_passes_and_speeding_up_fails():
    t = np.arange(16, dtype=float)
    x = 10 + np.cumsum(np.maximum(7 - 0.5 * t, 0))          # speed 7 -> 0 in steps of 0.5
    path = np.stack([x, np.full(16, FLOOR - 7)], axis=1)
    assert run("probe.friction", draw(16, {"blue box": path}, FRICTION["objects"], floor=FLOOR),
               FRICTION).verdict == "pass"
    x2 = 10 + np.cumsum(2 + 0.5 * t)                         # speed 2 -> 9.5
    path2 = np.stack([x2, np.full(16, FLOOR - 7)], axis=1)
    out = run("probe.friction", draw(16, {"blue box": path2}, FRICTION["objects"], floor=FLOOR), FRICTION)
    assert out.verdict == "fail" and "speeds up" in out.reason


SUPPORT = probe([obj("yellow box", "yellow", "box"), obj("red ball", "red")],
                {"at_rest": ["yellow box"]}, ["probe.support"])


def test_support_resting_passes_drifting_fails_and_a_pan_is_compensated():
    paths = {"yellow box": linear(16, (40, FLOOR - 7), (0, 0)), "red ball": linear(16, (90, 30), (0, 4))}
    assert run("probe.support", draw(16, paths, SUPPORT["objects"], floor=FLOOR), SUPPORT).verdict == "pass"
    paths["yellow box"] = linear(16, (40, FLOOR - 7), (1.5, 0))
    out = run("probe.support", draw(16, paths, SUPPORT["objects"], floor=FLOOR), SUPPORT)
    assert out.verdict == "fail" and "yellow box moves" in out.reason
    # a camera panning 2 px/frame over a textured scene: the box moves in the image, not in the world
    wide = draw(1, {"yellow box": np.array([[60.0, FLOOR - 7]]), "red ball": np.array([[110.0, 30.0]])},
                SUPPORT["objects"], W=H + 40, floor=FLOOR,
                occluders=((5, 20, 20, 90, "grey"), (70, 10, 90, 50, "dark grey"), (140, 40, 160, 95, "grey")))[0]
    pan = np.stack([wide[:, 2 * t: 2 * t + H] for t in range(16)])
    out = run("probe.support", pan, SUPPORT)
    assert out.verdict == "pass" and "camera moves" in out.reason


# --------------------------------------------------------------------------- permanence

OCC = probe([obj("red ball", "red")], {"occlusion": {"object": "red ball", "occluder": "wall"}},
            ["probe.reappearance", "probe.spurious"], pid="permanence.synthetic.occlusion")
WALL = ((50, 20, 80, 100, "grey"),)


def test_reappearance_on_time_passes():
    path = {"red ball": linear(24, (8, 60), (5, 0))}
    out = run("probe.reappearance", draw(24, path, OCC["objects"], occluders=WALL), OCC)
    assert out.verdict == "pass" and "reappears at frame" in out.reason


def test_reappearance_late_and_never_fail():
    path = linear(24, (8, 60), (5, 0))
    late = path.copy()
    late[:, 0] -= 5 * np.clip(np.arange(24) - 11, 0, 6)    # waits 6 frames behind the wall
    out = run("probe.reappearance", draw(24, {"red ball": late}, OCC["objects"], occluders=WALL), OCC)
    assert out.verdict == "fail" and "late" in out.reason and "expected reappearance window" in out.reason
    vis = {"red ball": np.arange(24) < 10}
    out = run("probe.reappearance", draw(24, {"red ball": path}, OCC["objects"], occluders=WALL, visible=vis), OCC)
    assert out.verdict == "fail" and out.value == 0.0 and "never reappears" in out.reason


def test_reappearance_as_another_colour_names_the_impostor():
    path = {"red ball": linear(24, (8, 60), (5, 0))}
    colours = {"red ball": ["red"] * 12 + ["blue"] * 12}
    out = run("probe.reappearance", draw(24, path, OCC["objects"], occluders=WALL, colours=colours), OCC)
    assert out.verdict == "fail" and "blue object appears" in out.reason


def test_reappearance_survives_noise_and_shake():
    path = {"red ball": linear(24, (8, 60), (5, 0))}
    frames = noisy(draw(24, path, OCC["objects"], occluders=WALL, shake=1.0), sigma=5)
    assert run("probe.reappearance", frames, OCC).verdict == "pass"


def test_spurious_flicker_fails_but_hiding_and_leaving_pass():
    path = {"red ball": linear(24, (8, 60), (5, 0))}     # leaves through the right edge at the end
    p = probe(OCC["objects"], {"leaves_frame": ["red ball"]}, ["probe.spurious"])
    assert run("probe.spurious", draw(24, path, p["objects"], occluders=WALL), p).verdict == "pass"
    vis = {"red ball": np.ones(24, bool)}
    vis["red ball"][3:5] = False                          # missing in the open at frames 3-4
    out = run("probe.spurious", draw(24, path, p["objects"], occluders=WALL, visible=vis), p)
    assert out.verdict == "fail" and "vanishes in the open in frames 3–4" in out.reason


def test_spurious_foreign_object_fails():
    path = {"red ball": linear(16, (8, 60), (5, 0)), "ghost": linear(16, (60, 30), (0, 0))}
    objs = OCC["objects"] + [obj("ghost", "green")]
    vis = {"ghost": np.arange(16) >= 6}
    p = probe(OCC["objects"], {}, ["probe.spurious"])
    out = run("probe.spurious", draw(16, path, objs, visible=vis), p)
    assert out.verdict == "fail" and "green object" in out.reason


COUNT = probe([obj("red ball a", "red"), obj("red ball b", "red"), obj("red ball c", "red")],
              {"count": {"colour": "red", "n": 3}}, ["probe.count"], pid="permanence.synthetic.count")


def _sweep_scene(T: int, vanish: bool, n: int = 3) -> np.ndarray:
    paths = {f"red ball {k}": linear(T, (30 + 35 * i, 90), (0, 0)) for i, k in enumerate("abc")}
    objs = COUNT["objects"][:n]
    vis = {"red ball c": np.arange(T) < 10} if vanish else None
    frames = []
    for t in range(T):
        x = -30 + 10 * t                                     # a 30 px screen sweeps left to right
        frames.append(draw(1, {k: v[t:t + 1] for k, v in paths.items()}, objs,
                           occluders=((max(x, 0), 40, max(x + 30, 0), 110, "grey"),),
                           visible=None if vis is None else {"red ball c": vis["red ball c"][t:t + 1]})[0])
    return np.stack(frames)


def test_count_conserved_passes_and_lost_ball_fails():
    assert run("probe.count", _sweep_scene(20, vanish=False), COUNT).verdict == "pass"
    out = run("probe.count", _sweep_scene(20, vanish=True), COUNT)
    assert out.verdict == "fail" and "3 red objects before" in out.reason and "2 after" in out.reason


def test_count_with_the_wrong_number_at_the_start_is_setup_failed():
    out = run("probe.count", _sweep_scene(20, vanish=False, n=2), COUNT)
    assert out.verdict == "setup_failed" and "the prompt asks for 3" in out.reason


# --------------------------------------------------------------------------- identity

ATTR = probe([obj("red ball", "red"), obj("orange ball", "orange")],
             {"persist": {"object": "red ball", "attributes": ["colour", "shape", "size"]},
              "distractor": "orange ball"}, ["probe.attributes"], pid="identity.synthetic.persist")


def test_attributes_persist_against_a_similar_coloured_distractor():
    paths = {"red ball": linear(16, (15, 50), (6, 0)), "orange ball": linear(16, (64, 100), (0, 0))}
    out = run("probe.attributes", draw(16, paths, ATTR["objects"]), ATTR)
    assert out.verdict == "pass" and "margin against the orange ball" in out.reason


def test_attributes_swap_to_the_distractor_colour_and_shape_change_fail():
    paths = {"red ball": linear(16, (15, 50), (6, 0)), "orange ball": linear(16, (64, 100), (0, 0))}
    out = run("probe.attributes", draw(16, paths, ATTR["objects"], colours={"red ball": ["red"] * 8 + ["orange"] * 8}),
              ATTR)
    assert out.verdict == "fail" and "turns into a orange object" in out.reason
    out = run("probe.attributes", draw(16, paths, ATTR["objects"], shapes={"red ball": ["disc"] * 8 + ["box"] * 8}),
              ATTR)
    assert out.verdict == "fail" and "shape changes at frame" in out.reason


CROSS = probe([obj("red ball", "red"), obj("orange ball", "orange")], {"cross": ["red ball", "orange ball"]},
              ["probe.crossing"], pid="identity.synthetic.cross")


def test_crossing_without_swap_passes_and_swap_fails():
    T = 24
    a, b = linear(T, (10, 60), (5, 0.5)), linear(T, (118, 66), (-5, -0.5))
    out = run("probe.crossing", draw(T, {"red ball": a, "orange ball": b}, CROSS["objects"]), CROSS)
    assert out.verdict == "pass" and "cross" in out.reason
    # at the crossing (frame 11) they bounce back instead of passing: each ends on its own side,
    # i.e. where the other one's path goes
    a2, b2 = a.copy(), b.copy()
    a2[12:], b2[12:] = a[12] - (a[12:] - a[12]), b[12] - (b[12:] - b[12])
    out = run("probe.crossing", draw(T, {"red ball": a2, "orange ball": b2}, CROSS["objects"]), CROSS)
    assert out.verdict == "fail" and ("path" in out.reason or "swap" in out.reason)
