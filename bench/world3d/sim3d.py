"""Rigid-body dynamics of the 3-D world with PyBullet, and the violations' edits applied to it.

``simulate3d(scene, edits, end, clean=None) -> Sim3D`` builds the scene's solids
(``bench.world3d.solids``) in a private PyBullet DIRECT client, steps it at ``DT`` = 1/480 s
and records every actor's pose and velocity at every step.  Gravity is the scene's (x, y) as
world (x, z); restitution and friction combine as PyBullet does (the product of the two
bodies' coefficients; supports have 1, so a body's own values hold against them; rolling
friction ``mu r / 2``); damping is off.  A body placed on a support starts rolling
(angular velocity ``n x v / r``) rather than sliding.  Pendulum bobs hang from a
point-to-point constraint and collide with nothing; cups follow their keyframes
(pose and velocity set every step) and touch only their contents, which their walls push.

Edits (``bench.world.edits.Edits``, planned by ``bench.world.violations`` from the clean
3-D simulation) act on the simulation state: ``gravity_factor`` scales gravity;
``restitution`` replaces a body's restitution; ``radius_factor`` shrinks its collision shape
(drawn at full size; 0 = it collides with nothing); ``holds`` pin a body (its velocity kept and
restored at release); ``jumps`` move it (``shift``) or set it to the clean run's state
``advance`` seconds later; ``absent`` makes it collide only with supports (the renderer
hides it).  ``identity``, ``opacity`` and ``clock_hold`` are drawn, not simulated.

Contacts: a body-support or body-body pair that starts touching is an ``Event`` ("impact"
or "collision"; "rest" for pairs touching at t = 0) with its time and the normal speed
before it (``info["vn"]``, m/s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pybullet as pb

from bench.world.edits import Edits
from bench.world.physics import Event
from bench.world.scene import Scene
from bench.world3d import solids

DT = 1.0 / 480
#: Normal speed (x view height per second) under which a new contact is not an impact.
MIN_IMPACT = 0.02
BIG = 1e4
#: Collision groups (bit masks): supports, bodies, absent bodies (touch supports only).
SUPPORTS, BODIES, ABSENT, ALL = 1, 2, 4, 0xFFFF


@dataclass
class Sim3D:
    """A simulated 3-D world: per actor (``scene.actors`` order) and step k (t = k DT)."""

    scene: Scene
    edits: Edits
    end: float
    pos: np.ndarray                  # (N, K, 3) metres
    quat: np.ndarray                 # (N, K, 4) xyzw
    vel: np.ndarray                  # (N, K, 3) m/s
    angvel: np.ndarray               # (N, K, 3) rad/s
    events: list[Event] = field(default_factory=list)

    @property
    def steps(self) -> np.ndarray:
        return np.arange(self.pos.shape[1]) * DT

    def _interp(self, a: np.ndarray, times: np.ndarray) -> np.ndarray:
        s = np.clip(np.asarray(times, np.float64) / DT, 0, a.shape[1] - 1)
        i0 = np.floor(s).astype(int)
        i1 = np.minimum(i0 + 1, a.shape[1] - 1)
        w = (s - i0)[None, :, None]
        return a[:, i0] * (1 - w) + a[:, i1] * w

    def sample3(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pos (N, T, 3), quat (N, T, 4), vel (N, T, 3)) at world ``times`` (linear between steps)."""
        q = self._interp(self.quat, times)
        q /= np.linalg.norm(q, axis=-1, keepdims=True)
        return self._interp(self.pos, times), q, self._interp(self.vel, times)

    def sample(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """In-plane (x, z) positions and velocities (N, T, 2): the 2-D world's (x, y)."""
        p, _, v = self.sample3(times)
        return p[..., [0, 2]], v[..., [0, 2]]


def _shape_collision(shape: str, r: float, f: float, client: int) -> int:
    s = r * max(f, 1e-3)
    if shape == "disc":
        return pb.createCollisionShape(pb.GEOM_SPHERE, radius=s, physicsClientId=client)
    if shape == "box":
        return pb.createCollisionShape(pb.GEOM_BOX, halfExtents=[s] * 3, physicsClientId=client)
    if shape == "ring":
        return pb.createCollisionShape(pb.GEOM_CYLINDER, radius=s, height=solids.RING_THICKNESS * r,
                                       collisionFrameOrientation=pb.getQuaternionFromEuler([math.pi / 2, 0, 0]),
                                       physicsClientId=client)
    if shape == "cup":
        w, t = 0.92 * s, 0.06 * s
        boxes = [([w + t, w + t, t], [0, 0, s - t]), ([t, w + t, s], [w + t, 0, 0]), ([t, w + t, s], [-w - t, 0, 0]),
                 ([w + t, t, s], [0, w + t, 0]), ([w + t, t, s], [0, -w - t, 0])]
        return pb.createCollisionShapeArray([pb.GEOM_BOX] * 5, halfExtents=[b[0] for b in boxes],
                                            collisionFramePositions=[b[1] for b in boxes], physicsClientId=client)
    return pb.createCollisionShape(pb.GEOM_MESH, vertices=(solids.shape_points(shape, s)).tolist(),
                                   physicsClientId=client)


class _Builder:
    """Creates the scene's solids in one client; ``ids[a]`` is actor a's body id."""

    def __init__(self, scene: Scene, edits: Edits, client: int):
        self.s, self.ed, self.c = scene, edits, client
        self.depth = solids.actor_depths(scene)
        self.supports: list[int] = []
        self.ids: list[int] = [-1] * len(scene.actors)

    def _static(self, col: int, pos: list[float]) -> None:
        b = pb.createMultiBody(0, col, -1, pos, physicsClientId=self.c)
        pb.changeDynamics(b, -1, restitution=1.0, lateralFriction=1.0, physicsClientId=self.c)
        pb.setCollisionFilterGroupMask(b, -1, SUPPORTS, ALL, physicsClientId=self.c)
        self.supports.append(b)

    def supports_(self) -> None:
        s, c = self.s, self.c
        if s.floor is not None:
            fy = s.floor.q[1]
            self._static(pb.createCollisionShape(pb.GEOM_BOX, halfExtents=[BIG, BIG, 1.0], physicsClientId=c),
                         [0.0, 0.0, fy - 1.0])
        y0, y1 = solids.support_depth_range(s)
        for sp in s.supports:
            if sp.kind == "floor":
                continue
            pts = np.array([[x, y, z] for x, z in sp.polygon for y in (y0, y1)])
            self._static(pb.createCollisionShape(pb.GEOM_MESH, vertices=pts.tolist(), physicsClientId=c),
                         [0.0, 0.0, 0.0])

    def bodies(self) -> None:
        s, ed, c = self.s, self.ed, self.c
        for b in s.bodies:
            act = s.actors[b.actor]
            f = ed.radius_factor.get(b.actor, 1.0)
            pos = [float(b.pos[0]), self.depth[b.actor], float(b.pos[1])]
            bid = pb.createMultiBody(b.mass, _shape_collision(act.shape, act.half, f, c), -1, pos,
                                     physicsClientId=c)
            e = ed.restitution.get(b.actor, b.restitution)
            pb.changeDynamics(bid, -1, restitution=e, lateralFriction=b.friction,
                              rollingFriction=0.5 * b.friction * act.half, spinningFriction=0.0,
                              linearDamping=0.0, angularDamping=0.0, physicsClientId=c)
            v = np.array([b.vel[0], 0.0, b.vel[1]])
            w = np.zeros(3)
            for sp in s.supports:
                gap = float(np.dot(b.pos - sp.q, sp.n)) - b.half
                along = float(np.dot(b.pos - sp.q, sp.u))
                if abs(gap) <= 1e-6 * s.view[1] and sp.s_min <= along <= sp.s_max and act.shape != "box":
                    w = np.cross([sp.n[0], 0.0, sp.n[1]], v) / b.half
            pb.resetBaseVelocity(bid, v.tolist(), w.tolist(), physicsClientId=c)
            pb.setCollisionFilterGroupMask(bid, -1, BODIES, 0 if f == 0.0 else ALL, physicsClientId=c)
            self.ids[b.actor] = bid

    def pendulums(self) -> None:
        s, c = self.s, self.c
        for p in s.pendulums:
            act = s.actors[p.actor]
            y = self.depth[p.actor]
            off = p.length * np.array([math.sin(p.angle), -math.cos(p.angle)])
            pos = p.pivot + off
            bid = pb.createMultiBody(1.0, pb.createCollisionShape(pb.GEOM_SPHERE, radius=act.half, physicsClientId=c),
                                     -1, [float(pos[0]), y, float(pos[1])], physicsClientId=c)
            pb.changeDynamics(bid, -1, linearDamping=0.0, angularDamping=0.0, physicsClientId=c)
            pb.setCollisionFilterGroupMask(bid, -1, 0, 0, physicsClientId=c)
            v = p.omega * p.length * np.array([math.cos(p.angle), math.sin(p.angle)])
            pb.resetBaseVelocity(bid, [float(v[0]), 0.0, float(v[1])], physicsClientId=c)
            pb.createConstraint(bid, -1, -1, -1, pb.JOINT_POINT2POINT, [0, 0, 0], [float(-off[0]), 0.0, float(-off[1])],
                                [float(p.pivot[0]), y, float(p.pivot[1])], physicsClientId=c)
            self.ids[p.actor] = bid

    def containers(self) -> None:
        s, c = self.s, self.c
        for cont in s.containers:
            act = s.actors[cont.actor]
            xy = cont.path.at(np.array([0.0]))[0]
            bid = pb.createMultiBody(1000.0, _shape_collision("cup", act.half, 1.0, c), -1,
                                     [float(xy[0]), self.depth[cont.actor], float(xy[1])], physicsClientId=c)
            pb.changeDynamics(bid, -1, linearDamping=0.0, angularDamping=0.0, lateralFriction=0.5, physicsClientId=c)
            inside = {s.bodies[i].actor for i in cont.contents}
            for a, other in enumerate(self.ids):
                if other >= 0 and a not in inside:
                    pb.setCollisionFilterPair(bid, other, -1, -1, 0, physicsClientId=c)
            for sup in self.supports:
                pb.setCollisionFilterPair(bid, sup, -1, -1, 0, physicsClientId=c)
            self.ids[cont.actor] = bid


def _edit_schedule(edits: Edits, n_steps: int) -> dict[int, list[tuple[str, object]]]:
    """Step index -> edits that start at that step (applied before the step is recorded)."""
    out: dict[int, list[tuple[str, object]]] = {}

    def at(t: float, item: tuple[str, object]) -> None:
        if math.isfinite(t) and 0 <= t:
            k = int(math.ceil(t / DT - 1e-9))
            if k < n_steps:
                out.setdefault(k, []).append(item)

    for a, t0, t1 in edits.holds:
        at(t0, ("hold", a))
        at(t1, ("release", a))
    for j in edits.jumps:
        at(j.t, ("jump", j))
    for a, t0, t1 in edits.absent:
        at(t0, ("absent", a))
        at(t1, ("present", a))
    return out


class _Runner:
    """The stepping loop: edits, kinematic cups, recording and contact events."""

    def __init__(self, scene: Scene, edits: Edits, end: float, clean: Sim3D | None, client: int):
        self.s, self.ed, self.c, self.clean = scene, edits, client, clean
        g = scene.gravity * edits.gravity_factor
        pb.setGravity(float(g[0]), 0.0, float(g[1]), physicsClientId=client)
        pb.setTimeStep(DT, physicsClientId=client)
        pb.setPhysicsEngineParameter(numSolverIterations=50, deterministicOverlappingPairs=1,
                                     contactBreakingThreshold=0.001, physicsClientId=client)
        self.b = _Builder(scene, edits, client)
        self.b.supports_()
        self.b.bodies()
        self.b.pendulums()
        self.b.containers()
        self.K = int(math.ceil(end / DT)) + 2
        N = len(scene.actors)
        self.pos, self.quat = np.zeros((N, self.K, 3)), np.zeros((N, self.K, 4))
        self.vel, self.angvel = np.zeros((N, self.K, 3)), np.zeros((N, self.K, 3))
        self.held: dict[int, tuple] = {}
        self.touching: set[tuple[int, int]] = set()
        self.events: list[Event] = []
        self.sched = _edit_schedule(edits, self.K)
        self.actor_of = {bid: a for a, bid in enumerate(self.b.ids) if bid >= 0}
        self.support_ids = set(self.b.supports)

    def _apply(self, k: int) -> None:
        c = self.c
        for kind, item in self.sched.get(k, []):
            if kind in ("hold", "release", "absent", "present"):
                bid = self.b.ids[item]
            if kind == "hold":
                p, q = pb.getBasePositionAndOrientation(bid, physicsClientId=c)
                v, w = pb.getBaseVelocity(bid, physicsClientId=c)
                self.held[item] = (p, q, v, w)
            elif kind == "release" and item in self.held:
                p, q, v, w = self.held.pop(item)
                pb.resetBaseVelocity(bid, v, w, physicsClientId=c)
            elif kind == "jump":
                bid = self.b.ids[item.actor]
                if item.advance > 0 and self.clean is not None:
                    j = min(k + int(round(item.advance / DT)), self.clean.pos.shape[1] - 1)
                    a = item.actor
                    pb.resetBasePositionAndOrientation(bid, self.clean.pos[a, j].tolist(),
                                                       self.clean.quat[a, j].tolist(), physicsClientId=c)
                    pb.resetBaseVelocity(bid, self.clean.vel[a, j].tolist(), self.clean.angvel[a, j].tolist(),
                                         physicsClientId=c)
                else:
                    p, q = pb.getBasePositionAndOrientation(bid, physicsClientId=c)
                    p = [p[0] + item.shift[0], p[1], p[2] + item.shift[1]]
                    pb.resetBasePositionAndOrientation(bid, p, q, physicsClientId=c)
                    if item.actor in self.held:
                        h = self.held[item.actor]
                        self.held[item.actor] = (tuple(p), h[1], h[2], h[3])
            elif kind == "absent":
                pb.setCollisionFilterGroupMask(bid, -1, ABSENT, SUPPORTS, physicsClientId=c)
            elif kind == "present":
                pb.setCollisionFilterGroupMask(bid, -1, BODIES, ALL, physicsClientId=c)
        for a, (p, q, _, _) in self.held.items():
            pb.resetBasePositionAndOrientation(self.b.ids[a], p, q, physicsClientId=c)
            pb.resetBaseVelocity(self.b.ids[a], [0, 0, 0], [0, 0, 0], physicsClientId=c)
        t = k * DT
        self._stop_contents(k)
        for cont in self.s.containers:
            xy, v = cont.path.at(np.array([t]))[0], cont.path.velocity(t)
            bid = self.b.ids[cont.actor]
            pb.resetBasePositionAndOrientation(bid, [float(xy[0]), self.b.depth[cont.actor], float(xy[1])],
                                               [0, 0, 0, 1], physicsClientId=c)
            pb.resetBaseVelocity(bid, [float(v[0]), 0.0, float(v[1])], [0, 0, 0], physicsClientId=c)

    def _stop_contents(self, k: int) -> None:
        """At a cup's keyframe, contents under its mouth stop with it (the 2-D world's "carried"
        bodies are dropped where they are; a frictionless ball would otherwise roll on)."""
        for cont in self.s.containers:
            if not np.any(np.abs(cont.path.times / DT - k) < 0.5) or k == 0:
                continue
            cx = float(cont.path.at(np.array([k * DT]))[0, 0])
            rc = self.s.actors[cont.actor].half
            for i in cont.contents:
                bid = self.b.ids[self.s.bodies[i].actor]
                p, _ = pb.getBasePositionAndOrientation(bid, physicsClientId=self.c)
                if abs(p[0] - cx) < rc:
                    pb.resetBaseVelocity(bid, [0, 0, 0], [0, 0, 0], physicsClientId=self.c)

    def _record(self, k: int) -> None:
        for a, bid in enumerate(self.b.ids):
            if bid < 0:
                continue
            p, q = pb.getBasePositionAndOrientation(bid, physicsClientId=self.c)
            v, w = pb.getBaseVelocity(bid, physicsClientId=self.c)
            self.pos[a, k], self.quat[a, k], self.vel[a, k], self.angvel[a, k] = p, q, v, w

    def _contacts(self, k: int) -> None:
        now: set[tuple[int, int]] = set()
        vmin = MIN_IMPACT * self.s.view[1]
        for cp in pb.getContactPoints(physicsClientId=self.c):
            a, b = cp[1], cp[2]
            if a not in self.actor_of and b not in self.actor_of:
                continue
            pair = (min(a, b), max(a, b))
            if pair in now:
                continue
            now.add(pair)
            if pair in self.touching:
                continue
            n = np.asarray(cp[7])                                  # normal on b, from b to a
            va = self.vel[self.actor_of[a], k - 1] if a in self.actor_of else np.zeros(3)
            vb = self.vel[self.actor_of[b], k - 1] if b in self.actor_of else np.zeros(3)
            vn = abs(float(np.dot(va - vb, n)))
            actors = tuple(self.actor_of[x] for x in pair if x in self.actor_of)
            if k == 1:
                self.events.append(Event(0.0, "rest", actors, {"vn": 0.0}))
            elif vn >= vmin:
                kind = "collision" if len(actors) == 2 else "impact"
                self.events.append(Event(k * DT, kind, actors, {"vn": vn}))
        self.touching = now

    def run(self) -> None:
        for k in range(self.K):
            self._apply(k)
            self._record(k)
            if k > 0:
                self._contacts(k)
            if k + 1 < self.K:
                pb.stepSimulation(physicsClientId=self.c)
        for cont in self.s.containers:                              # exact kinematic poses
            xy = cont.path.at(np.arange(self.K) * DT)
            self.pos[cont.actor] = np.stack([xy[:, 0], np.full(self.K, self.b.depth[cont.actor]), xy[:, 1]], -1)
            v = cont.path.velocity(np.arange(self.K) * DT)
            self.vel[cont.actor] = np.stack([v[:, 0], np.zeros(self.K), v[:, 1]], -1)
            self.quat[cont.actor] = [0, 0, 0, 1]


def simulate3d(scene: Scene, edits: Edits, end: float, clean: Sim3D | None = None) -> Sim3D:
    """Simulate ``scene`` with ``edits`` until ``end`` seconds (see the module docstring)."""
    from bench.world3d.render3d import client as get_client

    r = _Runner(scene, edits, end, clean, get_client("sim"))
    r.run()
    return Sim3D(scene, edits, end, r.pos, r.quat, r.vel, r.angvel, r.events)
