"""Synthetic drawings for the probe-check tests, and tests of the shared analysis on them.

``draw`` paints palette-coloured discs, boxes and triangles (anti-aliased, sub-pixel positions)
on a grey backdrop, with an optional floor and grey occluders in front; ``probe`` builds a
probe dict.  The analysis tests check detection, association, camera and cover on drawings
whose truth is known exactly.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from bench.metrics.base import Sample
from bench.metrics.probes.analysis import analyse, clear_cache, runs
from bench.metrics.probes.detect import FOREIGN, ColourDetector, ObjectSpec, lab_lut, lut_index
from bench.suites.palette import OBJECT_COLOURS, SCENE_COLOURS, srgb_to_lab
from bench.video import Video

SHIFT = 4  # sub-pixel bits for cv2 drawing


def _pt(x: float, y: float) -> tuple[int, int]:
    return int(round(x * (1 << SHIFT))), int(round(y * (1 << SHIFT)))


def draw(T: int, paths: dict[str, np.ndarray], objects: list[dict], *, H: int = 128, W: int = 128,
         bg: str = "light grey", floor: float | None = None, occluders: tuple = (),
         visible: dict[str, np.ndarray] | None = None, colours: dict[str, list[str]] | None = None,
         shapes: dict[str, list[str]] | None = None, blur: dict[str, float] | None = None,
         shake: float = 0.0, seed: int = 0) -> np.ndarray:
    """Frames (T, H, W, 3).  ``paths[name]``: (T, 2) centre positions (px); ``objects``: probe
    objects; ``visible[name]``: (T,) bool; ``colours``/``shapes``: per-frame overrides;
    ``occluders``: (x0, y0, x1, y1, scene colour) drawn in front; ``blur[name]``: motion-blur
    length factor (streak = factor x displacement); ``shake``: per-frame translation amplitude."""
    rng = np.random.default_rng(seed)
    frames = np.empty((T, H, W, 3), np.uint8)
    for t in range(T):
        f = np.empty((H, W, 3), np.uint8)
        f[:] = SCENE_COLOURS[bg]
        if floor is not None:
            f[int(round(floor)):] = SCENE_COLOURS["grey"]
        for o in objects:
            n = o["name"]
            if visible is not None and n in visible and not visible[n][t]:
                continue
            x, y = paths[n][t]
            col = OBJECT_COLOURS[(colours or {}).get(n, [o["colour"]] * T)[t]]
            shape = (shapes or {}).get(n, [o["shape"]] * T)[t]
            s = o["size"] * H
            layer = np.zeros((H, W), np.float32)
            k = (blur or {}).get(n, 0.0)
            steps = 1 if k <= 0 or len(paths[n]) < 2 else 7
            d = paths[n][max(t, 1)] - paths[n][max(t, 1) - 1] if steps > 1 else np.zeros(2)
            for j in range(steps):
                cx, cy = (x, y) if steps == 1 else (x - k * d[0] * j / (steps - 1), y - k * d[1] * j / (steps - 1))
                m = np.zeros((H, W), np.uint8)
                if shape == "disc":
                    cv2.circle(m, _pt(cx, cy), int(round(s / 2 * (1 << SHIFT))), 255, -1, cv2.LINE_AA, SHIFT)
                elif shape == "box":
                    pts = np.array([_pt(cx - s / 2, cy - s / 2), _pt(cx + s / 2, cy - s / 2),
                                    _pt(cx + s / 2, cy + s / 2), _pt(cx - s / 2, cy + s / 2)])
                    cv2.fillPoly(m, [pts], 255, cv2.LINE_AA, SHIFT)
                else:
                    pts = np.array([_pt(cx, cy - s / 2), _pt(cx + s / 2, cy + s / 2), _pt(cx - s / 2, cy + s / 2)])
                    cv2.fillPoly(m, [pts], 255, cv2.LINE_AA, SHIFT)
                layer += m.astype(np.float32) / 255.0 / steps
            a = layer[..., None]
            f = (f * (1 - a) + np.array(col, np.float32) * a).round().astype(np.uint8)
        for x0, y0, x1, y1, c in occluders:
            f[int(y0):int(y1), int(x0):int(x1)] = SCENE_COLOURS[c]
        if shake:
            dx, dy = rng.uniform(-shake, shake, 2)
            M = np.array([[1, 0, dx], [0, 1, dy]], np.float64)
            f = cv2.warpAffine(f, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        frames[t] = f
    return frames


def probe(objects: list[dict], expect: dict, checks: list[str], pid: str = "physics.synthetic.test",
          scene: dict | None = None) -> dict:
    return {"id": pid, "suite": pid.split(".")[0], "category": "P1", "prompt": "synthetic",
            "objects": objects, "expect": expect, "checks": checks, "scene": scene}


def obj(name: str, colour: str, shape: str = "disc", size: float = 0.1) -> dict:
    return {"name": name, "colour": colour, "shape": shape, "size": size}


def sample(p: dict) -> Sample:
    return Sample(model="synthetic", probe_id=p["id"], sample=0, prompt=p["prompt"], probe=p)


def video(frames: np.ndarray, fps: float = 16.0) -> Video:
    return Video(frames, fps=fps)


def linear(T: int, start: tuple[float, float], vel: tuple[float, float]) -> np.ndarray:
    t = np.arange(T)[:, None]
    return np.asarray(start, float) + t * np.asarray(vel, float)


def bouncing(T: int, x0: float, y0: float, vx: float, g: float, floor_y: float, r: float, e: float,
             substeps: int = 20) -> np.ndarray:
    """Centre path of a ball dropped at (x0, y0) bouncing on a floor at ``floor_y`` (restitution e)."""
    out = np.zeros((T, 2))
    x, y, vy = x0, y0, 0.0
    dt = 1.0 / substeps
    for t in range(T):
        out[t] = (x, y)
        for _ in range(substeps):
            vy += g * dt
            y += vy * dt
            x += vx * dt
            if y > floor_y - r and vy > 0:
                y = floor_y - r - (y - (floor_y - r))
                vy = -e * vy
    return out


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


# --------------------------------------------------------------------------- detection


def test_lookup_table_lab_is_close_to_the_palette_formula_and_classifies_the_palette():
    rgb = np.array([list(v) for v in OBJECT_COLOURS.values()] + [list(v) for v in SCENE_COLOURS.values()], np.uint8)
    # a 5-bit bin centre is at most 4 levels per channel from the colour: a few Lab units
    assert np.abs(lab_lut()[lut_index(rgb)] - srgb_to_lab(rgb)).max() < 4.0
    colours = tuple(OBJECT_COLOURS)
    cls = ColourDetector().classify(lab_lut()[lut_index(rgb)], colours)
    assert cls[: len(colours)].tolist() == list(range(len(colours)))      # each colour is itself
    assert (cls[len(colours):] == -1).all()                                # greys are scene


def test_shape_descriptors_separate_disc_box_triangle():
    objs = [obj("red disc", "red", "disc", 0.15), obj("blue box", "blue", "box", 0.15),
            obj("green triangle", "green", "triangle", 0.15)]
    paths = {"red disc": linear(1, (30, 30), (0, 0)), "blue box": linear(1, (90, 30), (0, 0)),
             "green triangle": linear(1, (60, 90), (0, 0))}
    res = ColourDetector().detect(draw(1, paths, objs), ObjectSpec.from_probe({"objects": objs}))
    by = {d.cls: d for d in res.frames[0]}
    assert set(by) == {"red", "blue", "green"}
    # disc: circularity ~1, rectangularity pi/4; box: 0.785 and 1; triangle: ~0.6 and ~0.5
    assert by["red"].circularity > 0.9 and abs(by["red"].rectangularity - math.pi / 4) < 0.08
    assert by["blue"].circularity < 0.85 and by["blue"].rectangularity > 0.92
    assert by["green"].circularity < 0.75 and by["green"].rectangularity < 0.65
    # the disc of diameter 0.15 * 128 = 19.2 px: area pi/4 * 19.2^2 = 290 px^2, plus the part of
    # its anti-aliased rim that is still nearer red than grey (up to half a pixel all round: +30)
    assert 285 < by["red"].area < 325
    assert abs(by["red"].cx - 30) < 0.3 and abs(by["red"].cy - 30) < 0.3


def test_shaded_noisy_and_compressed_colours_still_found():
    objs = [obj("red ball", "red"), obj("blue box", "blue", "box")]
    paths = {"red ball": linear(8, (30, 60), (4, 0)), "blue box": linear(8, (90, 60), (-2, 0))}
    f = draw(8, paths, objs).astype(np.float32)
    f *= np.linspace(0.65, 1.1, 8)[:, None, None, None]          # brightness from -35 % to +10 %
    f += np.random.default_rng(0).normal(0, 8, f.shape)           # sensor noise sigma 8
    frames = np.clip(f, 0, 255).astype(np.uint8)
    from bench.video import encode_bytes_h264
    v = encode_bytes_h264(Video(frames, 16.0), crf=35)
    res = ColourDetector().detect(v.frames, ObjectSpec.from_probe({"objects": objs}))
    for t, ds in enumerate(res.frames):
        cls = sorted(d.cls for d in ds)
        assert cls == ["blue", "red"], (t, cls)


def test_anti_aliased_edges_between_colours_are_not_foreign_objects():
    objs = [obj("red ball", "red", size=0.2), obj("orange ball", "orange", size=0.2)]
    paths = {"red ball": linear(1, (50, 64), (0, 0)), "orange ball": linear(1, (75, 64), (0, 0))}
    res = ColourDetector().detect(draw(1, paths, objs), ObjectSpec.from_probe({"objects": objs}))
    assert not [d for d in res.frames[0] if d.cls == FOREIGN]
    assert sorted(d.cls for d in res.frames[0]) == ["orange", "red"]


def test_an_unnamed_colour_is_reported_as_foreign_with_its_palette_name():
    objs = [obj("red ball", "red")]
    frames = draw(1, {"b": linear(1, (64, 64), (0, 0))}, [obj("b", "blue")])
    res = ColourDetector().detect(frames, ObjectSpec.from_probe({"objects": objs}))
    (d,) = res.frames[0]
    assert d.cls == FOREIGN and d.colour_name == "blue"


# --------------------------------------------------------------------------- association


def test_two_same_coloured_objects_keep_their_tracks_when_crossing_vertically_apart():
    objs = [obj("red ball", "red", size=0.08), obj("red box", "red", "box", size=0.14)]
    T = 20
    paths = {"red ball": linear(T, (10, 50), (5, 0)), "red box": linear(T, (110, 80), (-5, 0))}
    p = probe(objs, {}, [])
    a = analyse(video(draw(T, paths, objs)), p)
    ball, box = a.objects["red ball"], a.objects["red box"]
    assert ball.present.all() and box.present.all()
    assert np.abs(ball.xy - paths["red ball"]).max() < 0.6   # bound by the size prior, followed by prediction
    assert np.abs(box.xy - paths["red box"]).max() < 0.6


def test_missing_detections_are_not_filled_in():
    objs = [obj("red ball", "red")]
    T = 12
    vis = np.ones(T, bool)
    vis[5:7] = False
    a = analyse(video(draw(T, {"red ball": linear(T, (20, 60), (6, 0))}, objs, visible={"red ball": vis})),
                probe(objs, {}, []))
    assert runs(~a.objects["red ball"].present) == [(5, 6)]


def test_edge_clipped_object_is_flagged_and_not_full():
    objs = [obj("red ball", "red", size=0.15)]
    T = 10
    a = analyse(video(draw(T, {"red ball": linear(T, (90, 60), (4, 0))}, objs)), probe(objs, {}, []))
    o = a.objects["red ball"]
    assert not o.edge[0] and o.edge[-1]          # centre at 126: half outside
    assert o.full[0] and not o.full[-1]


# --------------------------------------------------------------------------- camera and cover


def test_static_camera_is_static_and_shake_is_seen_with_texture():
    objs = [obj("red ball", "red")]
    T = 10
    paths = {"red ball": linear(T, (30, 40), (3, 0))}
    occ = ((70, 20, 90, 110, "grey"), (10, 90, 50, 100, "dark grey"))
    still = analyse(video(draw(T, paths, objs, occluders=occ, floor=110)), probe(objs, {}, []))
    assert still.camera.status == "static" and still.camera.drift < 0.5
    shaky = analyse(video(draw(T, paths, objs, occluders=occ, floor=110, shake=2.0)), probe(objs, {}, []))
    assert shaky.camera.status in ("shaking", "static")
    assert shaky.camera.observed.mean() > 0.5


def test_a_panning_camera_is_reported_and_compensated():
    objs = [obj("red ball", "red")]
    T = 12
    H = W = 128
    big = draw(1, {"red ball": np.array([[60.0, 60.0]])}, objs, H=H, W=W + 60,
               occluders=((20, 30, 35, 100, "grey"), (90, 10, 110, 60, "dark grey"), (140, 70, 170, 100, "grey")),
               floor=110)[0]
    frames = np.stack([big[:, 3 * t: 3 * t + W] for t in range(T)])   # camera pans right 3 px/frame
    a = analyse(video(frames), probe(objs, {}, []))
    assert a.camera.status == "moving"
    assert abs(a.camera.path[-1, 0] + 3 * (T - 1)) < 2.0
    o = a.objects["red ball"]
    assert np.ptp(o.xy[:, 0]) < 2.0                 # the ball is still in world coordinates


def test_cover_tells_an_occluder_from_bare_backdrop():
    objs = [obj("red ball", "red")]
    a = analyse(video(draw(4, {"red ball": linear(4, (20, 60), (1, 0))}, objs,
                           occluders=((60, 20, 90, 100, "grey"),))), probe(objs, {}, []))
    o = a.objects["red ball"]
    assert a.absence(o, 2, np.array([75.0, 60.0])) == "covered"
    assert a.absence(o, 2, np.array([40.0, 60.0])) == "open"
    assert a.absence(o, 2, np.array([135.0, 60.0])) == "outside"


def test_analysis_is_computed_once_per_video_and_probe():
    objs = [obj("red ball", "red")]
    v = video(draw(6, {"red ball": linear(6, (20, 60), (3, 0))}, objs))
    p = probe(objs, {}, [])
    assert analyse(v, p) is analyse(v, p)
    assert analyse(Video(v.frames.copy(), 16.0), p) is analyse(v, p)   # keyed by content, not identity
