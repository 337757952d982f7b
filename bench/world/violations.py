"""Controlled violations: physical, permanence and identity failures injected into the world.

Each violation has a magnitude m in [0, 1] (0 = none, 1 = strong) and is planned from the
*clean* simulation of the same (perturbed) scene: it picks its target object and moment
(e.g. the middle of the target's longest fully hidden interval), returns an ``Edits`` that
the simulation and the renderer apply, and a record of what it changed.  The ground truth
is computed from the violated world, so it reflects the violation exactly (a vanished
object's amodal path ends; a swapped one changes colour in the truth at that frame).

==================  ====  ==============================================================
name                m=    effect (m scales it)
==================  ====  ==============================================================
vanish              1.0   the target ceases to exist at the middle of its longest hidden
                          interval (else in plain view, mid-video); it stays away until
                          the clean reappearance time + m x the rest of the video (m = 1:
                          for good)
late                1.0   while hidden, the target stops for m x its hidden duration, then
                          moves on: it reappears that much later
early               1.0   while hidden, the target skips m x its remaining hidden time of
                          motion: it reappears that much earlier, further along its path
displaced           1.0   just before it is due to reappear, the hidden target is moved m x 2
                          object sizes across its path (up, against gravity; sideways, towards
                          the view centre, when it is at rest or in a cup, carried or not)
swap_colour         1.0   the target's colour becomes (1 - m) c + m c' (c' = the
                          distractor's colour, else the palette colour farthest in Lab
                          from c and unused in the probe), while hidden or mid-video
swap_shape          1.0   the target's shape blends to another (disc -> box, box -> disc,
                          triangle/ring -> disc, cup -> box) with weight m
gravity_reversed    1.0   every body's gravity is g (1 - 2m) from the start (m = 0.5: none)
gravity_scaled      1.0   every body's gravity is g (1 - 0.75 m) from the start
teleport            0.5   in plain view (while moving, if it moves) the target jumps m x a
                          quarter of the view width sideways (towards the centre unless only
                          the other side is clear), keeping its velocity
flicker             1.0   the target is drawn with opacity 1 - m in 2 consecutive frames
                          while fully visible (m = 1: missing in those frames)
freeze_object       1.0   while moving in view the target stops dead for m x the rest of
                          the video, then moves on
freeze_video        1.0   the world clock stops for m x the rest of the video (frames
                          repeat), then runs on
interpenetrate      1.0   the target touches supports and bodies as if its size were
                          (1 - m) x its drawn size, so it sinks in; m = 1: passes through
count_change        1.0   round(m (n - 1)) (at least one) of the n counted objects that
                          get hidden cease to exist while hidden
energy_gain         1.0   the target's restitution becomes 1 + 0.5 m in every impact:
                          bounces rise, collisions add kinetic energy
==================  ====  ==============================================================

``VIOLATIONS[name]`` gives the spec: ``default`` magnitude, ``checks`` (the probe checks
that should catch it) and ``description``; ``applicable(probe) -> (bool, reason)``
whether a violation can be injected into a probe's scene (e.g. ``late`` needs an object
that moves while hidden).  The record (``video.provenance["violation"]`` and
``truth.violation``)::

    {"name", "magnitude", "object": target name, "description", "details": {...},
     "checks": [...], "times": [start, end or null] (world seconds),
     "frames": [first, last] (frames whose annotations the edit governs, [] if none),
     "objects": [names whose trajectory, existence, identity or opacity differ from the
                 clean render]}
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from bench.suites.palette import OBJECT_COLOURS, srgb_to_lab
from bench.world.edits import Edits, IdentityChange, Jump
from bench.world.physics import Simulation
from bench.world.scene import Scene

#: Resolution of the time grid on which hidden/visible/moving intervals are found (s).
GRID_DT = 1.0 / 480
#: Speed (view heights per second) above which an object counts as moving.
MOVING = 0.05
SWAP_SHAPE = {"disc": "box", "box": "disc", "triangle": "disc", "ring": "disc", "cup": "box"}


class NotApplicable(Exception):
    """The violation cannot be injected into this scene (the message says why)."""


@dataclass
class Effect:
    """When an edit governs the annotations: frames at time t in [start, end)
    (``kind="state"``: a jump, an existence or identity change) or t > start
    (``kind="dynamic"``: a change of acceleration or a pause, which moves the object only
    after it begins); or explicit ``frames``.  Times are video times (world and video
    time agree until the frozen-video violation, which starts at ``start``)."""

    start: float = 0.0
    end: float = math.inf
    kind: str = "state"
    frames: tuple[int, ...] | None = None

    def frame_range(self, times: np.ndarray) -> list[int]:
        if self.frames is not None:
            f = [i for i in self.frames if 0 <= i < len(times)]
        else:
            t = np.asarray(times)
            on = (t > self.start) if self.kind == "dynamic" else (t >= self.start)
            f = np.flatnonzero(on & (t < self.end)).tolist()
        return [int(f[0]), int(f[-1])] if f else []


@dataclass
class Plan:
    edits: Edits
    effect: Effect
    description: str
    details: dict[str, Any] = field(default_factory=dict)


class Context:
    """What a violation needs to plan: the probe, the scene, its clean simulation sampled on
    a fine grid, and the target object (``target``, an index into ``scene.actors``)."""

    def __init__(self, probe: dict[str, Any], scene: Scene, clean: Simulation, times: np.ndarray):
        self.probe, self.scene, self.clean, self.times = probe, scene, clean, np.asarray(times, np.float64)
        self.end = clean.end
        self.grid = np.arange(0.0, self.end, GRID_DT)
        self.pos, self.vel = clean.sample(self.grid)
        self.target = primary_actor(probe, scene)

    @property
    def name(self) -> str:
        return self.scene.actors[self.target].name

    def _outline(self, a: int) -> np.ndarray:
        """(P, G, 2) points on the outline of actor a (circle or box corners/mid-edges), pulled
        in by 0.1 % so that an outline resting on an occluder's edge (a ball under a cup whose
        rim touches the floor) counts as inside it."""
        act = self.scene.actors[a]
        r = act.half * 0.999
        if act.shape in ("disc", "ring"):
            ang = np.arange(8) * (np.pi / 4)
            off = r * np.stack([np.cos(ang), np.sin(ang)], -1)
        else:
            off = r * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [0, -1], [0, 1], [-1, 0], [1, 0]], float)
        return self.pos[a][None] + off[:, None, :]

    def _covers(self, a: int, pts: np.ndarray) -> list[np.ndarray]:
        """For each occluder/cup in front of actor a: (P, G) bool, point inside it."""
        z = self.scene.actors[a].z
        out = []
        for occ in self.scene.occluders:
            if occ.z > z:
                c = occ.path.at(self.grid)
                out.append((np.abs(pts[..., 0] - c[:, 0]) <= occ.half_size[0])
                           & (np.abs(pts[..., 1] - c[:, 1]) <= occ.half_size[1]))
        for cont in self.scene.containers:
            if cont.actor != a and self.scene.actors[cont.actor].z > z:
                c = cont.path.at(self.grid)
                rc = self.scene.actors[cont.actor].half
                fy = np.clip((pts[..., 1] - (c[:, 1] - rc)) / (2 * rc), 0, 1)      # 0 at the mouth
                half_w = rc * (1 - 0.3 * fy)
                out.append((np.abs(pts[..., 0] - c[:, 0]) <= half_w) & (np.abs(pts[..., 1] - c[:, 1]) <= rc))
        return out

    def hidden(self, a: int) -> np.ndarray:
        """(G,) the actor is entirely behind one occluder or cup."""
        pts = self._outline(a)
        h = np.zeros(len(self.grid), bool)
        for inside in self._covers(a, pts):
            h |= inside.all(axis=0)
        return h

    def in_view(self, a: int) -> np.ndarray:
        """(G,) the actor is entirely inside the view and nothing in front overlaps it."""
        pts = self._outline(a)
        vw, vh = self.scene.view
        ok = ((pts[..., 0] >= 0) & (pts[..., 0] <= vw) & (pts[..., 1] >= 0) & (pts[..., 1] <= vh)).all(axis=0)
        r = self.scene.actors[a].half
        z = self.scene.actors[a].z
        p = self.pos[a]
        for occ in self.scene.occluders:
            if occ.z > z:
                c = occ.path.at(self.grid)
                ok &= ~((np.abs(p[:, 0] - c[:, 0]) < occ.half_size[0] + r)
                        & (np.abs(p[:, 1] - c[:, 1]) < occ.half_size[1] + r))
        for cont in self.scene.containers:
            if cont.actor != a and self.scene.actors[cont.actor].z > z:
                c = cont.path.at(self.grid)
                rc = self.scene.actors[cont.actor].half
                ok &= ~((np.abs(p[:, 0] - c[:, 0]) < rc + r) & (np.abs(p[:, 1] - c[:, 1]) < rc + r))
        return ok

    def clear_at(self, a: int, t: float, shift: np.ndarray) -> bool:
        """Whether actor a, moved by ``shift`` at time t, would be fully in view and uncovered."""
        i = int(np.clip(np.searchsorted(self.grid, t), 0, len(self.grid) - 1))
        saved = self.pos[a, i].copy()
        self.pos[a, i] = saved + shift
        try:
            return bool(self.in_view(a)[i])
        finally:
            self.pos[a, i] = saved

    def moving(self, a: int) -> np.ndarray:
        return np.hypot(*self.vel[a].T) > MOVING * self.scene.view[1]

    def runs(self, mask: np.ndarray) -> list[tuple[float, float]]:
        """Maximal runs of a grid mask as (t_start, t_end), longest first."""
        m = np.concatenate([[False], mask, [False]]).astype(np.int8)
        e = np.flatnonzero(np.diff(m))
        rs = [(float(self.grid[a]), float(self.grid[b - 1]) + GRID_DT) for a, b in zip(e[::2], e[1::2])]
        return sorted(rs, key=lambda r: r[0] - r[1])

    def hidden_run(self, a: int) -> tuple[float, float] | None:
        rs = self.runs(self.hidden(a))
        return rs[0] if rs and rs[0][1] - rs[0][0] >= 2 * GRID_DT else None

    def visible_mid(self, a: int, moving: bool = False) -> float:
        """Middle of the longest interval in which the actor is fully in view (and moving)."""
        mask = self.in_view(a) & (self.moving(a) if moving else True)
        rs = self.runs(mask)
        if not rs:
            raise NotApplicable(f"{self.scene.actors[a].name!r} is never fully in view"
                                + (" while moving" if moving else ""))
        return 0.5 * (rs[0][0] + rs[0][1])

    def require_body(self, a: int) -> int:
        """The body index of actor a; ``NotApplicable`` for pendulum bobs and cups."""
        b = self.scene.body_of_actor(a)
        if b is None:
            raise NotApplicable(f"{self.scene.actors[a].name!r} is a {self.scene.actors[a].kind}, not a free body")
        return b

    def velocity_at(self, a: int, t: float) -> np.ndarray:
        return self.clean.sample(np.array([t]))[1][a, 0]


def primary_actor(probe: dict[str, Any], scene: Scene) -> int:
    """The object a violation targets: the one the probe's expectation is about."""
    ex = probe.get("expect") or {}
    names: list[str] = []
    for key in ("occlusion", "contained", "persist"):
        if isinstance(ex.get(key), dict):
            names.append(ex[key].get("object"))
    for key in ("bounce", "decelerate"):
        names.append(ex.get(key))
    if isinstance(ex.get("collision"), dict):
        names.append(ex["collision"].get("a"))
    for key in ("cross", "rigid"):
        if isinstance(ex.get(key), list) and ex[key]:
            names.append(ex[key][0])
    if isinstance(ex.get("count"), dict):
        names += [a.name for a in scene.actors if a.colour == ex["count"].get("colour")]
    actors = {a.name: i for i, a in enumerate(scene.actors)}
    for n in names:
        if n in actors:
            return actors[n]
    for i, a in enumerate(scene.actors):
        if a.kind == "body":
            return i
    return 0


# --------------------------------------------------------------------------- plans


def _hidden_or_raise(ctx: Context) -> tuple[float, float]:
    run = ctx.hidden_run(ctx.target)
    if run is None:
        raise NotApplicable(f"{ctx.name!r} is never fully hidden")
    return run


def _moving_while_hidden(ctx: Context) -> tuple[float, float]:
    h0, h1 = _hidden_or_raise(ctx)
    ctx.require_body(ctx.target)
    mid = 0.5 * (h0 + h1)
    if np.hypot(*ctx.velocity_at(ctx.target, mid)) <= MOVING * ctx.scene.view[1]:
        raise NotApplicable(f"{ctx.name!r} does not move while hidden")
    return h0, h1


def plan_vanish(ctx: Context, m: float) -> Plan:
    run = ctx.hidden_run(ctx.target)
    if run is not None:
        t = 0.5 * (run[0] + run[1])
        back = math.inf if m >= 1 else run[1] + m * (ctx.end - run[1])
        where = "behind the occluder"
    else:
        t = ctx.visible_mid(ctx.target)
        back = math.inf if m >= 1 else t + m * (ctx.end - t)
        where = "in plain view"
    return Plan(Edits(absent=[(ctx.target, t, back)]), Effect(t, back),
                f"{ctx.name} ceases to exist {where} at t = {t:.3f} s"
                + (" for good" if math.isinf(back) else f" until t = {back:.3f} s"),
                {"hidden": run is not None})


def plan_late(ctx: Context, m: float) -> Plan:
    h0, h1 = _moving_while_hidden(ctx)
    t = 0.5 * (h0 + h1)
    d = m * (h1 - h0)
    return Plan(Edits(holds=[(ctx.target, t, t + d)]), Effect(t, kind="dynamic"),
                f"{ctx.name} stops for {d:.3f} s while hidden (t = {t:.3f} s) and reappears that much later",
                {"delay": d})


def plan_early(ctx: Context, m: float) -> Plan:
    h0, h1 = _moving_while_hidden(ctx)
    t = 0.5 * (h0 + h1)
    d = m * (h1 - t)
    return Plan(Edits(jumps=[Jump(ctx.target, t, advance=d)]), Effect(t),
                f"{ctx.name} skips {d:.3f} s of its motion while hidden (t = {t:.3f} s) "
                "and reappears that much earlier",
                {"advance": d})


def plan_displaced(ctx: Context, m: float) -> Plan:
    h0, h1 = _hidden_or_raise(ctx)
    body = ctx.require_body(ctx.target)
    t = max(0.5 * (h0 + h1), h1 - 4 * GRID_DT)          # just before it is due to reappear
    dist = m * 4 * ctx.scene.actors[ctx.target].half
    v = ctx.velocity_at(ctx.target, t)
    # a body in a cup moves only as the cup carries it: pushed "up" it would fall straight back
    # in, so it is moved sideways (out of the cup, which then leaves it behind) like a resting one
    in_cup = any(body in c.contents for c in ctx.scene.containers)
    if np.hypot(*v) > MOVING * ctx.scene.view[1] and not in_cup:
        perp = np.array([-v[1], v[0]]) / np.hypot(*v)
        g = ctx.scene.gravity
        up = -g / np.hypot(*g) if np.hypot(*g) > 0 else np.array([0.0, 1.0])
        direction = perp if perp @ up >= 0 else -perp
    else:
        x = ctx.pos[ctx.target, np.searchsorted(ctx.grid, t), 0]
        direction = np.array([1.0 if x < ctx.scene.view[0] / 2 else -1.0, 0.0])
    shift = tuple(float(s) for s in dist * direction)
    return Plan(Edits(jumps=[Jump(ctx.target, t, shift=shift)]), Effect(t),
                f"{ctx.name} is moved by ({shift[0]:.3f}, {shift[1]:.3f}) m while hidden (t = {t:.3f} s)",
                {"shift": list(shift)})


def _swap_time(ctx: Context) -> tuple[float, str]:
    run = ctx.hidden_run(ctx.target)
    if run is not None:
        return 0.5 * (run[0] + run[1]), "while hidden"
    return ctx.visible_mid(ctx.target), "in plain view"


def nearest_colour(rgb: np.ndarray) -> str:
    """The object palette colour nearest to ``rgb`` in CIE Lab (deltaE 1976)."""
    names = list(OBJECT_COLOURS)
    lab = srgb_to_lab(np.array([OBJECT_COLOURS[n] for n in names], np.uint8))
    d = np.linalg.norm(lab - srgb_to_lab(np.asarray(rgb, np.uint8)), axis=-1)
    return names[int(np.argmin(d))]


def swap_colour_target(probe: dict[str, Any], scene: Scene, actor: int) -> str:
    """The colour a swap turns ``actor`` into: the distractor's, else the farthest unused."""
    ex = probe.get("expect") or {}
    by_name = {a.name: a for a in scene.actors}
    if ex.get("distractor") in by_name and by_name[ex["distractor"]].colour != scene.actors[actor].colour:
        return by_name[ex["distractor"]].colour
    used = {a.colour for a in scene.actors}
    own = srgb_to_lab(np.array(OBJECT_COLOURS[scene.actors[actor].colour], np.uint8))
    free = [c for c in OBJECT_COLOURS if c not in used]
    return max(free, key=lambda c: float(np.linalg.norm(srgb_to_lab(np.array(OBJECT_COLOURS[c], np.uint8)) - own)))


def plan_swap_colour(ctx: Context, m: float) -> Plan:
    t, when = _swap_time(ctx)
    act = ctx.scene.actors[ctx.target]
    new = swap_colour_target(ctx.probe, ctx.scene, ctx.target)
    c0, c1 = np.array(OBJECT_COLOURS[act.colour], float), np.array(OBJECT_COLOURS[new], float)
    rgb = tuple(int(v) for v in np.rint((1 - m) * c0 + m * c1))
    name = nearest_colour(np.array(rgb))
    change = IdentityChange(ctx.target, t, rgb, name, act.shape, 0.0)
    return Plan(Edits(identity=[change]), Effect(t),
                f"{act.name} turns from {act.colour} to rgb{rgb} (towards {new}) {when} at t = {t:.3f} s",
                {"from": act.colour, "to": new, "rgb": list(rgb), "colour_name": name})


def plan_swap_shape(ctx: Context, m: float) -> Plan:
    t, when = _swap_time(ctx)
    act = ctx.scene.actors[ctx.target]
    new = SWAP_SHAPE[act.shape]
    change = IdentityChange(ctx.target, t, tuple(OBJECT_COLOURS[act.colour]), act.colour, new, m)
    return Plan(Edits(identity=[change]), Effect(t),
                f"{act.name} turns from a {act.shape} towards a {new} (blend {m:.2f}) {when} at t = {t:.3f} s",
                {"from": act.shape, "to": new, "mix": m})


def _needs_gravity(ctx: Context) -> None:
    if not np.hypot(*ctx.scene.gravity) > 0:
        raise NotApplicable("the scene has zero gravity")
    if not (ctx.scene.bodies or ctx.scene.pendulums):
        raise NotApplicable("the scene has no bodies")


def plan_gravity_reversed(ctx: Context, m: float) -> Plan:
    _needs_gravity(ctx)
    f = 1 - 2 * m
    return Plan(Edits(gravity_factor=f), Effect(0.0, kind="dynamic"),
                f"gravity is {f:+.2f} g for every body from the start", {"factor": f})


def plan_gravity_scaled(ctx: Context, m: float) -> Plan:
    _needs_gravity(ctx)
    f = 1 - 0.75 * m
    return Plan(Edits(gravity_factor=f), Effect(0.0, kind="dynamic"),
                f"gravity is {f:.2f} g for every body from the start", {"factor": f})


def plan_teleport(ctx: Context, m: float) -> Plan:
    ctx.require_body(ctx.target)
    try:
        t = ctx.visible_mid(ctx.target, moving=True)
    except NotApplicable:                                # a resting object can jump too
        t = ctx.visible_mid(ctx.target)
    x = ctx.pos[ctx.target, np.searchsorted(ctx.grid, t), 0]
    sign = 1.0 if x < ctx.scene.view[0] / 2 else -1.0
    d = m * 0.25 * ctx.scene.view[0]
    here, there = np.array([sign * d, 0.0]), np.array([-sign * d, 0.0])
    if not ctx.clear_at(ctx.target, t, here) and ctx.clear_at(ctx.target, t, there):
        sign = -sign                                     # land in plain view too, when that side is clear
    shift = (float(sign * d), 0.0)
    return Plan(Edits(jumps=[Jump(ctx.target, t, shift=shift)]), Effect(t),
                f"{ctx.name} jumps {shift[0]:+.3f} m sideways in plain view at t = {t:.3f} s", {"shift": list(shift)})


def plan_flicker(ctx: Context, m: float) -> Plan:
    vis = ctx.in_view(ctx.target)
    ok = vis[np.clip(np.searchsorted(ctx.grid, ctx.times), 0, len(ctx.grid) - 1)]
    m_ = np.concatenate([[False], ok, [False]]).astype(np.int8)
    e = np.flatnonzero(np.diff(m_))
    runs = sorted(zip(e[::2], e[1::2]), key=lambda r: r[0] - r[1])
    if not runs or runs[0][1] - runs[0][0] < 2:
        raise NotApplicable(f"{ctx.name!r} is never fully in view for 2 consecutive frames")
    a, b = runs[0]
    f0 = int((a + b) // 2 - 1) if b - a > 2 else int(a)
    frames = (f0, f0 + 1)
    dt = float(ctx.times[1] - ctx.times[0])
    effect = Effect(float(ctx.times[f0]), float(ctx.times[f0 + 1]) + dt, frames=frames)
    return Plan(Edits(opacity=[(ctx.target, frames, 1.0 - m)]), effect,
                f"{ctx.name} is drawn at opacity {1 - m:.2f} in frames {frames[0]} and {frames[1]}",
                {"alpha": 1.0 - m})


def plan_freeze_object(ctx: Context, m: float) -> Plan:
    if ctx.scene.actors[ctx.target].kind == "container":
        raise NotApplicable(f"{ctx.name!r} is a cup moved by a script")
    rs = ctx.runs(ctx.in_view(ctx.target) & ctx.moving(ctx.target))
    if not rs:
        raise NotApplicable(f"{ctx.name!r} never moves in view")
    t = rs[0][0] + 0.3 * (rs[0][1] - rs[0][0])
    t1 = ctx.end + 1.0 if m >= 1 else t + m * (ctx.end - t)
    return Plan(Edits(holds=[(ctx.target, t, t1)]), Effect(t, kind="dynamic"),
                f"{ctx.name} stops dead at t = {t:.3f} s" + (" for good" if m >= 1 else f" until t = {t1:.3f} s"),
                {"until": None if m >= 1 else t1})


def plan_freeze_video(ctx: Context, m: float) -> Plan:
    moving = np.zeros(len(ctx.grid), bool)
    for a in range(len(ctx.scene.actors)):
        moving |= ctx.moving(a)
    for occ in ctx.scene.occluders:
        moving |= (occ.path.times[0] < ctx.grid) & (ctx.grid < occ.path.times[-1])
    late = ctx.grid >= 0.3 * ctx.scene.duration
    if not (moving & late).any():
        raise NotApplicable("nothing moves after 30% of the video")
    t = float(ctx.grid[np.flatnonzero(moving & late)[0]])
    t1 = ctx.end + 1.0 if m >= 1 else t + m * (ctx.end - t)
    return Plan(Edits(clock_hold=(t, t1)), Effect(t, kind="dynamic"),
                f"the world stops at t = {t:.3f} s" + (" for good" if m >= 1 else f" for {t1 - t:.3f} s"),
                {"until": None if m >= 1 else t1})


def _first_contact(ctx: Context, kinds: tuple[str, ...]) -> float:
    b = ctx.require_body(ctx.target)
    body = ctx.scene.bodies[b]
    if "rest" in kinds:
        for sp in ctx.scene.supports:
            if abs(float(np.dot(body.pos - sp.q, sp.n)) - body.half) <= 1e-7 * ctx.scene.view[1]:
                return 0.0
    for e in ctx.clean.events:
        if e.kind in kinds and ctx.target in e.actors:
            return e.t
    raise NotApplicable(f"{ctx.name!r} never " + ("touches anything" if "rest" in kinds else "bounces or collides"))


def plan_interpenetrate(ctx: Context, m: float) -> Plan:
    t = _first_contact(ctx, ("impact", "rest", "collision", "crease"))
    f = 1.0 - m
    return Plan(Edits(radius_factor={ctx.target: f}), Effect(t, kind="dynamic"),
                f"{ctx.name} touches others as if {f:.2f} x its size" + (" (passes through)" if f == 0 else ""),
                {"radius_factor": f})


def plan_count_change(ctx: Context, m: float) -> Plan:
    c = (ctx.probe.get("expect") or {}).get("count")
    if not isinstance(c, dict):
        raise NotApplicable("the probe has no expect.count")
    same = [i for i, a in enumerate(ctx.scene.actors) if a.colour == c["colour"] and a.kind == "body"]
    hidden = [(i, ctx.hidden_run(i)) for i in same]
    hidden = sorted([(i, r) for i, r in hidden if r is not None], key=lambda x: x[1][0])
    if not hidden:
        raise NotApplicable(f"no {c['colour']} object is ever fully hidden")
    n = max(1, min(len(hidden), int(round(m * (len(same) - 1)))))
    absent = [(i, 0.5 * (r[0] + r[1]), math.inf) for i, r in hidden[:n]]
    names = [ctx.scene.actors[i].name for i, _, _ in absent]
    return Plan(Edits(absent=absent), Effect(min(t for _, t, _ in absent)),
                f"{n} of the {len(same)} {c['colour']} objects cease to exist while hidden: {', '.join(names)}",
                {"removed": names, "times": [t for _, t, _ in absent]})


def plan_energy_gain(ctx: Context, m: float) -> Plan:
    t = _first_contact(ctx, ("impact", "collision"))
    e = 1.0 + 0.5 * m
    return Plan(Edits(restitution={ctx.target: e}), Effect(t, kind="dynamic"),
                f"{ctx.name} has restitution {e:.2f} in every impact from t = {t:.3f} s", {"restitution": e})


@dataclass(frozen=True)
class ViolationSpec:
    name: str
    default: float
    checks: tuple[str, ...]
    description: str
    plan: Callable[[Context, float], Plan]


def _spec(name: str, default: float, checks: tuple[str, ...], description: str,
          plan: Callable[[Context, float], Plan]) -> tuple[str, ViolationSpec]:
    return name, ViolationSpec(name, default, checks, description, plan)


#: name -> spec, in a stable order.
VIOLATIONS: dict[str, ViolationSpec] = dict([
    _spec("vanish", 1.0, ("probe.reappearance", "probe.spurious", "probe.containment", "probe.count"),
          "the object ceases to exist behind the occluder (or in plain view)", plan_vanish),
    _spec("late", 1.0, ("probe.reappearance",), "reappears later than constant velocity predicts", plan_late),
    _spec("early", 1.0, ("probe.reappearance",), "reappears earlier than constant velocity predicts", plan_early),
    _spec("displaced", 1.0, ("probe.reappearance", "probe.containment"),
          "reappears away from the predicted place", plan_displaced),
    _spec("swap_colour", 1.0, ("probe.attributes", "probe.reappearance", "probe.crossing", "probe.count"),
          "the object's colour changes", plan_swap_colour),
    _spec("swap_shape", 1.0, ("probe.attributes", "probe.rigidity", "probe.reappearance"),
          "the object's shape changes", plan_swap_shape),
    _spec("gravity_reversed", 1.0, ("probe.gravity", "probe.support", "probe.bounce"),
          "gravity points the other way", plan_gravity_reversed),
    _spec("gravity_scaled", 1.0, ("probe.gravity",), "gravity is weaker than the scene's", plan_gravity_scaled),
    _spec("teleport", 0.5, ("probe.continuity",), "the object jumps in plain view", plan_teleport),
    _spec("flicker", 1.0, ("probe.spurious", "probe.continuity"),
          "the object is missing from 2 frames", plan_flicker),
    _spec("freeze_object", 1.0, ("probe.gravity", "probe.continuity", "probe.friction"),
          "the object stops dead mid-motion", plan_freeze_object),
    _spec("freeze_video", 1.0, ("probe.gravity", "probe.continuity"),
          "the whole video freezes", plan_freeze_video),
    # not probe.rigidity: the renderer draws bodies in front of the floor, so a body sunk into it
    # keeps its whole outline (nothing a shape check could see); it falls through and away at m = 1
    _spec("interpenetrate", 1.0, ("probe.bounce", "probe.collision"),
          "the object sinks into or passes through what it touches", plan_interpenetrate),
    _spec("count_change", 1.0, ("probe.count", "probe.spurious"),
          "objects disappear while hidden during a sweep", plan_count_change),
    _spec("energy_gain", 1.0, ("probe.bounce", "probe.collision"),
          "impacts return more energy than they take (restitution > 1)", plan_energy_gain),
])


def parse_violation(spec: str) -> tuple[str, float]:
    """``"name"`` or ``"name:magnitude"`` -> (name, magnitude); ``ValueError`` if malformed."""
    name, _, mag = spec.partition(":")
    if name not in VIOLATIONS:
        raise ValueError(f"unknown violation {name!r} (known: {', '.join(VIOLATIONS)})")
    if not mag:
        return name, VIOLATIONS[name].default
    try:
        m = float(mag)
    except ValueError:
        raise ValueError(f"violation magnitude {mag!r} is not a number") from None
    if not 0.0 <= m <= 1.0:
        raise ValueError(f"violation magnitude {m} is outside [0, 1]")
    return name, m
