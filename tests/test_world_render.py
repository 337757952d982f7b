"""Renderer and ground truth: anti-aliased shapes, palette colours, masks, serialisation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.suites.palette import OBJECT_COLOURS, SCENE_COLOURS
from bench.world import load_truth, render_probe
from bench.world.render import SHAPE_AREA, coverage, shape_sd
from bench.world.truth import Truth
from tests.test_world_probes import FLOOR, G, VIEW, occlusion, probe, sweep


@pytest.mark.parametrize("shape", sorted(SHAPE_AREA))
def test_antialiased_coverage_integrates_to_the_shape_area(shape: str) -> None:
    # Coverage clip(0.5 - sd, 0, 1) at pixel centres sums to the area up to O(perimeter * curvature)
    # terms: within 1 % for r = 20 px at any sub-pixel position.
    r = 20.0
    for cx, cy in [(0.0, 0.0), (0.3, 0.7), (0.5, 0.25)]:
        y, x = np.mgrid[-30:31, -30:31].astype(float)
        cov = coverage(shape_sd(shape, x - cx, y - cy, r))
        assert cov.sum() == pytest.approx(SHAPE_AREA[shape] * r * r, rel=0.01)
        assert ((cov > 0) & (cov < 1)).any()                                 # anti-aliased edge


def test_flat_palette_colours_and_scene_greys() -> None:
    v, t = render_probe(occlusion(), 0, frames=8, size=128, jitter=0.0)
    f = v.frames[0]
    cx, cy = np.rint(t.pixel[0, 0]).astype(int)
    assert tuple(f[cy, cx]) == OBJECT_COLOURS["red"]                         # ball centre: exact palette red
    assert tuple(f[2, 2]) == SCENE_COLOURS["white"]                          # backdrop
    assert tuple(f[-2, 64]) == SCENE_COLOURS["dark grey"]                    # floor band
    assert v.frames.dtype == np.uint8 and v.shape == (8, 128, 128, 3)
    assert v.fps == pytest.approx(8 / 3.0)                                   # frames / duration


def test_pixel_coordinates_follow_the_camera_convention() -> None:
    # 5 m view in 128 px: s = 25.6 px/m, origin (0, 128) in edge coordinates, index = edge - 0.5
    _, t = render_probe(occlusion(), 0, frames=4, size=128, jitter=0.0)
    assert t.px_per_m == pytest.approx(25.6) and t.origin == pytest.approx((0.0, 128.0))
    assert t.pixel[0, 0] == pytest.approx([0.5 * 25.6 - 0.5, 128 - 0.75 * 25.6 - 0.5])
    rows, cols = np.nonzero(t.amodal[0, 0])
    assert abs(cols.mean() - t.pixel[0, 0, 0]) < 0.15 and abs(rows.mean() - t.pixel[0, 0, 1]) < 0.15


def test_non_square_frames_letterbox_without_distortion() -> None:
    v, t = render_probe(occlusion(), 0, frames=4, size=(64, 128), jitter=0.0)
    assert v.shape == (4, 64, 128, 3) and t.px_per_m == pytest.approx(64 / 5)
    rows, cols = np.nonzero(t.amodal[0, 0])
    assert np.ptp(rows) == np.ptp(cols)                                      # still a round ball


def test_masks_behind_an_occluder() -> None:
    _, t = render_probe(occlusion(), 0, frames=24, size=96, jitter=0.0)
    hidden = t.visible[0].sum(axis=(1, 2)) == 0
    assert hidden.any() and (t.amodal[0, hidden].sum(axis=(1, 2)) > 0).all()
    assert (t.visible_fraction[0, hidden] < 0.05).all()
    assert not (t.visible & ~t.amodal).any()
    ivs = t.intervals()["red ball"]
    assert len(ivs) == 2 and ivs[0][0] == 0 and ivs[1][1] == t.T             # seen, hidden, seen again
    assert t.intervals()["blue box"] == [[0, t.T]]
    box = t.occluders[0]["box"][0]                                            # [x0, y0, x1, y1] index coords
    assert box[2] - box[0] == pytest.approx(1.0 * t.px_per_m)


def test_counts_per_frame_during_a_sweep() -> None:
    _, t = render_probe(sweep(), 0, frames=24, size=96, jitter=0.0)
    c = t.counts()["green"]
    assert c["amodal"] == [3] * t.T
    assert min(c["visible"]) < 3 and c["visible"][0] == c["visible"][-1] == 3


def test_identity_per_frame_and_truth_round_trip(tmp_path) -> None:
    v, t = render_probe(occlusion(), 3, frames=12, size=64, violation="swap_colour")
    art = t.to_bytes()
    back = Truth.from_bytes(art["truth.npz"], art["truth.json"])
    for key in ("times", "world_times", "world", "velocity", "pixel", "exists", "opacity", "rgb", "shape_mix",
                "visible", "amodal", "visible_fraction", "camera_offset"):
        assert np.array_equal(getattr(back, key), getattr(t, key), equal_nan=True), key
    assert back.colour == t.colour and back.shape == t.shape and back.violation == t.violation
    assert back.names == t.names and back.fps == t.fps and back.px_per_m == t.px_per_m
    for suffix, data in art.items():
        (tmp_path / f"clip.{suffix}").write_bytes(data)
    assert np.array_equal(load_truth(tmp_path / "clip.mkv").amodal, t.amodal)
    # packed masks: one bit per pixel
    assert len(art["truth.npz"]) < t.amodal.size // 4
    assert back.background is None


def test_pendulum_string_and_ramp_are_drawn() -> None:
    p = probe([("yellow ball", "disc", 0.08), ("blue box", "box", 0.08)],
              {"view": VIEW, "duration": 2.0, "gravity": G, "floor": FLOOR,
               "ramps": [{"name": "ramp", "colour": "grey", "top": [3.0, 2.0], "bottom": [4.8, 0.5]}],
               "bodies": [{"object": "blue box", "on": "ramp", "x": 3.4, "friction": 0.9}],
               "pendulums": [{"object": "yellow ball", "pivot": [1.5, 4.5], "length": 2.0, "angle": 0.0}]})
    v, t = render_probe(p, 0, frames=2, size=128, jitter=0.0)
    f = v.frames[0].astype(int)
    dark = np.array(SCENE_COLOURS["dark grey"])
    col = int(round(1.5 * 25.6 - 0.5))
    assert (np.abs(f[20:60, col] - dark).sum(-1) < 150).sum() > 20          # the string under the pivot
    grey = np.array(SCENE_COLOURS["grey"])
    assert (np.abs(f[100:115, 100:120] - grey).sum(-1) == 0).sum() > 50      # the ramp's solid
    assert math.isclose(t.world[1, 0, 1], t.world[1, 1, 1])                   # static friction holds the box
