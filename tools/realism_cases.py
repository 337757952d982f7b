"""Render further realism cases (one more scene of each failure kind) into tests/data/realism/.

    PYTHONPATH=. python tools/realism_cases.py [--only x05]

Each case is a folder ``xNN_<what>/`` with the clip ``<probe id>-0.mp4`` (24 frames, 256 x 256,
16 fps, H.264 crf 23), ``probe.jsonl`` (the line a user would honestly write) and
``expected.json`` (a careful viewer's verdict per check).  The scenes differ from the shared
cases (other colours, floors, walls, camera and motion) but each has the same failure kind.
Rendering takes about a minute per case on one core (``tools/realism_render.py``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realism_render import Box, Sphere, Stage, clip  # noqa: E402

from bench.video import Video, write_video  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "realism"
FPS, T, G = 16.0, 24, 9.81


def bounce_y(t: float, y0: float, r: float, e: float = 0.5, vy0: float = 0.0) -> float:
    """Height of a ball's centre dropped from y0 (radius r) bouncing with restitution e."""
    y, v, tt = y0, vy0, 0.0
    while True:
        # time to reach y = r from (y, v) under -G
        disc = v * v + 2 * G * (y - r)
        tf = (v + math.sqrt(max(disc, 0.0))) / G
        if tt + tf >= t or tf < 1e-3:
            dt = t - tt
            return max(r, y + v * dt - 0.5 * G * dt * dt) if tf >= 1e-3 else r
        tt += tf
        y, v = r, e * math.sqrt(max(disc, 0.0))
        if v < 0.3:
            return r


def slide_x(t: float, x0: float, v0: float, decel: float) -> float:
    """Position of a body sliding from x0 at speed v0 slowing at ``decel`` until it stops."""
    ts = abs(v0) / decel
    tt = min(t, ts)
    return x0 + v0 * tt - math.copysign(0.5 * decel * tt * tt, v0)


def probe(pid: str, suite: str, cat: str, prompt: str, objects: list, expect: dict, checks: list,
          **more) -> dict:
    return {"id": pid, "suite": suite, "category": cat, "prompt": prompt, "objects": objects,
            "expect": expect, "checks": checks, "scene": None, **more}


def obj(name: str, colour: str, shape: str, size: float, **more) -> dict:
    return {"name": name, "colour": colour, "shape": shape, "size": size, **more}


RED, GREEN, BLUE = (214, 39, 40), (44, 160, 44), (31, 87, 220)
YELLOW, ORANGE, CYAN = (240, 200, 20), (255, 127, 14), (23, 190, 207)
WHITE, BLACK = (240, 240, 238), (22, 22, 24)


def x01():
    st = Stage(floor=(150, 105, 75), wall=(205, 212, 218), cam=(0.0, 1.4, -3.0), pitch=0.36)
    scene = lambda t: [Sphere((0.3, bounce_y(t, 1.3, 0.16), 0.2), 0.16, RED)]  # noqa: E731
    p = probe("physics.realism.red_ball_dropped_on_wooden_floor", "physics", "P2",
              "A red ball is dropped onto a wooden floor, bounces a few times and comes to rest. Static camera.",
              [obj("red ball", "red", "disc", 0.1)], {"gravity": "down", "bounce": "red ball", "rigid": ["red ball"]},
              ["probe.gravity", "probe.bounce", "probe.continuity", "probe.rigidity", "probe.spurious"])
    return st, scene, p, {c: "pass" for c in p["checks"]}, 2


def _toss(t: float, jump: float) -> list:
    x = -1.9 + 2.4 * t + (0.45 if t >= 9 / FPS else 0.0) * jump
    return [Sphere((x, bounce_y(t, 1.8, 0.13, 0.75, 1.0), 0.6), 0.13, GREEN)]


def _toss_probe():
    return probe("physics.realism.green_ball_thrown_across", "physics", "P1",
                 "A small green ball is thrown from the upper left, falls, bounces off the floor and flies on to "
                 "the right. Static camera.", [obj("green ball", "green", "disc", 0.07)],
                 {"gravity": "down", "rigid": ["green ball"]},
                 ["probe.gravity", "probe.continuity", "probe.rigidity", "probe.spurious"])


def x02a():
    p = _toss_probe()
    return Stage(floor=(95, 95, 100), wall=(200, 200, 196)), lambda t: _toss(t, 0.0), p, \
        {c: "pass" for c in p["checks"]}, 4


def x02b():
    p = _toss_probe()
    return Stage(floor=(95, 95, 100), wall=(200, 200, 196)), lambda t: _toss(t, 1.0), p, \
        {"probe.gravity": "pass", "probe.continuity": "fail", "probe.rigidity": "pass", "probe.spurious": "pass"}, 4


def _pillar_stage():
    return Stage(floor=(170, 160, 140), wall=(215, 215, 210), cam=(0.0, 1.1, -3.0), pitch=0.25,
                 fixtures=[Box((-0.25, 0.0, -0.3), (0.25, 0.9, -0.15), (70, 70, 74))])


def _pillar_probe():
    return probe("permanence.realism.yellow_ball_behind_dark_pillar", "permanence", "O1",
                 "A yellow ball rolls from left to right across a sandy floor, passes behind a dark grey pillar "
                 "and comes out on its right. Static camera.", [obj("yellow ball", "yellow", "disc", 0.08)],
                 {"occlusion": {"object": "yellow ball", "occluder": "dark grey pillar"}},
                 ["probe.reappearance", "probe.spurious", "probe.continuity"])


def x03a():
    scene = lambda t: [Sphere((-1.3 + 1.7 * t, 0.13, 0.4), 0.13, YELLOW)]  # noqa: E731
    p = _pillar_probe()
    return _pillar_stage(), scene, p, {c: "pass" for c in p["checks"]}, 2


def x03b():
    scene = lambda t: [Sphere((-1.3 + 1.7 * t, 0.13, 0.4), 0.13, YELLOW)] if t < 0.75 else []  # noqa: E731
    p = _pillar_probe()
    return _pillar_stage(), scene, p, {"probe.reappearance": "fail", "probe.spurious": "fail",
                                       "probe.continuity": "pass"}, 2


def x04():
    st = Stage(floor=(200, 185, 160), wall=(170, 180, 190))
    scene = lambda t: [Sphere((slide_x(t, 1.2, -1.6, 1.0), 0.14, 0.3), 0.14, BLACK),  # noqa: E731
                       Box((-1.1, 0.0, 0.6), (-0.75, 0.35, 0.95), WHITE)]
    p = probe("physics.realism.black_ball_rolls_by_white_box", "physics", "P6",
              "A black ball rolls to the left across a beige floor and slows down; a white box stands still on the "
              "left. Static camera.", [obj("black ball", "black", "disc", 0.09), obj("white box", "white", "box", 0.1)],
              {"decelerate": "black ball", "at_rest": ["white box"], "rigid": ["black ball", "white box"]},
              ["probe.friction", "probe.support", "probe.continuity", "probe.rigidity", "probe.spurious"])
    return st, scene, p, {c: "pass" for c in p["checks"]}, 2


def x05():
    st = Stage(floor=(150, 150, 150), wall=(228, 226, 220), cam=(0.0, 1.0, -3.0), pitch=0.2)
    scene = lambda t: [Sphere((-1.4 + 1.8 * t, 0.2, 0.3), 0.2, BLUE, stripe=WHITE,  # noqa: E731
                              angle=-(1.8 * t) / 0.2)]
    p = probe("identity.realism.blue_ball_with_white_band_rolls", "identity", "I1",
              "A blue ball with a white band around it rolls to the right across a grey floor. Static camera.",
              [obj("blue ball", "blue", "disc", 0.12)],
              {"rigid": ["blue ball"], "persist": {"object": "blue ball", "attributes": ["colour", "shape", "size"]}},
              ["probe.continuity", "probe.rigidity", "probe.spurious", "probe.attributes"])
    return st, scene, p, {c: "pass" for c in p["checks"]}, 2


def x06():
    top = (150, 200, 140)
    legs = [Box((x, 0.0, z), (x + 0.08, 0.5, z + 0.08), top) for x in (-1.2, 1.12) for z in (0.2, 0.9)]
    st = Stage(floor=(110, 110, 115), wall=(230, 205, 110), cam=(0.0, 1.5, -2.6), pitch=0.3,
               fixtures=[Box((-1.25, 0.5, 0.15), (1.25, 0.56, 1.05), top)] + legs)
    scene = lambda t: [Box((slide_x(t, -0.5, -0.8, 1.2), 0.56, 0.5),  # noqa: E731
                           (slide_x(t, -0.5, -0.8, 1.2) + 0.22, 0.78, 0.72), GREEN),
                       Box((0.4, 0.56, 0.5), (0.62, 0.78, 0.72), GREEN)]
    p = probe("physics.realism.two_green_blocks_on_mint_table", "physics", "P5",
              "Two green blocks stand on a light green table in front of a yellow wall; the left block is pushed and "
              "slides a little to the left, the right one stays put. Static camera.",
              [obj("green block left", "green", "box", 0.08), obj("green block right", "green", "box", 0.08)],
              {"at_rest": ["green block right"], "rigid": ["green block left", "green block right"],
               "count": {"colour": "green", "n": 2}},
              ["probe.support", "probe.continuity", "probe.rigidity", "probe.spurious", "probe.count"])
    return st, scene, p, {c: "pass" for c in p["checks"]}, 2


def x07():
    st = Stage(floor=(185, 180, 170), wall=(220, 222, 225))
    scene = lambda t: [Sphere((-1.0, 0.13, 0.6), 0.13, RED),  # noqa: E731
                       Sphere((slide_x(t, 0.2, -0.9, 0.9), 0.13, 0.6), 0.13, RED),
                       Sphere((1.0, 0.13, 0.6), 0.13, RED)]
    p = probe("physics.realism.middle_red_ball_rolls_left", "physics", "P6",
              "Three identical red balls in a row on a light floor: the middle one rolls to the left and slows down, "
              "the other two stay where they are. Static camera.",
              [obj("red ball left", "red", "disc", 0.08), obj("red ball middle", "red", "disc", 0.08),
               obj("red ball right", "red", "disc", 0.08)],
              {"decelerate": "red ball middle", "at_rest": ["red ball left", "red ball right"],
               "rigid": ["red ball left", "red ball middle", "red ball right"]},
              ["probe.friction", "probe.support", "probe.continuity", "probe.rigidity", "probe.spurious"])
    return st, scene, p, {c: "pass" for c in p["checks"]}, 2


def x08():
    st = Stage(floor=(120, 115, 110), wall=(225, 225, 228))
    def scene(t):
        out = [Sphere((-1.2 + 1.2 * t, 0.14, 0.5), 0.14, CYAN)]
        if t >= 12 / FPS:
            out.append(Sphere((0.9, 0.14, 0.5), 0.14, CYAN))   # a second ball pops into existence
        return out
    p = probe("permanence.realism.cyan_ball_duplicates", "permanence", "O5",
              "A cyan ball rolls to the right across a floor. Nothing else is there. Static camera.",
              [obj("cyan ball", "cyan", "disc", 0.09)], {"rigid": ["cyan ball"], "count": {"colour": "cyan", "n": 1}},
              ["probe.continuity", "probe.rigidity", "probe.spurious", "probe.count"])
    return st, scene, p, {"probe.continuity": "pass", "probe.rigidity": "pass", "probe.spurious": "fail",
                          "probe.count": "fail"}, 2


def x09():
    st = Stage(floor=(140, 140, 145), wall=(226, 224, 220))
    scene = lambda t: [Sphere((-1.3 + 1.7 * t, 0.12, 0.9), 0.12, YELLOW),  # noqa: E731
                       Box((-0.2, 0.0, 0.2), (0.2, 0.4, 0.6), ORANGE)]
    p = probe("identity.realism.yellow_ball_rolls_past_orange_box", "identity", "I1",
              "A yellow ball rolls to the right behind an orange box standing on a grey floor and comes out the "
              "other side. Static camera.",
              [obj("yellow ball", "yellow", "disc", 0.07), obj("orange box", "orange", "box", 0.12)],
              {"rigid": ["yellow ball", "orange box"], "at_rest": ["orange box"],
               "persist": {"object": "yellow ball", "attributes": ["colour", "shape", "size"]}},
              ["probe.continuity", "probe.rigidity", "probe.support", "probe.spurious", "probe.attributes"])
    return st, scene, p, {c: "pass" for c in p["checks"]}, 2


def x10():
    st = Stage(floor=(165, 160, 150), wall=(215, 218, 222), cam=(0.0, 1.3, -3.0), pitch=0.33)
    scene = lambda t: [Sphere((0.2, 0.15, slide_x(t, 2.2, -2.0, 0.6)), 0.15, (128, 60, 170))]  # noqa: E731
    p = probe("identity.realism.purple_ball_rolls_towards_camera", "identity", "I1",
              "A purple ball rolls across a light floor towards the camera, growing larger as it comes nearer. "
              "Static camera.", [obj("purple ball", "purple", "disc", 0.08)], {"rigid": ["purple ball"]},
              ["probe.rigidity", "probe.continuity", "probe.spurious"])
    return st, scene, p, {c: "pass" for c in p["checks"]}, 2


CASES = {"x01_ball_drop_wooden_floor": x01, "x02a_fast_green_ball_clean": x02a,
         "x02b_fast_green_ball_teleport": x02b, "x03a_pillar_on_sandy_floor_clean": x03a,
         "x03b_pillar_on_sandy_floor_vanish": x03b, "x04_black_ball_white_box": x04,
         "x05_blue_ball_white_band": x05, "x06_green_blocks_mint_table": x06,
         "x07_three_red_balls_middle_moves": x07, "x08_ball_duplicates": x08,
         "x09_yellow_ball_past_orange_box": x09, "x10_ball_rolls_towards_camera": x10}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="render only cases whose name starts with this")
    args = ap.parse_args()
    for name, make in CASES.items():
        if not name.startswith(args.only):
            continue
        stage, scene, p, verdicts, sub = make()
        frames = clip(stage, scene, T=T, fps=FPS, seed=len(name), sub=sub)
        d = OUT / name
        d.mkdir(parents=True, exist_ok=True)
        write_video(Video(frames, FPS), d / f"{p['id']}-0.mp4", lossless=False, crf=23)
        (d / "probe.jsonl").write_text(json.dumps(p) + "\n")
        (d / "expected.json").write_text(json.dumps({"probe_id": p["id"], "suite": "probe.jsonl",
                                                     "verdicts": verdicts}, indent=1) + "\n")
        print(f"{name}: {frames.shape[0]} frames, mean grey {float(np.mean(frames)):.0f}")


if __name__ == "__main__":
    main()
