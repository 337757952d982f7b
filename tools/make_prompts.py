"""Write the prompt suites ``prompts/{physics,permanence,identity}.jsonl`` and verify them.

Every probe is written out explicitly below (prompt, objects, expectation, checks, scene); the
small builders only spell the JSON.  ``--check`` (the default) then renders every probe with
the oracle world at the default 24 frames and verifies that its ``expect`` describes what is
rendered: occluded objects are fully visible for >= 5 frames before hiding and reappear;
counted objects are all visible in the first and last quarter and some are hidden in between;
crossing subjects overlap and are visible for >= 5 frames on either side; bouncing objects
bounce at least twice with falling apexes; decelerating ones never speed up; objects at rest
do not move; contained objects are hidden and revealed under the cup's final place; colliding
bodies collide.  Run from the repository root::

    .venv/bin/python tools/make_prompts.py            # write and verify
    .venv/bin/python tools/make_prompts.py --no-check # write only
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FLOOR = 0.5                     # floor height (m) in the standard 5 m x 5 m view
VIEW = [5.0, 5.0]
G = [0.0, -9.81]
TAIL = "Plain white background, static camera."


# --------------------------------------------------------------------------- builders


def obj(name: str, shape: str, size: float) -> dict[str, Any]:
    """A probe object; its colour is the first word of its name."""
    return {"name": name, "colour": name.split()[0], "shape": shape, "size": size}


def on_floor(name: str, x: float, vx: float = 0.0, e: float = 0.5, mu: float = 0.0, **kw: Any) -> dict[str, Any]:
    b = {"object": name, "on": "floor", "x": x, "restitution": e, "friction": mu}
    if vx:
        b["vel"] = [vx, 0.0]
    b.update(kw)
    return b


def at(name: str, x: float, y: float, vx: float = 0.0, vy: float = 0.0, e: float = 0.5, mu: float = 0.0,
       **kw: Any) -> dict[str, Any]:
    b = {"object": name, "pos": [x, y], "restitution": e, "friction": mu}
    if vx or vy:
        b["vel"] = [vx, vy]
    b.update(kw)
    return b


#: Occluders standing on a surface reach this far below it (they stand nearer the camera than the
#: objects, so they hide an object's bottom edge completely instead of sharing its edge pixel).
SINK = 0.15


def wall(name: str, colour: str, x: float, width: float, height: float, bottom: float = FLOOR,
         **kw: Any) -> dict[str, Any]:
    """An occluder rising ``height`` above ``bottom`` (and ``SINK`` below it)."""
    return {"name": name, "colour": colour, "size": [width, height + SINK],
            "center": [x, bottom + (height - SINK) / 2], **kw}


def sweep(name: str, colour: str, width: float, height: float, x0: float, x1: float, t0: float, t1: float,
          bottom: float = FLOOR) -> dict[str, Any]:
    """An occluder like ``wall`` sliding from x0 (at t0) to x1 (at t1)."""
    y = bottom + (height - SINK) / 2
    return {"name": name, "colour": colour, "size": [width, height + SINK], "path": [[t0, x0, y], [t1, x1, y]]}


def cup(name: str, size: float, keys: list[tuple[float, float, float]], contents: list[str],
        view_h: float = 5.0, **kw: Any) -> dict[str, Any]:
    """A cup following keyframes (t, x, height of its rim above the floor)."""
    r = size * view_h / 2
    return {"name": name, "contents": contents, "path": [[t, x, FLOOR + lift + r] for t, x, lift in keys], **kw}


def scene(duration: float, bodies: list[dict[str, Any]] | None = None, *, view: list[float] | None = None,
          gravity: list[float] | None = None, floor: bool | float = True, floor_colour: str = "dark grey",
          **extra: Any) -> dict[str, Any]:
    s: dict[str, Any] = {"view": view or VIEW, "duration": duration, "gravity": gravity or G}
    if floor is not False:
        s["floor"] = {"y": FLOOR if floor is True else float(floor), "colour": floor_colour}
    if bodies:
        s["bodies"] = bodies
    for k, v in extra.items():
        if v:
            s[k] = v
    return s


def probe(suite: str, cat: str, pid: str, prompt: str, objects: list[dict[str, Any]], expect: dict[str, Any],
          checks: list[str], sc: dict[str, Any] | None, **kw: Any) -> dict[str, Any]:
    p = {"id": f"{suite}.{pid}", "suite": suite, "category": cat, "prompt": f"{prompt} {TAIL}" if sc else prompt,
         "objects": objects, "expect": expect, "checks": checks, "scene": sc}
    p.update(kw)
    return p


GRAV = "probe.gravity"
BOUNCE = "probe.bounce"
CONT = "probe.continuity"
RIGID = "probe.rigidity"
COLL = "probe.collision"
FRIC = "probe.friction"
SUPP = "probe.support"
REAP = "probe.reappearance"
CONTAIN = "probe.containment"
COUNT = "probe.count"
SPUR = "probe.spurious"
ATTR = "probe.attributes"
CROSS = "probe.crossing"


# --------------------------------------------------------------------------- physics


def physics() -> list[dict[str, Any]]:
    S = "physics"
    out: list[dict[str, Any]] = []

    def add(*a: Any, **k: Any) -> None:
        out.append(probe(S, *a, **k))

    # P1 gravity and free fall --------------------------------------------------------------
    add("P1", "freefall.red_ball_drop",
        "A red ball is let go near the top of the frame, falls straight down onto a dark grey floor and stays there.",
        [obj("red ball", "disc", 0.1)], {"gravity": "down", "rigid": ["red ball"]}, [GRAV, RIGID, CONT],
        scene(2.0, [at("red ball", 2.5, 4.3, e=0.0)]))
    add("P1", "freefall.blue_cube_drop",
        "A blue cube falls from high up on the left and lands flat on a dark grey floor without bouncing.",
        [obj("blue cube", "box", 0.12)], {"gravity": "down", "rigid": ["blue cube"]}, [GRAV, RIGID, CONT],
        scene(2.0, [at("blue cube", 1.6, 4.1, e=0.0)]))
    add("P1", "freefall.green_triangle_drop",
        "A green triangle drops from the upper right and comes to rest on a grey floor.",
        [obj("green triangle", "triangle", 0.12)], {"gravity": "down", "rigid": ["green triangle"]},
        [GRAV, RIGID, CONT], scene(2.2, [at("green triangle", 3.6, 3.9, e=0.0)], floor_colour="grey"))
    add("P1", "freefall.two_balls_together",
        "A yellow ball and a purple ball are released side by side at the same height and fall together, "
        "hitting the dark grey floor at the same moment.",
        [obj("yellow ball", "disc", 0.09), obj("purple ball", "disc", 0.09)], {"gravity": "down"}, [GRAV, CONT],
        scene(2.0, [at("yellow ball", 1.8, 4.2, e=0.0), at("purple ball", 3.2, 4.2, e=0.0)]))
    add("P1", "freefall.high_and_low",
        "An orange ball near the top and a cyan ball halfway down are dropped at the same time; "
        "the cyan ball reaches the floor first.",
        [obj("orange ball", "disc", 0.08), obj("cyan ball", "disc", 0.08)], {"gravity": "down"}, [GRAV, CONT],
        scene(2.0, [at("orange ball", 1.5, 4.4, e=0.0), at("cyan ball", 3.5, 2.8, e=0.0)]))
    add("P1", "throw.horizontal_pink",
        "A pink ball is thrown horizontally to the right from high on the left side; it curves down in an arc, "
        "lands on the floor and slides to a stop.",
        [obj("pink ball", "disc", 0.08)], {"gravity": "down", "rigid": ["pink ball"]}, [GRAV, RIGID, CONT],
        scene(2.4, [at("pink ball", 0.5, 4.2, vx=1.7, e=0.0, mu=0.5)]))
    add("P1", "throw.straight_up_magenta",
        "A magenta ball is tossed straight up from the floor; it rises, slows down, stops for an instant "
        "at the top and falls back down to where it started.",
        [obj("magenta ball", "disc", 0.09)], {"gravity": "down"}, [GRAV, CONT],
        scene(2.0, [on_floor("magenta ball", 2.5, e=0.0, vel=[0.0, 7.8])]))
    add("P1", "throw.diagonal_brown",
        "A brown ball is launched up and to the right from the lower left corner, flies in a high arc "
        "and lands on the right side of the floor.",
        [obj("brown ball", "disc", 0.08)], {"gravity": "down", "rigid": ["brown ball"]}, [GRAV, RIGID, CONT],
        scene(2.0, [at("brown ball", 0.5, 1.2, vx=2.0, vy=6.5, e=0.0, mu=0.8)]))
    add("P1", "throw.leftward_cyan_cube",
        "A cyan cube is tossed up and to the left from the right side of the frame; it rises, tips over the top "
        "of its arc and drops onto a grey floor.",
        [obj("cyan cube", "box", 0.09)], {"gravity": "down", "rigid": ["cyan cube"]}, [GRAV, RIGID, CONT],
        scene(2.0, [at("cyan cube", 4.4, 1.5, vx=-1.8, vy=5.5, e=0.0, mu=0.9)], floor_colour="grey"))
    add("P1", "incline.yellow_box_slides",
        "A yellow box slides down a grey ramp on the left, picks up speed, reaches the floor and slides on "
        "to the right while slowing down.",
        [obj("yellow box", "box", 0.08)], {"gravity": "down", "rigid": ["yellow box"]}, [RIGID, CONT],
        scene(3.2, [{"object": "yellow box", "on": "ramp", "x": 0.5, "restitution": 0.0, "friction": 0.35}],
              ramps=[{"name": "ramp", "colour": "grey", "top": [0.2, 1.9], "bottom": [3.0, FLOOR]}]))
    add("P1", "incline.red_ball_rolls_down",
        "A red ball rolls down a steep dark grey slope from the upper right, speeds up and rolls away across "
        "the light grey floor and out of the frame on the left.",
        [obj("red ball", "disc", 0.08)], {"gravity": "down", "rigid": ["red ball"], "leaves_frame": ["red ball"]},
        [RIGID, CONT],
        scene(2.2, [{"object": "red ball", "on": "slope", "x": 4.5, "restitution": 0.0, "friction": 0.05}],
              floor_colour="light grey",
              ramps=[{"name": "slope", "colour": "dark grey", "top": [4.9, 3.6], "bottom": [2.6, FLOOR]}]))
    add("P1", "pendulum.yellow_bob",
        "A yellow ball hangs from a thin string fixed above the frame centre and swings back and forth "
        "like a pendulum.",
        [obj("yellow ball", "disc", 0.08)], {"gravity": "down", "rigid": ["yellow ball"]}, [GRAV, RIGID, CONT],
        scene(3.0, floor=False, pendulums=[{"object": "yellow ball", "pivot": [2.5, 4.6], "length": 2.6,
                                            "angle": 0.7}]))
    add("P1", "pendulum.purple_wide_swing",
        "A purple ball on a string is pulled far out to the left and let go; it swings through the bottom, "
        "up to the right and back.",
        [obj("purple ball", "disc", 0.1)], {"gravity": "down", "rigid": ["purple ball"]}, [GRAV, RIGID, CONT],
        scene(3.2, floor=False, pendulums=[{"object": "purple ball", "pivot": [2.5, 4.2], "length": 2.0,
                                            "angle": -1.3}]))

    # P2 collision and bounce ----------------------------------------------------------------
    add("P2", "bounce.red_ball_in_place",
        "A red ball made of rubber is dropped onto a dark grey floor and bounces several times, each bounce lower "
        "than the one before, until it rests.",
        [obj("red ball", "disc", 0.09)], {"gravity": "down", "bounce": "red ball", "rigid": ["red ball"]},
        [BOUNCE, GRAV, RIGID, CONT], scene(3.5, [at("red ball", 2.5, 4.3, e=0.72)]))
    add("P2", "bounce.green_ball_travels_right",
        "A green ball is thrown gently to the right from the upper left; it bounces along the floor in "
        "ever smaller hops.",
        [obj("green ball", "disc", 0.08)], {"gravity": "down", "bounce": "green ball"}, [BOUNCE, GRAV, CONT],
        scene(3.0, [at("green ball", 0.5, 4.0, vx=1.2, e=0.7)]))
    add("P2", "bounce.blue_superball",
        "A very bouncy blue ball falls from near the top and bounces high again and again, losing only "
        "a little height each time.",
        [obj("blue ball", "disc", 0.07)], {"gravity": "down", "bounce": "blue ball"}, [BOUNCE, GRAV, CONT],
        scene(3.5, [at("blue ball", 2.2, 4.5, e=0.88)]))
    add("P2", "bounce.orange_ball_dull",
        "A soft orange ball is dropped from halfway up; it bounces twice, low and short, and then stays "
        "on the floor.",
        [obj("orange ball", "disc", 0.1)], {"gravity": "down", "bounce": "orange ball"}, [BOUNCE, GRAV, CONT],
        scene(2.4, [at("orange ball", 3.0, 3.2, e=0.45)]))
    add("P2", "bounce.cyan_ball_leftward",
        "A cyan ball is thrown to the left from the upper right and bounces across the light grey floor "
        "towards the left edge, each bounce lower than the last.",
        [obj("cyan ball", "disc", 0.08)], {"gravity": "down", "bounce": "cyan ball"}, [BOUNCE, GRAV, CONT],
        scene(3.0, [at("cyan ball", 4.5, 3.8, vx=-1.1, e=0.68)], floor_colour="light grey"))
    add("P2", "bounce.pink_ball_on_block",
        "A pink ball is dropped onto the flat top of a wide grey block and bounces on it a few times.",
        [obj("pink ball", "disc", 0.08)], {"gravity": "down", "bounce": "pink ball"}, [BOUNCE, GRAV, CONT],
        scene(3.0, [at("pink ball", 2.5, 4.4, e=0.65)],
              platforms=[{"name": "block", "colour": "grey", "x": [1.2, 3.8], "top": 1.6}]))
    add("P2", "bounce.small_yellow_ball",
        "A small yellow ball drops from the top right and bounces on the floor four or five times, "
        "the bounces shrinking steadily.",
        [obj("yellow ball", "disc", 0.06)], {"gravity": "down", "bounce": "yellow ball"}, [BOUNCE, GRAV, CONT],
        scene(3.5, [at("yellow ball", 3.8, 4.5, vx=-0.2, e=0.78)]))

    # P3 momentum and energy -----------------------------------------------------------------
    add("P3", "collision.red_hits_resting_blue",
        "A red ball rolls to the right and hits a blue ball of the same size that is resting on the floor; "
        "the red ball stops and the blue ball rolls away to the right.",
        [obj("red ball", "disc", 0.09), obj("blue ball", "disc", 0.09)],
        {"collision": {"a": "red ball", "b": "blue ball"}, "rigid": ["red ball", "blue ball"]}, [COLL, CONT, RIGID],
        scene(3.0, [on_floor("red ball", 0.6, vx=1.8, e=1.0, mu=0.08), on_floor("blue ball", 2.4, e=1.0, mu=0.08)]))
    add("P3", "collision.head_on_green_purple",
        "A green ball rolling right and a purple ball rolling left meet head-on in the middle of the floor "
        "and bounce back apart.",
        [obj("green ball", "disc", 0.09), obj("purple ball", "disc", 0.09)],
        {"rigid": ["green ball", "purple ball"]}, [CONT, RIGID, SPUR],
        scene(3.0, [on_floor("green ball", 0.6, vx=1.4, e=0.9), on_floor("purple ball", 4.4, vx=-1.4, e=0.9)]))
    add("P3", "collision.fast_yellow_catches_orange",
        "A fast yellow ball catches up with a slow orange ball rolling in the same direction; after they "
        "touch, the orange ball speeds up and the yellow ball slows down.",
        [obj("yellow ball", "disc", 0.08), obj("orange ball", "disc", 0.08)],
        {"collision": {"a": "yellow ball", "b": "orange ball"}}, [COLL, CONT],
        scene(3.0, [on_floor("yellow ball", 0.4, vx=2.6, e=0.95, mu=0.1),
                    on_floor("orange ball", 1.7, vx=1.0, e=0.95, mu=0.1)]))
    add("P3", "collision.dull_purple_into_yellow",
        "A purple ball rolls into a resting yellow ball; the knock is soft, so the yellow ball rolls off "
        "slower than the purple ball came in and the purple ball keeps creeping forward.",
        [obj("purple ball", "disc", 0.1), obj("yellow ball", "disc", 0.1)],
        {"collision": {"a": "purple ball", "b": "yellow ball"}}, [COLL, CONT],
        scene(3.0, [on_floor("purple ball", 0.6, vx=1.6, e=0.5), on_floor("yellow ball", 2.2, e=0.5)]))
    add("P3", "collision.box_pushes_box",
        "A blue box slides to the right across a grey floor and bumps into a red box of the same size; "
        "the red box slides on and both slow to a stop.",
        [obj("blue box", "box", 0.09), obj("red box", "box", 0.09)],
        {"collision": {"a": "blue box", "b": "red box"}, "rigid": ["blue box", "red box"]}, [COLL, CONT, RIGID],
        scene(3.0, [on_floor("blue box", 0.6, vx=3.0, e=0.8, mu=0.15), on_floor("red box", 1.8, e=0.8, mu=0.15)],
              floor_colour="grey"))
    add("P3", "collision.green_strikes_brown_leftward",
        "A green ball rolls to the left and strikes a brown ball resting near the left side; the brown ball "
        "shoots off to the left and the green ball almost stops.",
        [obj("green ball", "disc", 0.08), obj("brown ball", "disc", 0.08)],
        {"collision": {"a": "green ball", "b": "brown ball"}}, [COLL, CONT],
        scene(3.0, [on_floor("green ball", 4.5, vx=-2.2, e=0.95, mu=0.08),
                    on_floor("brown ball", 2.6, e=0.95, mu=0.08)]))
    add("P3", "momentum.lone_blue_roller",
        "A blue ball rolls slowly across an empty floor from left to right, gradually slowing; nothing "
        "touches it and it never speeds up.",
        [obj("blue ball", "disc", 0.09)], {"decelerate": "blue ball"}, [FRIC, CONT],
        scene(3.0, [on_floor("blue ball", 0.7, vx=1.6, mu=0.04)]))

    # P4 rigidity ----------------------------------------------------------------------------
    add("P4", "rigid.red_box_slides",
        "A solid red box slides across the floor from left to right and stops; it keeps its square shape "
        "and size the whole time.",
        [obj("red box", "box", 0.11)], {"rigid": ["red box"], "decelerate": "red box"}, [RIGID, FRIC, CONT],
        scene(3.0, [on_floor("red box", 0.6, vx=3.0, mu=0.2)]))
    add("P4", "rigid.purple_ring_toss",
        "A stiff purple ring is tossed from the left in a low arc and lands on the floor without bending.",
        [obj("purple ring", "ring", 0.1)], {"gravity": "down", "rigid": ["purple ring"]}, [RIGID, GRAV, CONT],
        scene(2.2, [at("purple ring", 0.6, 2.2, vx=1.6, vy=3.5, e=0.0, mu=0.7)]))
    add("P4", "rigid.orange_triangle_ramp",
        "An orange triangle cut from wood slides down a light grey ramp and onto the floor, keeping its shape.",
        [obj("orange triangle", "triangle", 0.1)], {"rigid": ["orange triangle"]}, [RIGID, CONT],
        scene(3.2, [{"object": "orange triangle", "on": "ramp", "x": 4.5, "restitution": 0.0, "friction": 0.35}],
              ramps=[{"name": "ramp", "colour": "light grey", "top": [4.8, 1.9], "bottom": [2.0, FLOOR]}]))
    add("P4", "rigid.cyan_ball_no_squash",
        "A hard cyan ball bounces on the floor; it stays perfectly round and the same size on every impact.",
        [obj("cyan ball", "disc", 0.11)], {"gravity": "down", "bounce": "cyan ball", "rigid": ["cyan ball"]},
        [RIGID, BOUNCE, CONT], scene(3.0, [at("cyan ball", 2.0, 4.2, vx=0.3, e=0.6)]))
    add("P4", "rigid.green_and_yellow_boxes_fall",
        "A green box and a yellow box fall one after the other from different heights and land on the floor, "
        "neither changing shape.",
        [obj("green box", "box", 0.1), obj("yellow box", "box", 0.07)],
        {"gravity": "down", "rigid": ["green box", "yellow box"]}, [RIGID, GRAV, CONT],
        scene(2.2, [at("green box", 1.5, 4.3, e=0.0), at("yellow box", 3.5, 2.6, e=0.0)]))

    # P5 support and stability ---------------------------------------------------------------
    add("P5", "support.red_ball_on_block",
        "A red ball sits on top of a grey block and stays perfectly still.",
        [obj("red ball", "disc", 0.1)], {"gravity": "down", "at_rest": ["red ball"]}, [SUPP, CONT],
        scene(2.0, [{"object": "red ball", "on": "block", "x": 2.5}],
              platforms=[{"name": "block", "colour": "grey", "x": [1.5, 3.5], "top": 1.8}]))
    add("P5", "support.blue_ball_rolls_off_edge",
        "A blue ball rolls to the right along the top of a tall dark grey block, rolls off its edge and "
        "falls to the floor below.",
        [obj("blue ball", "disc", 0.08)], {"gravity": "down", "rigid": ["blue ball"]}, [GRAV, CONT, RIGID],
        scene(2.4, [{"object": "blue ball", "on": "block", "x": 0.6, "vel": [1.5, 0.0], "restitution": 0.0,
                     "friction": 0.0}],
              platforms=[{"name": "block", "colour": "dark grey", "x": [0.0, 2.2], "top": 3.4}],
              floor_colour="grey"))
    add("P5", "support.three_boxes_rest",
        "A red box, a green box and a blue box stand in a row on the floor; none of them moves.",
        [obj("red box", "box", 0.1), obj("green box", "box", 0.1), obj("blue box", "box", 0.1)],
        {"gravity": "down", "at_rest": ["red box", "green box", "blue box"]}, [SUPP, SPUR],
        scene(2.0, [on_floor("red box", 1.2), on_floor("green box", 2.5), on_floor("blue box", 3.8)]))
    add("P5", "support.yellow_cup_stands",
        "A yellow cup stands upside down on a grey floor and does not move.",
        [obj("yellow cup", "cup", 0.14)], {"gravity": "down", "at_rest": ["yellow cup"]}, [SUPP],
        scene(2.0, [on_floor("yellow cup", 2.5)], floor_colour="grey"))
    add("P5", "support.purple_box_slides_off_table",
        "A purple box slides to the left across a grey table top, goes over the edge and drops to the floor.",
        [obj("purple box", "box", 0.08)], {"gravity": "down", "rigid": ["purple box"]}, [GRAV, CONT, RIGID],
        scene(2.4, [{"object": "purple box", "on": "table", "x": 4.5, "vel": [-2.0, 0.0], "restitution": 0.0,
                     "friction": 0.1}],
              platforms=[{"name": "table", "colour": "grey", "x": [2.6, 5.0], "top": 2.9}]))
    add("P5", "support.orange_rests_cyan_falls",
        "An orange ball rests on the floor on the left while a cyan ball falls from above on the right "
        "and lands; the orange ball stays where it is.",
        [obj("orange ball", "disc", 0.09), obj("cyan ball", "disc", 0.09)],
        {"gravity": "down", "at_rest": ["orange ball"]}, [SUPP, GRAV, CONT],
        scene(2.0, [on_floor("orange ball", 1.5), at("cyan ball", 3.5, 4.3, e=0.0)]))

    # P6 friction and rolling ----------------------------------------------------------------
    add("P6", "friction.green_box_pushed",
        "A green box is given a push to the right and slides across a rough floor, slowing down steadily "
        "until it stops.",
        [obj("green box", "box", 0.1)], {"decelerate": "green box", "rigid": ["green box"]}, [FRIC, RIGID, CONT],
        scene(2.5, [on_floor("green box", 0.7, vx=3.6, mu=0.3)]))
    add("P6", "friction.red_ball_rolls_left",
        "A red ball rolls to the left across the floor and gradually slows down to a stop.",
        [obj("red ball", "disc", 0.09)], {"decelerate": "red ball"}, [FRIC, CONT],
        scene(3.0, [on_floor("red ball", 4.4, vx=-2.2, mu=0.08)]))
    add("P6", "friction.blue_box_up_ramp",
        "A blue box slides up a gentle grey ramp from the right, slows down and stops partway up, "
        "staying there.",
        [obj("blue box", "box", 0.08)], {"decelerate": "blue box"}, [FRIC, CONT],
        scene(2.5, [{"object": "blue box", "on": "ramp", "x": 3.5, "vel": [-2.6, 0.0], "restitution": 0.0,
                     "friction": 0.6}],
              ramps=[{"name": "ramp", "colour": "grey", "top": [0.3, 2.2], "bottom": [4.8, FLOOR]}]))
    add("P6", "friction.brown_box_rough_floor",
        "A brown box slides to the right on a rough light grey floor and comes to a stop quickly.",
        [obj("brown box", "box", 0.12)], {"decelerate": "brown box"}, [FRIC, CONT],
        scene(2.0, [on_floor("brown box", 0.9, vx=3.2, mu=0.55)], floor_colour="light grey"))
    add("P6", "friction.magenta_ring_slides",
        "A magenta ring lying on the floor slides to the left after a flick and slows until it stops.",
        [obj("magenta ring", "ring", 0.1)], {"decelerate": "magenta ring"}, [FRIC, CONT],
        scene(2.5, [on_floor("magenta ring", 4.2, vx=-2.6, mu=0.25)]))

    # P9 counterfactual physics ---------------------------------------------------------------
    add("P9", "counterfactual.zero_g_red_drift",
        "In zero gravity, a red ball drifts slowly across the frame from left to right in a straight line "
        "without falling.",
        [obj("red ball", "disc", 0.09)], {"gravity": "none"}, [GRAV, CONT],
        scene(3.0, [at("red ball", 0.6, 3.0, vx=1.1, vy=-0.15)], gravity=[0.0, 0.0]))
    add("P9", "counterfactual.zero_g_collision",
        "In zero gravity, a blue ball drifts into a yellow ball floating still, hits it slightly off-centre, "
        "and both drift apart in new directions.",
        [obj("blue ball", "disc", 0.1), obj("yellow ball", "disc", 0.1)],
        {"gravity": "none", "collision": {"a": "blue ball", "b": "yellow ball"}}, [COLL, GRAV, CONT],
        scene(3.0, [at("blue ball", 0.6, 2.75, vx=1.4, e=1.0), at("yellow ball", 2.4, 2.5, e=1.0)],
              gravity=[0.0, 0.0], floor=False))
    add("P9", "counterfactual.upward_gravity_green",
        "Gravity points upward: a green ball resting on the floor starts to fall up, faster and faster, "
        "towards the top of the frame.",
        [obj("green ball", "disc", 0.09)], {"gravity": "up", "leaves_frame": ["green ball"]}, [GRAV, CONT],
        scene(2.0, [on_floor("green ball", 2.5)], gravity=[0.0, 4.0]))
    add("P9", "counterfactual.upward_gravity_purple_box",
        "In a world where things fall upwards, a purple box let go in the lower left drifts up and "
        "accelerates towards the top edge.",
        [obj("purple box", "box", 0.09)], {"gravity": "up", "leaves_frame": ["purple box"]}, [GRAV, CONT],
        scene(2.0, [at("purple box", 1.4, 1.4, vx=0.3)], gravity=[0.0, 3.0]))
    add("P9", "counterfactual.zero_g_orange_toss",
        "In zero gravity, an orange ball pushed upward from the floor keeps rising at a constant speed "
        "instead of slowing down.",
        [obj("orange ball", "disc", 0.08)], {"gravity": "none"}, [GRAV, CONT],
        scene(2.5, [on_floor("orange ball", 2.0, vel=[0.2, 1.4])], gravity=[0.0, 0.0]))
    add("P9", "counterfactual.moon_cyan_drop",
        "On the Moon, with weak gravity, a cyan ball dropped from the top falls slowly and gently to the grey "
        "ground.",
        [obj("cyan ball", "disc", 0.09)], {"gravity": "down"}, [GRAV, CONT],
        scene(3.0, [at("cyan ball", 2.5, 4.4, e=0.0)], gravity=[0.0, -1.62], floor_colour="grey"))
    add("P9", "counterfactual.zero_g_pendulum",
        "In zero gravity, a yellow ball on a string is flicked sideways and circles its pivot at a steady "
        "speed instead of swinging.",
        [obj("yellow ball", "disc", 0.08)], {"gravity": "none"}, [GRAV, CONT],
        scene(3.0, floor=False, gravity=[0.0, 0.0],
              pendulums=[{"object": "yellow ball", "pivot": [2.5, 2.5], "length": 1.6, "angle": 0.0,
                          "omega": 2.0}]))
    return out


# --------------------------------------------------------------------------- permanence


def permanence() -> list[dict[str, Any]]:
    S = "permanence"
    out: list[dict[str, Any]] = []

    def add(*a: Any, **k: Any) -> None:
        out.append(probe(S, *a, **k))

    def occl(pid: str, prompt: str, o: dict[str, Any], body: dict[str, Any], occ: dict[str, Any],
             extra: list[dict[str, Any]] | None = None, extra_bodies: list[dict[str, Any]] | None = None,
             expect: dict[str, Any] | None = None, checks: list[str] | None = None, dur: float = 3.0,
             **kw: Any) -> None:
        ex = {"occlusion": {"object": o["name"], "occluder": occ["name"]}}
        ex.update(expect or {})
        add("O1", f"occlusion.{pid}", prompt, [o] + (extra or []), ex, checks or [REAP, SPUR, CONT],
            scene(dur, [body] + (extra_bodies or []), occluders=[occ], **kw))

    # O1 occlusion and reappearance ---------------------------------------------------------
    occl("red_ball_grey_wall",
         "A red ball rolls from left to right along the floor, passes behind a grey wall and comes out "
         "on the other side.",
         obj("red ball", "disc", 0.1), on_floor("red ball", 0.5, vx=1.3), wall("grey wall", "grey", 2.4, 1.0, 1.6))
    occl("blue_box_dark_screen_leftward",
         "A blue box slides from right to left, disappears behind a dark grey screen and slides out "
         "on its left side.",
         obj("blue box", "box", 0.09), on_floor("blue box", 4.5, vx=-1.4), wall("dark grey screen", "dark grey",
                                                                                2.6, 0.9, 1.4))
    occl("green_ball_fast_narrow_post",
         "A green ball rolls quickly to the right behind a narrow dark grey post and reappears right away.",
         obj("green ball", "disc", 0.08), on_floor("green ball", 0.4, vx=1.7),
         wall("dark grey post", "dark grey", 2.3, 0.55, 2.2), dur=2.6)
    occl("yellow_ring_slow_wide_screen",
         "A yellow ring rolls slowly to the right and spends a long time behind a wide grey screen "
         "before it emerges.",
         obj("yellow ring", "ring", 0.09), on_floor("yellow ring", 0.4, vx=1.05),
         wall("grey screen", "grey", 2.3, 1.5, 1.3), dur=4.0)
    occl("purple_triangle_black_panel",
         "A purple triangle slides to the right behind a black panel and slides out again.",
         obj("purple triangle", "triangle", 0.1), on_floor("purple triangle", 0.5, vx=1.4),
         wall("black panel", "black", 2.5, 1.0, 1.5))
    occl("cyan_ball_on_shelf",
         "A cyan ball rolls along the top of a long grey shelf and passes behind a dark grey panel "
         "standing in front of the shelf.",
         obj("cyan ball", "disc", 0.08), {"object": "cyan ball", "on": "shelf", "x": 0.4, "vel": [1.3, 0.0]},
         wall("dark grey panel", "dark grey", 2.4, 0.9, 1.2, bottom=2.0),
         platforms=[{"name": "shelf", "colour": "grey", "x": [0.0, 5.0], "top": 2.4}])
    occl("brown_box_two_walls",
         "A brown box slides to the right and passes behind two grey walls in turn, showing between them.",
         obj("brown box", "box", 0.08), on_floor("brown box", 0.35, vx=1.4),
         wall("left grey wall", "grey", 1.85, 0.7, 1.3), dur=3.0)
    out[-1]["scene"]["occluders"].append(wall("right grey wall", "grey", 3.15, 0.7, 1.3))
    occl("magenta_ball_leftward_grey_block",
         "A magenta ball rolls to the left and goes behind a tall grey block, then rolls out on the left.",
         obj("magenta ball", "disc", 0.1), on_floor("magenta ball", 4.5, vx=-1.25),
         wall("grey block", "grey", 2.5, 1.1, 2.0))
    occl("red_ball_blue_ball_waits",
         "A red ball rolls to the right behind a grey wall while a blue ball sits still on the floor "
         "to the right of the wall; the red ball comes out from behind the wall.",
         obj("red ball", "disc", 0.08), on_floor("red ball", 0.4, vx=1.1),
         wall("grey wall", "grey", 2.0, 0.9, 1.4), extra=[obj("blue ball", "disc", 0.08)],
         extra_bodies=[on_floor("blue ball", 4.3)], expect={"at_rest": ["blue ball"]}, checks=[REAP, SPUR, SUPP])
    occl("yellow_ball_tall_pillar",
         "A yellow ball rolls to the right behind a tall, thin black pillar and rolls on.",
         obj("yellow ball", "disc", 0.07), on_floor("yellow ball", 0.4, vx=1.35),
         wall("black pillar", "black", 2.4, 0.5, 3.6), dur=2.8)
    occl("cyan_ring_rightward_light_screen",
         "A cyan ring rolls to the right behind a light grey screen and reappears on the right.",
         obj("cyan ring", "ring", 0.1), on_floor("cyan ring", 0.5, vx=1.3),
         wall("light grey screen", "light grey", 2.5, 1.0, 1.5))
    occl("pink_triangle_leftward_black_wall",
         "A pink triangle slides to the left behind a black wall and slides out on the other side.",
         obj("pink triangle", "triangle", 0.09), on_floor("pink triangle", 4.5, vx=-1.35),
         wall("black wall", "black", 2.4, 1.0, 1.2))
    occl("green_cube_slow_dark_wall",
         "A green cube slides slowly to the right behind a dark grey wall and comes out a while later.",
         obj("green cube", "box", 0.08), on_floor("green cube", 0.4, vx=1.0),
         wall("dark grey wall", "dark grey", 1.9, 0.9, 1.1), dur=4.0)
    add("O1", "occlusion.orange_box_behind_passing_screen",
        "An orange box sits still on the floor while a grey screen slides in from the left, covers it "
        "completely, and slides away to the right, leaving the box in place.",
        [obj("orange box", "box", 0.1)],
        {"occlusion": {"object": "orange box", "occluder": "grey screen"}, "at_rest": ["orange box"]},
        [REAP, SUPP, SPUR],
        scene(3.0, [on_floor("orange box", 2.5)],
              occluders=[sweep("grey screen", "grey", 1.2, 1.3, -0.8, 5.8, 0.6, 2.6)]))
    add("O1", "occlusion.blue_ball_under_low_bridge",
        "A blue ball rolls to the left along the floor behind a low grey barrier that hides it for a moment, "
        "then rolls on.",
        [obj("blue ball", "disc", 0.07)],
        {"occlusion": {"object": "blue ball", "occluder": "grey barrier"}}, [REAP, SPUR, CONT],
        scene(2.8, [on_floor("blue ball", 4.6, vx=-1.5)], occluders=[wall("grey barrier", "grey", 2.6, 1.0, 0.6)]))

    # O2 containment -----------------------------------------------------------------------
    def contain(pid: str, prompt: str, item: dict[str, Any], cup_obj: dict[str, Any], x: float,
                keys: list[tuple[float, float, float]], dur: float, distractor: dict[str, Any] | None = None,
                distractor_keys: list[tuple[float, float, float]] | None = None, **kw: Any) -> None:
        objects = [item, cup_obj] + ([distractor] if distractor else [])
        cups = [cup(cup_obj["name"], cup_obj["size"], keys, [item["name"]])]
        if distractor:
            cups.append(cup(distractor["name"], distractor["size"], distractor_keys or [], [], z=1.5))
        add("O2", f"containment.{pid}", prompt, objects,
            {"contained": {"object": item["name"], "container": cup_obj["name"]}}, [CONTAIN, SPUR],
            scene(dur, [on_floor(item["name"], x)], containers=cups, **kw))

    contain("red_ball_blue_cup_slides_right",
            "A blue cup is lowered upside down over a red ball, slides to the right with the ball inside, "
            "and is lifted to show the red ball underneath.",
            obj("red ball", "disc", 0.08), obj("blue cup", "cup", 0.16), 1.6,
            [(0.0, 1.6, 2.6), (0.6, 1.6, 0.0), (1.6, 3.4, 0.0), (2.2, 3.4, 2.6)], 3.0)
    contain("green_cube_yellow_cup_stays",
            "A yellow cup comes down over a green cube, stays there for a moment, and is lifted straight up; "
            "the green cube is still there.",
            obj("green cube", "box", 0.08), obj("yellow cup", "cup", 0.16), 2.5,
            [(0.0, 2.5, 2.8), (0.7, 2.5, 0.0), (1.5, 2.5, 0.0), (2.2, 2.5, 2.8)], 3.0)
    contain("purple_ball_orange_cup_slides_left",
            "An orange cup covers a purple ball, slides it to the left across the grey floor and lifts off, "
            "revealing the purple ball on the left.",
            obj("purple ball", "disc", 0.07), obj("orange cup", "cup", 0.15), 3.6,
            [(0.0, 3.6, 2.5), (0.5, 3.6, 0.0), (1.7, 1.3, 0.0), (2.3, 1.3, 2.5)], 3.0, floor_colour="grey")
    contain("shell_game_yellow_ball",
            "A shell game: a red cup is put over a yellow ball next to an empty cyan cup; the two cups slide "
            "past each other and swap sides, then the red cup is lifted and the yellow ball is under it.",
            obj("yellow ball", "disc", 0.07), obj("red cup", "cup", 0.15), 1.5,
            [(0.0, 1.5, 2.5), (0.5, 1.5, 0.0), (2.0, 3.5, 0.0), (2.6, 3.5, 2.5)], 3.2,
            distractor=obj("cyan cup", "cup", 0.15),
            distractor_keys=[(0.0, 3.5, 2.5), (0.5, 3.5, 0.0), (2.0, 1.5, 0.0), (3.2, 1.5, 0.0)])
    contain("pink_ball_brown_cup_long_slide",
            "A brown cup is placed over a pink ball on the far left and slides it all the way to the right "
            "side before being lifted.",
            obj("pink ball", "disc", 0.08), obj("brown cup", "cup", 0.17), 0.9,
            [(0.0, 0.9, 2.4), (0.5, 0.9, 0.0), (2.1, 4.1, 0.0), (2.7, 4.1, 2.4)], 3.2)
    contain("blue_ring_magenta_cup_there_and_back",
            "A magenta cup covers a blue ring, slides right, then slides back part of the way left, "
            "and lifts to reveal the ring.",
            obj("blue ring", "ring", 0.08), obj("magenta cup", "cup", 0.16), 1.4,
            [(0.0, 1.4, 2.6), (0.5, 1.4, 0.0), (1.4, 3.6, 0.0), (2.2, 2.4, 0.0), (2.8, 2.4, 2.6)], 3.4)
    contain("small_yellow_ball_big_green_cup",
            "A large green cup is lowered over a small yellow ball, shifted a little to the right, and "
            "raised again; the yellow ball is where the cup ended.",
            obj("yellow ball", "disc", 0.06), obj("green cup", "cup", 0.2), 2.0,
            [(0.0, 2.0, 2.4), (0.6, 2.0, 0.0), (1.4, 3.0, 0.0), (2.1, 3.0, 2.4)], 3.0)
    contain("orange_triangle_purple_cup_stays",
            "A purple cup drops over an orange triangle, waits, and is lifted; the triangle has not moved.",
            obj("orange triangle", "triangle", 0.08), obj("purple cup", "cup", 0.15), 3.0,
            [(0.0, 3.0, 2.6), (0.6, 3.0, 0.0), (1.6, 3.0, 0.0), (2.2, 3.0, 2.6)], 2.8, floor_colour="black")
    contain("red_cube_cyan_cup_slides_right_slowly",
            "A cyan cup slowly pushes over a red cube, carries it to the right and lifts, leaving the red cube "
            "on the right of the dark grey floor.",
            obj("red cube", "box", 0.07), obj("cyan cup", "cup", 0.14), 1.2,
            [(0.0, 1.2, 2.7), (0.7, 1.2, 0.0), (2.4, 3.0, 0.0), (3.0, 3.0, 2.7)], 3.6)

    # O3 counting across an occluder sweep ------------------------------------------------------
    def count(pid: str, prompt: str, colour: str, shape: str, word: str, size: float, xs: list[float],
              occ: dict[str, Any], dur: float = 3.2, extra: list[dict[str, Any]] | None = None,
              extra_bodies: list[dict[str, Any]] | None = None, bodies: list[dict[str, Any]] | None = None,
              names: list[str] | None = None, rest: bool = True, **kw: Any) -> None:
        names = names or [f"{colour} {word} {i + 1}" for i in range(len(xs))]
        objects = [{"name": n, "colour": colour, "shape": shape, "size": size} for n in names] + (extra or [])
        bs = bodies or [on_floor(n, x) for n, x in zip(names, xs)]
        ex: dict[str, Any] = {"count": {"colour": colour, "n": len(names)}}
        if rest:
            ex["at_rest"] = names
        add("O3", f"count.{pid}", prompt, objects, ex, [COUNT, SPUR],
            scene(dur, bs + (extra_bodies or []), occluders=[occ], **kw))

    count("three_red_balls_sweep",
          "Three red balls sit in a row on the floor; a grey screen slides across in front of them from left "
          "to right and leaves; there are still three red balls.",
          "red", "disc", "ball", 0.08, [1.6, 2.5, 3.4], sweep("grey screen", "grey", 1.3, 1.2, -0.8, 5.8, 0.8, 2.4))
    count("two_blue_boxes_sweep_left",
          "Two blue boxes stand on the floor; a dark grey board glides from right to left in front of them and "
          "out of the frame; both boxes remain.",
          "blue", "box", "box", 0.1, [1.9, 3.1], sweep("dark grey board", "dark grey", 1.4, 1.2, 5.9, -0.9, 0.8, 2.4))
    count("four_green_balls_dark_screen",
          "Four green balls rest on the floor in a line; a wide dark grey screen slides over them from the left "
          "and off to the right; all four are still there.",
          "green", "disc", "ball", 0.07, [1.2, 2.1, 3.0, 3.9],
          sweep("dark grey screen", "dark grey", 1.6, 1.0, -1.0, 6.0, 0.8, 2.4))
    count("five_yellow_rings",
          "Five yellow rings lie spaced out on the floor; a grey panel passes in front of them from left to "
          "right; afterwards there are still five yellow rings.",
          "yellow", "ring", "ring", 0.06, [0.8, 1.65, 2.5, 3.35, 4.2],
          sweep("grey panel", "grey", 1.2, 0.9, -0.8, 5.8, 0.8, 2.5), dur=3.3)
    count("three_purple_triangles",
          "Three purple triangles stand on a grey floor; a black curtain moves across them from right to left "
          "and away; three purple triangles remain.",
          "purple", "triangle", "triangle", 0.09, [1.5, 2.5, 3.5],
          sweep("black curtain", "black", 1.4, 1.3, 5.9, -0.9, 0.8, 2.4))
    out[-1]["scene"]["floor"]["colour"] = "grey"
    count("two_orange_balls_cyan_ball",
          "Two orange balls and one cyan ball rest on the floor; a grey screen passes in front of all of them "
          "from left to right; there are still two orange balls and one cyan ball.",
          "orange", "disc", "ball", 0.08, [1.4, 2.6], sweep("grey screen", "grey", 1.3, 1.2, -0.8, 5.8, 0.8, 2.4),
          extra=[obj("cyan ball", "disc", 0.08)], extra_bodies=[on_floor("cyan ball", 3.8)])
    count("three_pink_balls_on_shelf",
          "Three pink balls sit on a long light grey shelf; a dark grey board slides along in front of the shelf "
          "from right to left, hiding them one by one, and moves on; three pink balls are still on the shelf.",
          "pink", "disc", "ball", 0.07, [], sweep("dark grey board", "dark grey", 1.2, 1.0, 5.8, -0.8, 0.8, 2.5,
                                                   bottom=2.0),
          names=["pink ball 1", "pink ball 2", "pink ball 3"], dur=3.3,
          bodies=[{"object": f"pink ball {k + 1}", "on": "shelf", "x": x} for k, x in enumerate([1.6, 2.5, 3.4])],
          platforms=[{"name": "shelf", "colour": "light grey", "x": [0.0, 5.0], "top": 2.4}])
    count("four_brown_boxes_slow_black_screen",
          "Four brown boxes are lined up on the floor; a black screen slowly slides across in front of them "
          "and off the frame; four brown boxes are left.",
          "brown", "box", "box", 0.07, [1.0, 2.0, 3.0, 4.0],
          sweep("black screen", "black", 1.3, 1.0, -0.8, 5.8, 0.9, 3.0), dur=4.0)
    count("two_magenta_balls_opposite_behind_wall",
          "Two magenta balls roll towards each other from opposite sides, pass behind a grey wall at the same "
          "time and come out on opposite sides; there are still two.",
          "magenta", "disc", "ball", 0.08, [], wall("grey wall", "grey", 2.5, 1.2, 1.2),
          names=["magenta ball 1", "magenta ball 2"], rest=False, dur=3.6,
          bodies=[on_floor("magenta ball 1", 0.5, vx=1.15), on_floor("magenta ball 2", 4.5, vx=-1.15, z=0.5)])

    # O5 no spurious appearance or disappearance ------------------------------------------------
    add("O5", "spurious.red_blue_pass",
        "A red ball rolls to the right and a blue ball rolls to the left; they pass each other, the red one "
        "in front, and carry on to opposite sides.",
        [obj("red ball", "disc", 0.09), obj("blue ball", "disc", 0.09)], {}, [SPUR, CONT],
        scene(3.0, [on_floor("red ball", 0.6, vx=1.3, z=1), on_floor("blue ball", 4.4, vx=-1.3)]))
    add("O5", "spurious.three_bouncers",
        "A green ball, a yellow ball and a purple ball are dropped from different heights side by side "
        "and bounce on the floor.",
        [obj("green ball", "disc", 0.08), obj("yellow ball", "disc", 0.08), obj("purple ball", "disc", 0.08)],
        {"gravity": "down"}, [SPUR, CONT],
        scene(3.0, [at("green ball", 1.2, 4.3, e=0.7), at("yellow ball", 2.5, 3.5, e=0.7),
                    at("purple ball", 3.8, 2.7, e=0.7)]))
    add("O5", "spurious.orange_rolls_out_of_frame",
        "An orange ball rolls to the right and leaves the frame through the right edge.",
        [obj("orange ball", "disc", 0.09)], {"leaves_frame": ["orange ball"]}, [SPUR, CONT],
        scene(3.0, [on_floor("orange ball", 1.0, vx=2.0)]))
    add("O5", "spurious.cyan_box_slides_in",
        "A cyan box slides into the frame from the left edge, slows down and stops in the middle.",
        [obj("cyan box", "box", 0.09)], {"decelerate": "cyan box"}, [SPUR, FRIC],
        scene(3.0, [on_floor("cyan box", -0.4, vx=3.6, mu=0.3)]))
    add("O5", "spurious.still_life",
        "A pink ball and a brown box rest on the floor a little apart; nothing moves and nothing appears "
        "or disappears.",
        [obj("pink ball", "disc", 0.09), obj("brown box", "box", 0.11)],
        {"gravity": "down", "at_rest": ["pink ball", "brown box"]}, [SPUR, SUPP],
        scene(2.0, [on_floor("pink ball", 1.8), on_floor("brown box", 3.3)]))
    add("O5", "spurious.magenta_falls_by_yellow",
        "A magenta triangle falls and lands next to a yellow box that rests on the floor.",
        [obj("magenta triangle", "triangle", 0.09), obj("yellow box", "box", 0.1)],
        {"gravity": "down", "at_rest": ["yellow box"]}, [SPUR, SUPP, GRAV],
        scene(2.0, [at("magenta triangle", 2.0, 4.2, e=0.0), on_floor("yellow box", 3.4)]))
    add("O5", "spurious.red_green_collide_apart",
        "A red ball and a green ball roll towards each other, collide and roll apart again as two separate balls.",
        [obj("red ball", "disc", 0.09), obj("green ball", "disc", 0.09)], {}, [SPUR, CONT],
        scene(3.0, [on_floor("red ball", 0.7, vx=1.3, e=1.0), on_floor("green ball", 4.3, vx=-1.3, e=1.0)]))
    add("O5", "spurious.purple_passes_in_front_of_wall",
        "A purple ball rolls to the right in front of a grey wall; it stays in view the whole time.",
        [obj("purple ball", "disc", 0.09)], {}, [SPUR, CONT],
        scene(3.0, [on_floor("purple ball", 0.5, vx=1.3)],
              occluders=[wall("grey wall", "grey", 2.5, 1.4, 1.6, z=-0.5)]))
    add("O5", "spurious.blue_green_balls_roll_apart",
        "A blue ball and a green ball start side by side in the middle and roll away from each other "
        "towards the two edges of the frame.",
        [obj("blue ball", "disc", 0.08), obj("green ball", "disc", 0.08)], {}, [SPUR, CONT],
        scene(2.4, [on_floor("blue ball", 2.1, vx=-1.0, mu=0.05), on_floor("green ball", 2.9, vx=1.0, mu=0.05)]))
    return out


# --------------------------------------------------------------------------- identity


def identity() -> list[dict[str, Any]]:
    S = "identity"
    out: list[dict[str, Any]] = []

    def add(*a: Any, **k: Any) -> None:
        out.append(probe(S, *a, **k))

    ALL = ["colour", "shape", "size"]

    def attr(pid: str, prompt: str, o: dict[str, Any], sc: dict[str, Any], extra: list[dict[str, Any]] | None = None,
             checks: list[str] | None = None, expect: dict[str, Any] | None = None) -> None:
        ex = {"persist": {"object": o["name"], "attributes": ALL}, "rigid": [o["name"]]}
        ex.update(expect or {})
        add("I1", f"attributes.{pid}", prompt, [o] + (extra or []), ex, checks or [ATTR, RIGID, CONT], sc)

    # I1 attribute persistence ---------------------------------------------------------------
    attr("red_ball_rolls", "A red ball rolls from left to right across the floor and stays the same red ball.",
         obj("red ball", "disc", 0.1), scene(3.0, [on_floor("red ball", 0.6, vx=1.3)]))
    attr("blue_box_slides_and_stops", "A blue box slides to the left and stops, still the same blue box.",
         obj("blue box", "box", 0.1), scene(2.5, [on_floor("blue box", 4.3, vx=-3.0, mu=0.35)]))
    attr("green_triangle_falls", "A green triangle falls from the top and lands on a grey floor.",
         obj("green triangle", "triangle", 0.11), scene(2.0, [at("green triangle", 2.6, 4.2, e=0.0)],
                                                         floor_colour="grey"))
    attr("yellow_ring_bounces", "A yellow ring drops and bounces on the floor a few times.",
         obj("yellow ring", "ring", 0.1), scene(3.0, [at("yellow ring", 2.2, 4.2, e=0.6)]))
    attr("purple_ball_pendulum", "A purple ball swings on a string like a pendulum.",
         obj("purple ball", "disc", 0.09),
         scene(3.0, floor=False, pendulums=[{"object": "purple ball", "pivot": [2.5, 4.5], "length": 2.4,
                                             "angle": -0.8}]))
    attr("orange_box_down_ramp", "An orange box slides down a grey ramp onto the floor.",
         obj("orange box", "box", 0.08),
         scene(3.2, [{"object": "orange box", "on": "ramp", "x": 0.5, "restitution": 0.0, "friction": 0.36}],
               ramps=[{"name": "ramp", "colour": "grey", "top": [0.2, 2.0], "bottom": [3.1, FLOOR]}]))
    attr("cyan_ball_thrown_arc", "A cyan ball is thrown in an arc from the left and lands on the right.",
         obj("cyan ball", "disc", 0.08), scene(2.0, [at("cyan ball", 0.5, 1.2, vx=2.1, vy=6.0, e=0.0, mu=0.8)]))
    attr("pink_triangle_slides_left", "A pink triangle slides to the left across a light grey floor and stops.",
         obj("pink triangle", "triangle", 0.1),
         scene(2.5, [on_floor("pink triangle", 4.2, vx=-2.8, mu=0.3)], floor_colour="light grey"))
    attr("brown_hoop_rolls_right", "A brown hoop rolls to the right along the floor.",
         obj("brown hoop", "ring", 0.12), scene(3.0, [on_floor("brown hoop", 0.7, vx=1.2)]))
    attr("magenta_box_tossed_up", "A magenta box is tossed straight up and falls back to the floor.",
         obj("magenta box", "box", 0.09), scene(2.0, [on_floor("magenta box", 2.5, e=0.0, vel=[0.0, 7.0])]))
    attr("yellow_ball_bounces_by_blue_box",
         "A yellow ball bounces on the floor next to a blue box that stays still.",
         obj("yellow ball", "disc", 0.08), scene(3.0, [at("yellow ball", 2.0, 4.0, e=0.7), on_floor("blue box", 3.6)]),
         extra=[obj("blue box", "box", 0.12)], expect={"at_rest": ["blue box"]})
    attr("small_cyan_ring_drops", "A small cyan ring drops onto a dark grey floor and lies there.",
         obj("cyan ring", "ring", 0.07), scene(2.0, [at("cyan ring", 3.0, 4.0, e=0.0)]))
    attr("big_orange_ball_rolls_slowly", "A big orange ball rolls slowly to the left.",
         obj("orange ball", "disc", 0.16), scene(3.0, [on_floor("orange ball", 4.2, vx=-0.9)]))
    attr("green_ball_down_slope", "A green ball rolls down a dark grey slope from the right, across the floor and "
         "out of the frame on the left.", obj("green ball", "disc", 0.08),
         scene(2.4, [{"object": "green ball", "on": "slope", "x": 4.4, "restitution": 0.0, "friction": 0.05}],
               ramps=[{"name": "slope", "colour": "dark grey", "top": [4.8, 3.0], "bottom": [2.4, FLOOR]}]),
         expect={"leaves_frame": ["green ball"]})

    # I2 re-emergence with distractors ------------------------------------------------------------
    def reemerge(pid: str, prompt: str, o: dict[str, Any], body: dict[str, Any], occ: dict[str, Any],
                 d: dict[str, Any], dbody: dict[str, Any], dur: float = 3.0, **kw: Any) -> None:
        ex = {"occlusion": {"object": o["name"], "occluder": occ["name"]},
              "persist": {"object": o["name"], "attributes": ALL}, "distractor": d["name"]}
        add("I2", f"reemerge.{pid}", prompt, [o, d], ex, [REAP, ATTR],
            scene(dur, [body, dbody], occluders=[occ], **kw))

    reemerge("red_ball_orange_ball_resting",
             "A red ball rolls to the right behind a grey wall, leaving an orange ball resting on the floor behind "
             "it. The red ball comes out from behind the wall.",
             obj("red ball", "disc", 0.08), on_floor("red ball", 1.0, vx=1.2), wall("grey wall", "grey", 2.6, 1.0, 1.4),
             obj("orange ball", "disc", 0.08), on_floor("orange ball", 0.3))
    reemerge("blue_box_purple_box",
             "A blue box slides to the left behind a dark grey screen while a purple box waits on the right where "
             "the blue box started. The blue box slides out from behind the screen.",
             obj("blue box", "box", 0.09), on_floor("blue box", 4.0, vx=-1.2),
             wall("dark grey screen", "dark grey", 2.4, 0.9, 1.3), obj("purple box", "box", 0.09),
             on_floor("purple box", 4.7))
    reemerge("pink_ball_magenta_ball",
             "A pink ball rolls to the right behind a black panel; a magenta ball of the same size sits at the far "
             "left. The pink ball rolls out again.",
             obj("pink ball", "disc", 0.09), on_floor("pink ball", 1.0, vx=1.15),
             wall("black panel", "black", 2.6, 1.0, 1.3),
             obj("magenta ball", "disc", 0.09), on_floor("magenta ball", 0.3))
    reemerge("yellow_ball_orange_ball_on_shelf",
             "A yellow ball rolls to the right behind a grey wall while an orange ball rolls the same way along a "
             "high shelf above; the yellow ball comes out below.",
             obj("yellow ball", "disc", 0.08), on_floor("yellow ball", 0.4, vx=1.3),
             wall("grey wall", "grey", 2.4, 1.0, 1.2),
             obj("orange ball", "disc", 0.08), {"object": "orange ball", "on": "shelf", "x": 0.4, "vel": [1.0, 0.0]},
             platforms=[{"name": "shelf", "colour": "light grey", "x": [0.0, 5.0], "top": 3.3}])
    reemerge("orange_ring_red_ring",
             "An orange ring rolls to the left behind a grey wall; a red ring lies still on the right where it "
             "started. The orange ring rolls out.",
             obj("orange ring", "ring", 0.1), on_floor("orange ring", 4.0, vx=-1.2),
             wall("grey wall", "grey", 2.4, 1.0, 1.4),
             obj("red ring", "ring", 0.1), on_floor("red ring", 4.7))
    reemerge("cyan_ball_blue_ball",
             "A cyan ball rolls to the right behind a dark grey pillar; a blue ball of the same size sits on the "
             "far left. The cyan ball reappears.",
             obj("cyan ball", "disc", 0.08), on_floor("cyan ball", 1.0, vx=1.2),
             wall("dark grey pillar", "dark grey", 2.6, 0.8, 2.0), obj("blue ball", "disc", 0.08),
             on_floor("blue ball", 0.3))
    reemerge("brown_box_orange_box",
             "A brown box slides to the right behind a grey wall; an orange box stands on the far left. "
             "The brown box comes out from behind the wall.",
             obj("brown box", "box", 0.09), on_floor("brown box", 1.0, vx=1.2),
             wall("grey wall", "grey", 2.6, 1.0, 1.3),
             obj("orange box", "box", 0.09), on_floor("orange box", 0.3))
    reemerge("purple_ball_magenta_ball_moving",
             "A purple ball rolls left behind a grey screen while a magenta ball rolls right along a high shelf "
             "above it; the purple ball reappears on the left.",
             obj("purple ball", "disc", 0.08), on_floor("purple ball", 4.5, vx=-1.2),
             wall("grey screen", "grey", 2.7, 1.1, 1.4), obj("magenta ball", "disc", 0.08),
             {"object": "magenta ball", "on": "shelf", "x": 0.5, "vel": [1.1, 0.0]},
             platforms=[{"name": "shelf", "colour": "light grey", "x": [0.0, 5.0], "top": 3.4}])
    reemerge("red_triangle_orange_triangle",
             "A red triangle slides to the left behind a black wall; an orange triangle stands on the far right "
             "where the red one started. The red triangle slides out.",
             obj("red triangle", "triangle", 0.09), on_floor("red triangle", 4.0, vx=-1.2),
             wall("black wall", "black", 2.4, 1.0, 1.3), obj("orange triangle", "triangle", 0.09),
             on_floor("orange triangle", 4.7))
    reemerge("magenta_ring_pink_ring",
             "A magenta ring rolls to the right behind a grey board, away from a pink ring resting on the left. "
             "The magenta ring rolls out.",
             obj("magenta ring", "ring", 0.09), on_floor("magenta ring", 1.0, vx=1.2),
             wall("grey board", "grey", 2.6, 1.0, 1.3), obj("pink ring", "ring", 0.09), on_floor("pink ring", 0.3))
    reemerge("green_ball_cyan_ball_light_wall",
             "A green ball rolls to the right behind a light grey wall; a cyan ball sits on the far left. "
             "The green ball rolls out.",
             obj("green ball", "disc", 0.08), on_floor("green ball", 1.0, vx=1.2),
             wall("light grey wall", "light grey", 2.6, 1.0, 1.3), obj("cyan ball", "disc", 0.08),
             on_floor("cyan ball", 0.3))
    reemerge("yellow_box_brown_box_leftward",
             "A yellow box slides to the left behind a dark grey wall; a brown box rests on the far right. "
             "The yellow box slides out.",
             obj("yellow box", "box", 0.09), on_floor("yellow box", 4.0, vx=-1.2),
             wall("dark grey wall", "dark grey", 2.4, 1.0, 1.3), obj("brown box", "box", 0.09),
             on_floor("brown box", 4.7))

    # I3 faces (text only: needs face-recognition weights) ------------------------------------------
    faces = [
        ("face.profile_to_front", "A woman with short black hair slowly turns her head from left profile to face "
                                  "the camera, in soft studio light."),
        ("face.nod_and_turn", "An older man with a grey beard nods, then turns his head to the right and back, "
                              "against a plain grey wall."),
        ("face.walk_past_camera", "A young man in a green jacket walks towards the camera, turns his face "
                                  "away and looks back over his shoulder."),
        ("face.occluded_by_hand", "A smiling woman with curly red hair covers her face with her hand for a "
                                  "moment and then lowers it."),
    ]
    for pid, text in faces:
        add("I3", pid, text, [], {"requires_weights": ["face"]}, [], None)

    # I4 two subjects crossing ----------------------------------------------------------------------
    def cross(pid: str, prompt: str, a: dict[str, Any], ba: dict[str, Any], b: dict[str, Any], bb: dict[str, Any],
              dur: float = 3.0, **kw: Any) -> None:
        ex = {"cross": [a["name"], b["name"]], "persist": {"object": a["name"], "attributes": ALL}}
        add("I4", f"cross.{pid}", prompt, [a, b], ex, [CROSS, ATTR, SPUR], scene(dur, [ba, bb], **kw))

    cross("red_ball_blue_ball",
          "A red ball rolls to the right and a blue ball rolls to the left; they pass each other in the middle, "
          "the red ball in front, and keep going.",
          obj("red ball", "disc", 0.09), on_floor("red ball", 0.5, vx=1.3, z=1),
          obj("blue ball", "disc", 0.09), on_floor("blue ball", 4.5, vx=-1.3))
    cross("green_box_yellow_box",
          "A green box slides right and a yellow box slides left; they cross in the centre, the yellow box "
          "passing in front, and slide apart.",
          obj("green box", "box", 0.09), on_floor("green box", 0.5, vx=1.3),
          obj("yellow box", "box", 0.09), on_floor("yellow box", 4.5, vx=-1.3, z=1))
    cross("purple_triangle_orange_ball",
          "A purple triangle slides right while an orange ball rolls left; they cross, the orange ball behind.",
          obj("purple triangle", "triangle", 0.1), on_floor("purple triangle", 0.5, vx=1.35, z=1),
          obj("orange ball", "disc", 0.09), on_floor("orange ball", 4.5, vx=-1.35))
    cross("cyan_ring_pink_ring",
          "A cyan ring and a pink ring roll towards each other and through each other's place, the pink ring "
          "in front, ending on opposite sides.",
          obj("cyan ring", "ring", 0.1), on_floor("cyan ring", 0.5, vx=1.3),
          obj("pink ring", "ring", 0.1), on_floor("pink ring", 4.5, vx=-1.3, z=1))
    cross("brown_ball_magenta_box_unequal_speeds",
          "A fast brown ball rolls right and a slow magenta box slides left; they pass each other right of "
          "centre, the brown ball in front.",
          obj("brown ball", "disc", 0.09), on_floor("brown ball", 0.4, vx=1.7, z=1),
          obj("magenta box", "box", 0.1), on_floor("magenta box", 4.6, vx=-0.8))
    cross("small_yellow_big_blue",
          "A small yellow ball rolls to the right and a big blue ball rolls to the left; the small yellow ball "
          "passes in front of the big blue one and both roll on.",
          obj("yellow ball", "disc", 0.06), on_floor("yellow ball", 0.4, vx=1.4, z=1),
          obj("blue ball", "disc", 0.14), on_floor("blue ball", 4.4, vx=-1.2))
    cross("zero_g_red_green_diagonal",
          "In zero gravity, a red ball drifts from the lower left to the upper right while a green ball drifts "
          "from the upper left to the lower right; their paths cross in the middle, the green ball in front.",
          obj("red ball", "disc", 0.09), at("red ball", 0.6, 0.8, vx=1.25, vy=1.2),
          obj("green ball", "disc", 0.09), at("green ball", 0.6, 4.2, vx=1.25, vy=-1.2, z=1),
          gravity=[0.0, 0.0], floor=False)
    cross("zero_g_orange_up_cyan_down",
          "In zero gravity, an orange ball floats straight up while a cyan ball floats straight down beside "
          "the same line; they pass each other, the cyan ball in front.",
          obj("orange ball", "disc", 0.09), at("orange ball", 2.4, 0.6, vy=1.3),
          obj("cyan ball", "disc", 0.09), at("cyan ball", 2.6, 4.4, vy=-1.3, z=1), gravity=[0.0, 0.0], floor=False)
    cross("blue_box_red_box_stop",
          "A blue box and a red box slide towards each other, cross with the red box in front and slow to "
          "a stop on opposite sides.",
          obj("blue box", "box", 0.09), on_floor("blue box", 0.3, vx=2.6, mu=0.1),
          obj("red box", "box", 0.09), on_floor("red box", 4.7, vx=-2.6, mu=0.1, z=1))
    cross("red_ball_orange_ball_lookalikes",
          "A red ball and an orange ball of the same size roll past each other in opposite directions, "
          "the orange ball in front.",
          obj("red ball", "disc", 0.09), on_floor("red ball", 0.5, vx=1.3),
          obj("orange ball", "disc", 0.09), on_floor("orange ball", 4.5, vx=-1.3, z=1))
    return out


SUITE_BUILDERS = {"physics": physics, "permanence": permanence, "identity": identity}


# --------------------------------------------------------------------------- verification


#: Probes whose bodies collide head-on on purpose (no ``expect.collision``: probe.collision judges a
#: moving body hitting a resting one).
HEAD_ON = {"physics.collision.head_on_green_purple", "permanence.spurious.red_green_collide_apart"}


def verify(p: dict[str, Any]) -> list[str]:
    """Problems between a probe's expectation and what the oracle renders (24 frames, 128 px,
    unperturbed).  "Hidden" = no visible-mask pixel; "fully visible" = visible fraction >= 0.98."""
    import numpy as np

    from bench.world.physics import simulate
    from bench.world.pipeline import frame_times, load_scene, render_probe, sim_end

    if p["scene"] is None:
        return []
    _, t = render_probe(p, 0, jitter=0.0)
    scene = load_scene(p)
    events = simulate(scene, end=sim_end(scene, frame_times(t.T, t.fps))).events
    ex = p["expect"]
    errs: list[str] = []
    full = t.visible_fraction >= 0.98
    hidden = t.visible.sum(axis=(2, 3)) == 0
    idx = {n: k for k, n in enumerate(t.names)}
    q = max(1, t.T // 4)

    if "occlusion" in ex:
        k = idx[ex["occlusion"]["object"]]
        h = np.flatnonzero(hidden[k])
        if not len(h):
            errs.append("the occluded object is never hidden")
        elif full[k, :h[0]].sum() < 5 or full[k, h[-1] + 1:].sum() < 4:
            errs.append(f"fully visible frames before hiding {int(full[k, :h[0]].sum())} (< 5) or after "
                        f"reappearing {int(full[k, h[-1] + 1:].sum())} (< 4)")
    if "contained" in ex:
        k, c = idx[ex["contained"]["object"]], idx[ex["contained"]["container"]]
        if not hidden[k].any() or not full[k, -1]:
            errs.append("the contained object is not hidden and then revealed")
        if abs(t.world[k, -1, 0] - t.world[c, -1, 0]) > t.size[c] * scene.view[1] / 2:
            errs.append("the contained object is not under the cup's final place")
    if "count" in ex:
        col, n = ex["count"]["colour"], ex["count"]["n"]
        cnt = np.array(t.counts()[col]["visible"])
        if (cnt[:q] != n).any() or (cnt[-q:] != n).any():
            errs.append(f"the {col} count is not {n} in the first and last quarter: {cnt.tolist()}")
        if cnt.min() == n:
            errs.append("the sweep hides nothing")
    if "cross" in ex:
        a, b = (idx[n] for n in ex["cross"])
        ov = np.flatnonzero((t.amodal[a] & t.amodal[b]).any(axis=(1, 2)))
        if not len(ov):
            errs.append("the crossing subjects never overlap")
        elif min(full[[a, b], :ov[0]].sum(1).min(), full[[a, b], ov[-1] + 1:].sum(1).min()) < 5:
            errs.append("fewer than 5 fully visible frames before or after the crossing")
    if "bounce" in ex:
        k = idx[ex["bounce"]]
        if sum(1 for e in events if e.kind == "impact" and k in e.actors) < 2:
            errs.append("the bouncing object bounces fewer than 2 times")
    pair = {idx[ex["collision"]["a"]], idx[ex["collision"]["b"]]} if "collision" in ex else set()
    hits = [set(e.actors) for e in events if e.kind == "collision" and e.t <= t.times[-1]]
    if pair and pair not in hits:
        errs.append("the colliding bodies never collide")
    if pair:                                 # probe.collision judges a mover hitting a resting (or slower) body
        va, vb = t.velocity[idx[ex["collision"]["a"]], 0], t.velocity[idx[ex["collision"]["b"]], 0]
        if np.hypot(*vb) > 0.6 * np.hypot(*va) or np.dot(vb, va) < 0:
            errs.append("the collision target must rest, or move slowly the same way as the mover")
    for h in hits:
        if h != pair and p["id"] not in HEAD_ON:
            errs.append(f"unintended collision between {[t.names[k] for k in sorted(h)]}")
    for n in ex.get("at_rest", []):
        if np.abs(t.world[idx[n]] - t.world[idx[n], :1]).max() > 1e-9:
            errs.append(f"{n} should be at rest but moves")
    if "decelerate" in ex:
        speed = np.hypot(*t.velocity[idx[ex["decelerate"]]].T)
        if (np.diff(speed) > 1e-9).any():
            errs.append(f"{ex['decelerate']} speeds up")
    leaving = set(ex.get("leaves_frame", []))
    for n in leaving:
        if t.visible_fraction[idx[n], -1] > 0:
            errs.append(f"{n} should leave the frame")
    may_hide = {ex["occlusion"]["object"]} if "occlusion" in ex else set()
    may_hide |= {ex["contained"]["object"]} if "contained" in ex else set()
    may_hide |= set(ex.get("cross", [])) | leaving
    if p["category"] == "O3" or p["id"].endswith("cyan_box_slides_in"):
        may_hide |= set(t.names)
    for n in set(t.names) - may_hide:
        k = idx[n]
        behind = [(t.amodal[k, f] & t.visible[np.arange(len(t.names)) != k, f].any(0)).any() for f in range(t.T)]
        gone = np.flatnonzero((t.visible_fraction[k] < 0.5) & ~np.array(behind))
        if len(gone):
            errs.append(f"{n} is not visible in frames {gone.tolist()}")
    return errs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-check", action="store_true", help="write the suites without rendering them")
    args = ap.parse_args(argv)
    from bench.suites.schema import validate_probe
    from bench.world.scene import validate_scene

    bad = 0
    for suite, build in SUITE_BUILDERS.items():
        probes = build()
        lines = []
        for p in probes:
            errs = validate_probe(p, suite) or (validate_scene(p["scene"], p) if p["scene"] is not None else [])
            if not args.no_check and not errs:
                errs = verify(p)
            for e in errs:
                print(f"{p['id']}: {e}")
            bad += bool(errs)
            lines.append(json.dumps(p, separators=(", ", ": "), ensure_ascii=False))
        (ROOT / "prompts" / f"{suite}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{suite}: {len(probes)} probes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
