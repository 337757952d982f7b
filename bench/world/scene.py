"""The oracle world's scene format: validation (one-line problems) and parsing.

A probe's ``scene`` is a JSON object from which the oracle world simulates and renders the
ground truth.  It is 2-D: world units are **metres** and **seconds**, ``x`` to the right, ``y``
**up**.  Appearance (colour, shape, size) is never repeated in the scene: every physical thing
that the prompt names is a probe object (``probe["objects"]``) and the scene refers to it by
its ``name``; grey scene things (floor, occluders, ramps, platforms) are not probe objects and
carry their own name and a scene colour from ``bench.suites.palette.SCENE_COLOURS``.

Keys (``*`` = required)::

    view*       [width, height]: the visible region [0, width] x [0, height] in metres.  A
                frame whose aspect differs from the view's shows the view centred and
                letterboxed with the background (scale = min(W/width, H/height) px per metre).
    duration*   seconds covered by the video; the default frame rate is frames / duration.
    gravity*    [gx, gy] m/s^2, e.g. [0, -9.81]; [0, 0] for zero gravity, [0, 9.81] for
                gravity pointing up (counterfactual probes).
    background  scene colour of the backdrop (default "white").
    floor       null or {"y": height of the floor surface, "colour": scene colour}; an
                infinite horizontal support, drawn from y down to the bottom of the view.
    bodies      dynamic objects: {"object"*: probe object name,
                  "pos": [x, y] centre  | "on": support name with "x": centre x (placed resting
                                          on that support: floor, platform or ramp),
                  "vel": [vx, vy] m/s (default [0, 0]),
                  "restitution": e in [0, 1] (default 0.5; e > 1 is the energy_gain violation),
                  "friction": Coulomb coefficient mu >= 0 for sliding/rolling on supports
                              (default 0),
                  "mass": kg > 0 (default 1),
                  "z": depth layer (default 0): bodies collide only with bodies of the same
                       layer, and a higher layer is drawn in front (two balls "passing each
                       other" roll in different layers)}
    platforms   blocks whose top is a support: {"name"*, "colour"*, "x"*: [x0, x1], "top"*: y};
                drawn from ``top`` down to the floor (or the bottom of the view).
    ramps       inclines: {"name"*, "colour"*, "top"*: [x, y], "bottom"*: [x, y]}; the surface is
                the segment top -> bottom, the solid is the triangle under it; with a floor,
                ``bottom`` must lie on it.
    pendulums   {"object"*: probe object name (the bob), "pivot"*: [x, y], "length"*: m,
                 "angle"*: initial angle from straight down in radians (|angle| < pi, positive
                 = bob to the right), "omega": initial angular velocity rad/s (default 0),
                 "z": default 0}; drawn with a thin dark string and a pivot dot.
    occluders   screens in front of the action: {"name"*, "colour"*: scene colour,
                 "size"*: [w, h], "center": [x, y] | "path": keyframes, "z": default 2
                 (a negative z puts the screen behind the bodies)}.  They are only drawn:
                 nothing collides with them.
    containers  upside-down cups that hide what they cover: {"name"*: probe object name of
                 shape "cup", "path"*: keyframes, "contents": [body object names],
                 "z": default 1}.  While a cup rests on the floor (its rim at the floor
                 height) during a keyframe segment, bodies listed in ``contents`` that are
                 under its mouth move horizontally with it (they are carried); a lifted cup
                 releases them where they are.

``path`` keyframes are ``[[t, x, y], ...]`` with strictly increasing t: the centre moves
linearly between keyframes and holds before the first and after the last (a cup lowered,
moved and lifted is four keyframes).

Example: a red ball (a probe object) rolls along the floor behind a grey wall::

    {"view": [5, 5], "duration": 3.0, "gravity": [0, -9.81],
     "floor": {"y": 0.5, "colour": "dark grey"},
     "bodies": [{"object": "red ball", "on": "floor", "x": 0.5, "vel": [1.3, 0]}],
     "occluders": [{"name": "grey wall", "colour": "grey", "size": [1.0, 1.75], "center": [2.4, 1.225]}]}

Geometry of a probe object of ``size`` s (fraction of the view height h): its bounding box
is a square of side s*h, i.e. half-extent r = s*h/2.  A disc has radius r; a ring radii r
and 0.55 r; a box is the square; a triangle is isosceles with base and height 2r (apex
up); a cup is a trapezoid of height 2r, mouth width 2r at the bottom and base width 1.4 r
on top.  Physically every body collides as a disc of radius r (exact for discs and rings;
scenes only collide bodies of equal size otherwise) and touches supports at distance r.

Physics (``bench.world.physics``): ballistic flight under gravity, impacts with supports
(restitution e, tangential velocity kept), sliding/rolling on supports with kinetic friction
mu*g_n, elastic-to-inelastic disc collisions with momentum conserved (bodies in the same z
layer only), exact pendulums, kinematic cups and occluders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.suites.palette import SCENE_COLOURS

SCENE_KEYS = {"view", "duration", "gravity", "background", "floor", "bodies", "platforms", "ramps",
              "pendulums", "occluders", "containers"}
BODY_KEYS = {"object", "pos", "on", "x", "vel", "restitution", "friction", "mass", "z"}
PLATFORM_KEYS = {"name", "colour", "x", "top"}
RAMP_KEYS = {"name", "colour", "top", "bottom"}
PENDULUM_KEYS = {"object", "pivot", "length", "angle", "omega", "z"}
OCCLUDER_KEYS = {"name", "colour", "size", "center", "path", "z"}
CONTAINER_KEYS = {"name", "path", "contents", "z"}

DEFAULT_RESTITUTION = 0.5
#: Relative tolerance (of the view height) for "resting on" / "overlapping" tests.
TOL = 1e-6


# --------------------------------------------------------------------------- parsed scene


@dataclass(frozen=True)
class Support:
    """A one-sided support line: points ``q + s*u`` for ``s`` in ``[s_min, s_max]``.

    ``u`` is the unit tangent, ``n`` the unit normal pointing out of the solid (up-ish).
    A body of half-extent r touching it has its centre at ``q + s*u + r*n``.
    """

    name: str
    kind: str                      # "floor" | "platform" | "ramp"
    colour: str
    q: tuple[float, float]
    u: tuple[float, float]
    n: tuple[float, float]
    s_min: float = -math.inf
    s_max: float = math.inf
    polygon: tuple[tuple[float, float], ...] = ()   # the drawn solid (world), empty for the floor


@dataclass
class Actor:
    """A probe object placed in the scene: a body, a pendulum bob or a container."""

    name: str
    colour: str
    shape: str
    half: float                    # half-extent r in metres
    z: float
    kind: str                      # "body" | "pendulum" | "container"


@dataclass
class Body:
    actor: int                     # index into Scene.actors
    pos: np.ndarray
    vel: np.ndarray
    restitution: float
    friction: float
    mass: float
    z: float
    half: float


@dataclass
class Pendulum:
    actor: int
    pivot: np.ndarray
    length: float
    angle: float
    omega: float


@dataclass
class Path:
    """Piecewise-linear keyframes ``times`` (K,), ``points`` (K, 2); holds outside."""

    times: np.ndarray
    points: np.ndarray

    def at(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        x = np.interp(t, self.times, self.points[:, 0])
        y = np.interp(t, self.times, self.points[:, 1])
        return np.stack([x, y], axis=-1)

    def velocity(self, t: float | np.ndarray) -> np.ndarray:
        """Velocity on the segment containing ``t`` (right-continuous), zero outside;
        shape (2,) for a scalar ``t``, (T, 2) for an array."""
        t = np.asarray(t, np.float64)
        out = np.zeros(t.shape + (2,))
        if len(self.times) > 1:
            seg = np.diff(self.points, axis=0) / np.diff(self.times)[:, None]
            i = np.searchsorted(self.times, t, side="right") - 1
            inside = (i >= 0) & (i < len(seg))
            out[inside] = seg[i[inside]]
        return out


@dataclass
class Occluder:
    name: str
    colour: str
    half_size: np.ndarray          # (w/2, h/2)
    path: Path
    z: float


@dataclass
class Container:
    actor: int
    path: Path
    contents: list[int]            # body indices
    z: float


@dataclass
class Scene:
    """A parsed, validated scene (see the module docstring for the JSON format)."""

    view: tuple[float, float]
    duration: float
    gravity: np.ndarray
    background: str
    floor: Support | None
    supports: list[Support]        # floor first (if any), then platforms, then ramps
    actors: list[Actor]            # in the probe's ``objects`` order
    bodies: list[Body]
    pendulums: list[Pendulum]
    occluders: list[Occluder]
    containers: list[Container]

    def body_of_actor(self, actor: int) -> int | None:
        for i, b in enumerate(self.bodies):
            if b.actor == actor:
                return i
        return None


# --------------------------------------------------------------------------- validation


def _num(x: Any) -> bool:
    return not isinstance(x, bool) and isinstance(x, (int, float)) and math.isfinite(x)


def _vec(x: Any, n: int = 2) -> bool:
    return isinstance(x, list) and len(x) == n and all(_num(v) for v in x)


def _path_problems(p: Any, where: str) -> list[str]:
    if not isinstance(p, list) or not p:
        return [f"{where}.path must be a non-empty list of [t, x, y] keyframes"]
    if not all(_vec(k, 3) for k in p):
        return [f"{where}.path keyframes must be [t, x, y] numbers"]
    ts = [k[0] for k in p]
    if any(b <= a for a, b in zip(ts, ts[1:])):
        return [f"{where}.path times must increase strictly, got {ts}"]
    if ts[0] < 0:
        return [f"{where}.path starts at negative time {ts[0]}"]
    return []


def validate_scene(scene: Any, probe: dict[str, Any]) -> list[str]:
    """Problems with ``scene`` for ``probe`` (empty list = valid), one line each.

    Checks types and ranges of every key, that every probe object is placed exactly once
    (as a body, a pendulum bob or a container) and nothing else is, restitution <= 1,
    supports and paths well-formed, bodies not overlapping each other or sinking into a
    support at t = 0, containers large enough for their contents, and that
    ``expect.contained`` names a container that lists the object.
    """
    errs: list[str] = []
    if not isinstance(scene, dict):
        return [f"must be an object, got {type(scene).__name__}"]
    unknown = set(scene) - SCENE_KEYS
    if unknown:
        errs.append(f"unknown key(s) {sorted(unknown)}")
    for k in ("view", "duration", "gravity"):
        if k not in scene:
            errs.append(f"missing required key {k!r}")
    if errs:
        return errs
    if not _vec(scene["view"]) or min(scene["view"]) <= 0:
        errs.append(f"view must be [width, height] > 0 metres, got {scene['view']!r}")
    if not _num(scene["duration"]) or not 0 < scene["duration"] <= 60:
        errs.append(f"duration must be in (0, 60] seconds, got {scene['duration']!r}")
    if not _vec(scene["gravity"]):
        errs.append(f"gravity must be [gx, gy] m/s^2, got {scene['gravity']!r}")
    if scene.get("background", "white") not in SCENE_COLOURS:
        errs.append(f"background {scene.get('background')!r} is not one of {sorted(SCENE_COLOURS)}")
    if errs:
        return errs

    objects = {o["name"]: o for o in probe.get("objects") or [] if isinstance(o, dict) and "name" in o}
    placed: dict[str, str] = {}

    def place(name: Any, where: str) -> None:
        if not isinstance(name, str) or name not in objects:
            errs.append(f"{where} names {name!r}, which is not in the probe's objects")
        elif name in placed:
            errs.append(f"{where}: object {name!r} is already placed as {placed[name]}")
        else:
            placed[name] = where

    scene_names: set[str] = set()

    def scene_thing(d: dict[str, Any], where: str) -> None:
        name = d.get("name")
        if not isinstance(name, str) or not name:
            errs.append(f"{where}.name must be a non-empty string")
        elif name in objects:
            errs.append(f"{where}.name {name!r} is a probe object; scene things are grey and unnamed in 'objects'")
        elif name in scene_names:
            errs.append(f"{where}.name {name!r} is duplicated")
        else:
            scene_names.add(name)
        if d.get("colour") not in SCENE_COLOURS:
            errs.append(f"{where}.colour {d.get('colour')!r} is not a scene colour {sorted(SCENE_COLOURS)}")

    def lst(key: str) -> list[Any]:
        v = scene.get(key, [])
        if v is None:
            return []
        if not isinstance(v, list) or not all(isinstance(d, dict) for d in v):
            errs.append(f"{key} must be a list of objects")
            return []
        return v

    floor = scene.get("floor")
    if floor is not None:
        if not isinstance(floor, dict) or set(floor) - {"y", "colour"} or not _num(floor.get("y")):
            errs.append("floor must be null or {'y': number, 'colour': scene colour}")
        elif floor.get("colour") not in SCENE_COLOURS:
            errs.append(f"floor.colour {floor.get('colour')!r} is not a scene colour {sorted(SCENE_COLOURS)}")
    for i, p in enumerate(lst("platforms")):
        w = f"platforms[{i}]"
        if set(p) - PLATFORM_KEYS:
            errs.append(f"{w}: unknown key(s) {sorted(set(p) - PLATFORM_KEYS)}")
        scene_thing(p, w)
        if not _vec(p.get("x")) or p["x"][0] >= p["x"][1] or not _num(p.get("top")):
            errs.append(f"{w} needs 'x': [x0, x1] with x0 < x1 and 'top': y")
    for i, r in enumerate(lst("ramps")):
        w = f"ramps[{i}]"
        if set(r) - RAMP_KEYS:
            errs.append(f"{w}: unknown key(s) {sorted(set(r) - RAMP_KEYS)}")
        scene_thing(r, w)
        if not _vec(r.get("top")) or not _vec(r.get("bottom")):
            errs.append(f"{w} needs 'top' and 'bottom' points [x, y]")
        elif r["top"][1] <= r["bottom"][1] or r["top"][0] == r["bottom"][0]:
            errs.append(f"{w}: 'top' must be higher than 'bottom' and at a different x")
        elif isinstance(floor, dict) and _num(floor.get("y")) and abs(r["bottom"][1] - floor["y"]) > 1e-9:
            errs.append(f"{w}: 'bottom' y {r['bottom'][1]} must lie on the floor (y = {floor['y']})")
    for i, o in enumerate(lst("occluders")):
        w = f"occluders[{i}]"
        if set(o) - OCCLUDER_KEYS:
            errs.append(f"{w}: unknown key(s) {sorted(set(o) - OCCLUDER_KEYS)}")
        scene_thing(o, w)
        if not _vec(o.get("size")) or min(o["size"]) <= 0:
            errs.append(f"{w}.size must be [w, h] > 0")
        if ("center" in o) == ("path" in o):
            errs.append(f"{w} needs exactly one of 'center' and 'path'")
        elif "center" in o and not _vec(o["center"]):
            errs.append(f"{w}.center must be [x, y]")
        elif "path" in o:
            errs += _path_problems(o["path"], w)
        if "z" in o and not _num(o["z"]):
            errs.append(f"{w}.z must be a number")
    if errs:
        return errs

    bodies = lst("bodies")
    support_names = {"floor"} if isinstance(floor, dict) else set()
    support_names |= {p["name"] for p in lst("platforms")} | {r["name"] for r in lst("ramps")}
    for i, b in enumerate(bodies):
        w = f"bodies[{i}]"
        if set(b) - BODY_KEYS:
            errs.append(f"{w}: unknown key(s) {sorted(set(b) - BODY_KEYS)}")
        place(b.get("object"), w)
        if "on" in b:
            if b["on"] not in support_names:
                errs.append(f"{w}.on {b['on']!r} is not a support (known: {sorted(support_names)})")
            if not _num(b.get("x")) or "pos" in b:
                errs.append(f"{w}: 'on' needs 'x' (and no 'pos')")
        elif not _vec(b.get("pos")) or "x" in b:
            errs.append(f"{w} needs 'pos': [x, y] (or 'on' + 'x')")
        if "vel" in b and not _vec(b["vel"]):
            errs.append(f"{w}.vel must be [vx, vy]")
        e = b.get("restitution", DEFAULT_RESTITUTION)
        if not _num(e) or e < 0:
            errs.append(f"{w}.restitution must be a number >= 0, got {e!r}")
        elif e > 1:
            errs.append(f"{w}.restitution {e} > 1 would gain energy (that is the energy_gain violation, not a scene)")
        if not _num(b.get("friction", 0.0)) or b.get("friction", 0.0) < 0:
            errs.append(f"{w}.friction must be >= 0")
        if not _num(b.get("mass", 1.0)) or b.get("mass", 1.0) <= 0:
            errs.append(f"{w}.mass must be > 0")
        if "z" in b and not _num(b["z"]):
            errs.append(f"{w}.z must be a number")
    for i, p in enumerate(lst("pendulums")):
        w = f"pendulums[{i}]"
        if set(p) - PENDULUM_KEYS:
            errs.append(f"{w}: unknown key(s) {sorted(set(p) - PENDULUM_KEYS)}")
        place(p.get("object"), w)
        if not _vec(p.get("pivot")) or not _num(p.get("length")) or p["length"] <= 0:
            errs.append(f"{w} needs 'pivot': [x, y] and 'length' > 0")
        if not _num(p.get("angle")) or abs(p["angle"]) >= math.pi:
            errs.append(f"{w}.angle must be radians with |angle| < pi")
        if not _num(p.get("omega", 0.0)):
            errs.append(f"{w}.omega must be a number")
    body_objects = {b.get("object") for b in bodies}
    for i, c in enumerate(lst("containers")):
        w = f"containers[{i}]"
        if set(c) - CONTAINER_KEYS:
            errs.append(f"{w}: unknown key(s) {sorted(set(c) - CONTAINER_KEYS)}")
        place(c.get("name"), w)
        if c.get("name") in objects and objects[c["name"]].get("shape") != "cup":
            errs.append(f"{w}: container {c['name']!r} must have shape 'cup' in objects")
        errs += _path_problems(c.get("path"), w)
        contents = c.get("contents", [])
        if not isinstance(contents, list) or not all(n in body_objects for n in contents):
            errs.append(f"{w}.contents must list body object names, got {contents!r}")
        elif c.get("name") in objects:
            for n in contents:
                if objects[n]["size"] * 1.2 > objects[c["name"]]["size"]:
                    errs.append(f"{w}: {n!r} (size {objects[n]['size']}) does not fit under the cup "
                                f"(size {objects[c['name']]['size']}); the cup must be 1.2x larger")
    missing = [n for n in objects if n not in placed]
    if missing:
        errs.append(f"probe object(s) {missing} are not placed in the scene (bodies, pendulums or containers)")
    contained = (probe.get("expect") or {}).get("contained")
    if isinstance(contained, dict) and not errs:
        cont = {c["name"]: c.get("contents", []) for c in lst("containers")}
        if contained.get("container") not in cont:
            errs.append(f"expect.contained.container {contained.get('container')!r} is not a container")
        elif contained.get("object") not in cont[contained["container"]]:
            errs.append(f"expect.contained: {contained['container']!r} does not list "
                        f"{contained.get('object')!r} in contents")
    if errs:
        return errs
    try:
        parsed = parse_scene(scene, probe)
    except ValueError as e:  # geometric problems found while placing bodies
        return [str(e)]
    return _geometry_problems(parsed)


def _geometry_problems(s: Scene) -> list[str]:
    """Initial overlaps: bodies with each other (same z), bodies sunk into supports."""
    errs: list[str] = []
    tol = TOL * s.view[1]
    for i, a in enumerate(s.bodies):
        for b in s.bodies[i + 1:]:
            if a.z == b.z and np.linalg.norm(a.pos - b.pos) < a.half + b.half - tol:
                errs.append(f"bodies {s.actors[a.actor].name!r} and {s.actors[b.actor].name!r} overlap at t = 0")
        for sp in s.supports:
            d = float(np.dot(a.pos - sp.q, sp.n))
            along = float(np.dot(a.pos - sp.q, sp.u))
            if sp.s_min <= along <= sp.s_max and -a.half < d < a.half - tol:
                errs.append(f"body {s.actors[a.actor].name!r} sinks into {sp.name!r} at t = 0 "
                            f"(centre {d:.4g} m from its surface, radius {a.half:.4g} m)")
    return errs


# --------------------------------------------------------------------------- parsing


def _support_floor(floor: dict[str, Any]) -> Support:
    return Support("floor", "floor", floor["colour"], (0.0, float(floor["y"])), (1.0, 0.0), (0.0, 1.0))


def _support_platform(p: dict[str, Any], bottom: float) -> Support:
    x0, x1 = map(float, p["x"])
    top = float(p["top"])
    poly = ((x0, top), (x1, top), (x1, bottom), (x0, bottom))
    return Support(p["name"], "platform", p["colour"], (x0, top), (1.0, 0.0), (0.0, 1.0), 0.0, x1 - x0, poly)


def _support_ramp(r: dict[str, Any]) -> Support:
    top = np.asarray(r["top"], float)
    bot = np.asarray(r["bottom"], float)
    d = bot - top
    length = float(np.linalg.norm(d))
    u = d / length                                  # downhill tangent
    n = np.array([-u[1], u[0]]) if u[0] > 0 else np.array([u[1], -u[0]])   # the upward normal
    poly = (tuple(top), tuple(bot), (float(top[0]), float(bot[1])))
    return Support(r["name"], "ramp", r["colour"], tuple(top), tuple(u), tuple(n), 0.0, length, poly)


def parse_scene(scene: dict[str, Any], probe: dict[str, Any]) -> Scene:
    """Turn a validated scene dict into a ``Scene`` (call ``validate_scene`` first).

    Raises ``ValueError`` when a body placed ``on`` a support does not fit on it.
    """
    vw, vh = map(float, scene["view"])
    actors: list[Actor] = []
    index: dict[str, int] = {}
    kinds: dict[str, str] = {}
    zs: dict[str, float] = {}
    for b in scene.get("bodies") or []:
        kinds[b["object"]] = "body"
        zs[b["object"]] = float(b.get("z", 0.0))
    for p in scene.get("pendulums") or []:
        kinds[p["object"]] = "pendulum"
        zs[p["object"]] = float(p.get("z", 0.0))
    for c in scene.get("containers") or []:
        kinds[c["name"]] = "container"
        zs[c["name"]] = float(c.get("z", 1.0))
    for o in probe["objects"]:
        index[o["name"]] = len(actors)
        actors.append(Actor(o["name"], o["colour"], o["shape"], 0.5 * float(o["size"]) * vh,
                            zs[o["name"]], kinds[o["name"]]))

    floor = _support_floor(scene["floor"]) if scene.get("floor") else None
    bottom = floor.q[1] if floor else 0.0
    supports: list[Support] = [floor] if floor else []
    supports += [_support_platform(p, bottom) for p in scene.get("platforms") or []]
    supports += [_support_ramp(r) for r in scene.get("ramps") or []]
    by_name = {s.name: s for s in supports}

    bodies: list[Body] = []
    for b in scene.get("bodies") or []:
        a = index[b["object"]]
        r = actors[a].half
        if "on" in b:
            sp = by_name[b["on"]]
            # centre = q + s u + r n with the centre's x given: solve s from x.
            if abs(sp.u[0]) < 1e-12:
                raise ValueError(f"body {b['object']!r}: cannot place on vertical support {sp.name!r}")
            s = (float(b["x"]) - sp.q[0] - r * sp.n[0]) / sp.u[0]
            if not sp.s_min <= s <= sp.s_max:
                raise ValueError(f"body {b['object']!r}: x = {b['x']} is not over support {sp.name!r}")
            pos = np.array(sp.q) + s * np.array(sp.u) + r * np.array(sp.n)
        else:
            pos = np.asarray(b["pos"], float)
        bodies.append(Body(a, pos, np.asarray(b.get("vel", [0.0, 0.0]), float),
                           float(b.get("restitution", DEFAULT_RESTITUTION)), float(b.get("friction", 0.0)),
                           float(b.get("mass", 1.0)), float(b.get("z", 0.0)), r))
    body_of = {actors[b.actor].name: i for i, b in enumerate(bodies)}
    pendulums = [Pendulum(index[p["object"]], np.asarray(p["pivot"], float), float(p["length"]),
                          float(p["angle"]), float(p.get("omega", 0.0)))
                 for p in scene.get("pendulums") or []]
    occluders = []
    for o in scene.get("occluders") or []:
        path = o.get("path") or [[0.0, *o["center"]]]
        occluders.append(Occluder(o["name"], o["colour"], 0.5 * np.asarray(o["size"], float),
                                  _path(path), float(o.get("z", 2.0))))
    containers = [Container(index[c["name"]], _path(c["path"]), [body_of[n] for n in c.get("contents", [])],
                            float(c.get("z", 1.0)))
                  for c in scene.get("containers") or []]
    return Scene((vw, vh), float(scene["duration"]), np.asarray(scene["gravity"], float),
                 scene.get("background", "white"), floor, supports, actors, bodies, pendulums,
                 occluders, containers)


def _path(keys: list[list[float]]) -> Path:
    a = np.asarray(keys, float)
    return Path(a[:, 0].copy(), a[:, 1:3].copy())
