"""Event-driven 2-D physics with exact piecewise motion.

``simulate(scene, edits, end) -> Simulation``; ``Simulation.sample(times)`` gives every
actor's position and velocity at any times, independent of the frame rate.

Model
-----
Between events every body moves with constant acceleration a, so its motion is exact:

    p(t) = p0 + v0 (t - t0) + a (t - t0)^2 / 2.

A body is in one of these modes:

- **free**: a = g (the scene's gravity times ``edits.gravity_factor``);
- **contact** with a support (floor, platform top, ramp) of unit tangent u and outward normal
  n, pressed with g_n = -g.n > 0: the body moves along u with
  a_t = g.u - mu g_n sign(v_t) (kinetic friction, so on a level floor the speed falls linearly
  and never rises), or rests when v_t = 0 and |g.u| <= mu g_n (static friction);
  g_n <= 0 (zero or upward gravity) lifts it off;
- **held** (a violation freezes it), **carried** (under a cup that slides on the floor:
  the cup's velocity, a = 0).

Events are found exactly by solving polynomials in the time step tau:

- impact on a support: n.(p(tau) - q) = r, a quadratic; the normal velocity is reflected
  with restitution e, v_n' = -e v_n, and the tangential velocity kept.  Apex heights
  h_k = v_k^2 / (2 g_n) therefore never rise for e <= 1 (h_{k+1} = e^2 h_k).  A bounce whose
  rebound would rise less than ``REST_HEIGHT`` x view height ends the sequence (contact);
- stop under friction: tau = -v_t / a_t; leaving a platform's edge or a ramp's top (free),
  reaching a ramp's foot (continues along the floor with the same speed), rolling from the
  floor into a ramp's foot (continues up the ramp with the same speed);
- disc-disc contact of bodies in the same z layer: |d(tau)| = r_i + r_j with
  d(tau) = d + dv tau + da tau^2 / 2, a quadratic when da = 0 and a quartic otherwise.  The
  impulse along the contact normal n, J = (1 + e)(v_i - v_j).n / (1/m_i + 1/m_j),
  v_i -= J n / m_i, v_j += J n / m_j, conserves momentum m_i v_i + m_j v_j exactly and kinetic
  energy for e = 1 (e = min of the two restitutions; held and carried bodies have infinite
  mass);
- scheduled edits (violations) and cup keyframes.

Supports are one-sided lines (edges and corners are not modelled); pendulum bobs and cups
do not collide.  Everything is deterministic: no randomness lives here (ensembles perturb
the scene before it is simulated).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.world.edits import Edits
from bench.world.pendulum import PendulumMotion
from bench.world.scene import Scene, Support

#: A bounce whose rebound would rise less than this fraction of the view height ends the
#: bounce sequence (the body then rests or slides); avoids the Zeno cascade of e < 1.
REST_HEIGHT = 1e-3
#: Events per simulated second beyond which the simulation is declared stuck.
MAX_EVENT_RATE = 5000

FREE, CONTACT, HELD, CARRIED = "free", "contact", "held", "carried"


@dataclass
class Event:
    """A physical event: ``kind`` in impact, rest, stop, leave, crease, collision, hold,
    release, jump, carry, drop; ``actors`` the actor indices; ``info`` numbers such as the
    normal speed ``vn`` and the restitution ``e`` used."""

    t: float
    kind: str
    actors: tuple[int, ...]
    info: dict[str, Any] = field(default_factory=dict)


class Track:
    """Piecewise constant-acceleration trajectory: rows (t0, x, y, vx, vy, ax, ay)."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, ...]] = []
        self._arr: np.ndarray | None = None

    def add(self, t: float, x: float, y: float, vx: float, vy: float, ax: float, ay: float) -> None:
        if self.rows and self.rows[-1][0] == t:
            self.rows[-1] = (t, x, y, vx, vy, ax, ay)
        else:
            self.rows.append((t, x, y, vx, vy, ax, ay))
        self._arr = None

    def sample(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._arr is None:
            self._arr = np.asarray(self.rows, np.float64)
        a = self._arr
        i = np.clip(np.searchsorted(a[:, 0], times, side="right") - 1, 0, len(a) - 1)
        dt = (times - a[i, 0])[:, None]
        pos = a[i, 1:3] + a[i, 3:5] * dt + 0.5 * a[i, 5:7] * dt * dt
        vel = a[i, 3:5] + a[i, 5:7] * dt
        return pos, vel


class PathTrack:
    """A kinematic actor (cup) following its keyframe path."""

    def __init__(self, path: Any) -> None:
        self.path = path

    def sample(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.path.at(times), self.path.velocity(times)


@dataclass
class Simulation:
    """The simulated world: one track per actor (``Scene.actors`` order) and the events."""

    scene: Scene
    edits: Edits
    end: float
    tracks: list[Any]
    events: list[Event]

    def sample(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions and velocities (N, T, 2) at world ``times`` (right-continuous)."""
        times = np.asarray(times, np.float64)
        pv = [tr.sample(times) for tr in self.tracks]
        return np.stack([p for p, _ in pv]), np.stack([v for _, v in pv])


def _roots2(a: float, b: float, c: float) -> list[float]:
    """Real roots of a t^2 + b t + c (numerically stable)."""
    if a == 0.0:
        return [-c / b] if b != 0.0 else []
    disc = b * b - 4 * a * c
    if disc < 0:
        return []
    s = math.sqrt(disc)
    q = -0.5 * (b + math.copysign(s, b))
    if q == 0.0:
        return [0.0]
    return sorted([q / a, c / q])


class _Engine:
    def __init__(self, scene: Scene, edits: Edits, end: float):
        self.s = scene
        self.ed = edits
        self.end = end
        g = scene.gravity * edits.gravity_factor
        self.gx, self.gy = float(g[0]), float(g[1])
        n = len(scene.bodies)
        self.actor = [b.actor for b in scene.bodies]
        self.r = [b.half * edits.radius_factor.get(b.actor, 1.0) for b in scene.bodies]
        self.ghost = [edits.radius_factor.get(b.actor, 1.0) == 0.0 for b in scene.bodies]
        self.e = [edits.restitution.get(b.actor, b.restitution) for b in scene.bodies]
        self.e_forced = [b.actor in edits.restitution for b in scene.bodies]
        self.mu = [b.friction for b in scene.bodies]
        self.inv_m = [1.0 / b.mass for b in scene.bodies]
        self.z = [b.z for b in scene.bodies]
        self.tol = 1e-7 * scene.view[1]
        self.h_rest = REST_HEIGHT * scene.view[1]
        self.floor = scene.floor
        self.mode = [FREE] * n
        self.sup: list[int] = [-1] * n
        self.carrier: list[int] = [-1] * n
        self.left: list[int] = [-1] * n          # the support a body just left over an edge
        self.saved_v: list[tuple[float, float]] = [(0.0, 0.0)] * n
        self.seg = [(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)] * n
        self.tracks = [Track() for _ in range(n)]
        self.events: list[Event] = []
        self.body_of_actor = {b.actor: i for i, b in enumerate(scene.bodies)}
        sched: list[tuple[float, int, str, Any]] = []
        for a, t0, t1 in edits.holds:
            if a in self.body_of_actor:
                sched += [(t0, 0, "hold", self.body_of_actor[a]), (t1, 1, "release", self.body_of_actor[a])]
        for j in edits.jumps:
            if j.actor in self.body_of_actor:
                sched.append((j.t, 2, "jump", j))
        for a, t0, t1 in edits.absent:
            sched += [(t0, 3, "absent", a), (t1, 3, "present", a)]
        for ci, c in enumerate(scene.containers):
            sched += [(float(t), 4, "path", ci) for t in c.path.times]
        self.sched = sorted((s for s in sched if 0.0 <= s[0] < end), key=lambda s: (s[0], s[1]))

    # ------------------------------------------------------------------ state

    def state(self, i: int, t: float) -> tuple[float, float, float, float]:
        t0, x, y, vx, vy, ax, ay = self.seg[i]
        dt = t - t0
        return x + vx * dt + 0.5 * ax * dt * dt, y + vy * dt + 0.5 * ay * dt * dt, vx + ax * dt, vy + ay * dt

    def _start(self, i: int, t: float, x: float, y: float, vx: float, vy: float, ax: float, ay: float,
               left: int = -1) -> None:
        self.seg[i] = (t, x, y, vx, vy, ax, ay)
        self.left[i] = left
        self.tracks[i].add(t, x, y, vx, vy, ax, ay)

    def exists(self, i: int, t: float) -> bool:
        a = self.actor[i]
        return not any(b == a and t0 <= t < t1 for b, t0, t1 in self.ed.absent)

    def _s_range(self, sp: Support, r: float) -> tuple[float, float]:
        """Range of the centre's coordinate s along a support for a body of half-extent r."""
        if sp.kind == "ramp" and self.floor is not None:
            # the centre line q + s u + r n meets the floor's centre line y = floor + r
            s_end = (self.floor.q[1] + r - sp.q[1] - r * sp.n[1]) / sp.u[1]
            return sp.s_min, s_end
        return sp.s_min, sp.s_max

    def _g_n(self, sp: Support) -> float:
        return -(self.gx * sp.n[0] + self.gy * sp.n[1])

    def _carrier_of(self, i: int, t: float, x: float, y: float) -> int:
        """Index of the container carrying body i at time t (its cup rests on the floor over
        the whole current keyframe segment and the body is under its mouth), else -1."""
        if self.floor is None:
            return -1
        fy = self.floor.q[1]
        if abs(y - self.r[i] - fy) > self.tol:
            return -1
        for ci, c in enumerate(self.s.containers):
            if i not in c.contents:
                continue
            ts = c.path.times
            k = int(np.searchsorted(ts, t, side="right")) - 1
            if k < 0 or k >= len(ts) - 1:
                continue
            half = self.s.actors[c.actor].half
            down = all(c.path.points[j, 1] - half <= fy + self.tol for j in (k, k + 1))
            cx = float(np.interp(t, ts, c.path.points[:, 0]))
            if down and abs(x - cx) <= half - self.s.bodies[i].half + self.tol:
                return ci
        return -1

    def settle(self, i: int, t: float, x: float, y: float, vx: float, vy: float, support: int = -1) -> None:
        """Choose body i's mode from its state (optionally forcing contact with ``support``)
        and start a new segment."""
        if self.mode[i] == HELD:
            self._start(i, t, x, y, 0.0, 0.0, 0.0, 0.0)
            return
        ci = self._carrier_of(i, t, x, y)
        if ci >= 0:
            v = self.s.containers[ci].path.velocity(t)
            if self.carrier[i] != ci:
                self.events.append(Event(t, "carry", (self.actor[i], self.s.containers[ci].actor)))
            self.mode[i], self.carrier[i], self.sup[i] = CARRIED, ci, 0
            self._start(i, t, x, y, float(v[0]), 0.0, 0.0, 0.0)
            return
        if self.carrier[i] >= 0:                 # the cup stops carrying it: it stays where it is
            self.events.append(Event(t, "drop", (self.actor[i], self.s.containers[self.carrier[i]].actor)))
            self.carrier[i] = -1
            vx = vy = 0.0
        r = self.r[i]
        if support < 0 and not self.ghost[i]:
            for j, sp in enumerate(self.s.supports):
                gap = (x - sp.q[0]) * sp.n[0] + (y - sp.q[1]) * sp.n[1] - r
                along = (x - sp.q[0]) * sp.u[0] + (y - sp.q[1]) * sp.u[1]
                lo, hi = self._s_range(sp, r)
                vn = vx * sp.n[0] + vy * sp.n[1]
                if abs(gap) <= self.tol and lo - self.tol <= along <= hi + self.tol and vn <= 1e-9:
                    support = j
                    break
        if support >= 0 and self._g_n(self.s.supports[support]) > 0:
            sp = self.s.supports[support]
            ux, uy = sp.u
            along = (x - sp.q[0]) * ux + (y - sp.q[1]) * uy
            x = sp.q[0] + along * ux + r * sp.n[0]          # snap onto the surface
            y = sp.q[1] + along * uy + r * sp.n[1]
            vt = vx * ux + vy * uy
            gt = self.gx * ux + self.gy * uy
            fr = self.mu[i] * self._g_n(sp)
            if abs(vt) <= 1e-9:
                vt = 0.0
                at = gt - math.copysign(fr, gt) if abs(gt) > fr else 0.0
            else:
                at = gt - math.copysign(fr, vt)
            self.mode[i], self.sup[i] = CONTACT, support
            self._start(i, t, x, y, vt * ux, vt * uy, at * ux, at * uy)
        else:
            self.mode[i], self.sup[i] = FREE, -1
            self._start(i, t, x, y, vx, vy, self.gx, self.gy)

    # ------------------------------------------------------------------ event search

    def body_event(self, i: int, t: float) -> tuple[float, str, int]:
        """Earliest own event of body i after t: (time, kind, support index)."""
        best = (math.inf, "", -1)
        mode = self.mode[i]
        if mode in (HELD, CARRIED) or self.ghost[i]:
            return best
        x, y, vx, vy = self.state(i, t)
        ax, ay = self.seg[i][5], self.seg[i][6]
        r = self.r[i]
        for j, sp in enumerate(self.s.supports):
            if mode == CONTACT and (j == self.sup[i] or sp.kind != "ramp"):
                continue
            if j == self.left[i]:       # flying off its edge, it cannot land on it again
                continue
            nx, ny = sp.n
            c = (x - sp.q[0]) * nx + (y - sp.q[1]) * ny - r
            b = vx * nx + vy * ny
            a = 0.5 * (ax * nx + ay * ny)
            for tau in _roots2(a, b, c):
                if tau < -1e-9 or 2 * a * tau + b >= 0:     # only while approaching
                    continue
                tau = max(tau, 0.0)
                px = x + vx * tau + 0.5 * ax * tau * tau
                py = y + vy * tau + 0.5 * ay * tau * tau
                along = (px - sp.q[0]) * sp.u[0] + (py - sp.q[1]) * sp.u[1]
                lo, hi = self._s_range(sp, r)
                if lo - self.tol <= along <= hi + self.tol and t + tau < best[0]:
                    best = (t + tau, "crease" if mode == CONTACT else "impact", j)
                break
        if mode == CONTACT:
            sp = self.s.supports[self.sup[i]]
            vt = vx * sp.u[0] + vy * sp.u[1]
            at = ax * sp.u[0] + ay * sp.u[1]
            if vt * at < 0 and t - vt / at < best[0]:
                best = (t - vt / at, "stop", self.sup[i])
            s0 = (x - sp.q[0]) * sp.u[0] + (y - sp.q[1]) * sp.u[1]
            lo, hi = self._s_range(sp, r)
            for edge, kind in ((lo, "leave"), (hi, "foot" if sp.kind == "ramp" and self.floor else "leave")):
                if not math.isfinite(edge):
                    continue
                for tau in _roots2(0.5 * at, vt, s0 - edge):
                    outward = (vt + at * tau) * (1 if edge == hi else -1) > 0
                    if tau >= -1e-9 and outward:
                        if t + max(tau, 0.0) < best[0]:
                            best = (t + max(tau, 0.0), kind, self.sup[i])
                        break
        return best

    def pair_time(self, i: int, j: int, t: float, horizon: float) -> float:
        """First time in [t, horizon] at which discs i and j touch while approaching."""
        xi, yi, vxi, vyi = self.state(i, t)
        xj, yj, vxj, vyj = self.state(j, t)
        dx, dy = xj - xi, yj - yi
        dvx, dvy = vxj - vxi, vyj - vyi
        cx = 0.5 * (self.seg[j][5] - self.seg[i][5])
        cy = 0.5 * (self.seg[j][6] - self.seg[i][6])
        R = self.r[i] + self.r[j]
        H = horizon - t
        dist = math.hypot(dx, dy)
        if dist - R > math.hypot(dvx, dvy) * H + math.hypot(cx, cy) * H * H:
            return math.inf
        # f(tau) = |d + dv tau + c tau^2|^2 - R^2
        coeffs = [cx * cx + cy * cy, 2 * (dvx * cx + dvy * cy), dvx * dvx + dvy * dvy + 2 * (dx * cx + dy * cy),
                  2 * (dx * dvx + dy * dvy), dx * dx + dy * dy - R * R]
        if coeffs[0] < 1e-24 and abs(coeffs[1]) < 1e-24:
            roots = _roots2(coeffs[2], coeffs[3], coeffs[4])
        else:
            roots = sorted(float(z.real) for z in np.roots(coeffs) if abs(z.imag) < 1e-7)
        d1 = np.polyder(np.asarray(coeffs))
        for tau in roots:
            if tau < -1e-9 or tau > H:
                continue
            for _ in range(2):                                # polish the root (Newton)
                fp = float(np.polyval(d1, tau))
                if fp != 0.0:
                    tau -= float(np.polyval(coeffs, tau)) / fp
            if float(np.polyval(d1, tau)) < 0:
                return t + max(tau, 0.0)
        return math.inf

    # ------------------------------------------------------------------ event handling

    def _impact(self, i: int, t: float, j: int) -> None:
        x, y, vx, vy = self.state(i, t)
        sp = self.s.supports[j]
        nx, ny = sp.n
        vn = vx * nx + vy * ny
        e = self.e[i]
        g_n = self._g_n(sp)
        v_rest = math.sqrt(2 * g_n * self.h_rest) if g_n > 0 else 0.0
        if e * -vn < v_rest:
            self.events.append(Event(t, "rest", (self.actor[i],), {"vn": -vn, "support": sp.name}))
            self.settle(i, t, x, y, vx - vn * nx, vy - vn * ny, support=j)
            return
        self.events.append(Event(t, "impact", (self.actor[i],), {"vn": -vn, "e": e, "support": sp.name}))
        self.mode[i] = FREE
        self._start(i, t, x, y, vx - (1 + e) * vn * nx, vy - (1 + e) * vn * ny, self.gx, self.gy)

    def _redirect(self, i: int, t: float, j: int, kind: str) -> None:
        """Move onto support j keeping the speed (ramp foot <-> floor)."""
        x, y, vx, vy = self.state(i, t)
        sp = self.s.supports[j]
        speed = math.hypot(vx, vy)
        sign = 1.0 if vx * sp.u[0] + vy * sp.u[1] >= 0 else -1.0
        self.events.append(Event(t, kind, (self.actor[i],), {"support": sp.name, "speed": speed}))
        self.settle(i, t, x, y, sign * speed * sp.u[0], sign * speed * sp.u[1], support=j)

    def _collide(self, i: int, j: int, t: float) -> None:
        xi, yi, vxi, vyi = self.state(i, t)
        xj, yj, vxj, vyj = self.state(j, t)
        d = math.hypot(xj - xi, yj - yi)
        nx, ny = (xj - xi) / d, (yj - yi) / d
        vrel = (vxi - vxj) * nx + (vyi - vyj) * ny
        wi = 0.0 if self.mode[i] in (HELD, CARRIED) else self.inv_m[i]
        wj = 0.0 if self.mode[j] in (HELD, CARRIED) else self.inv_m[j]
        forced = [self.e[k] for k in (i, j) if self.e_forced[k]]
        e = max(forced) if forced else min(self.e[i], self.e[j])
        J = (1 + e) * vrel / (wi + wj)
        vi = (vxi - J * wi * nx, vyi - J * wi * ny)
        vj = (vxj + J * wj * nx, vyj + J * wj * ny)
        self.events.append(Event(t, "collision", (self.actor[i], self.actor[j]), {"vn": vrel, "e": e}))
        for k, (x, y), (vx, vy) in ((i, (xi, yi), vi), (j, (xj, yj), vj)):
            if self.mode[k] in (HELD, CARRIED):
                continue
            if self.mode[k] == CONTACT:
                sp = self.s.supports[self.sup[k]]
                vn = vx * sp.n[0] + vy * sp.n[1]
                if vn < 0:                                  # the support absorbs a push into it
                    vx, vy = vx - vn * sp.n[0], vy - vn * sp.n[1]
            self.settle(k, t, x, y, vx, vy)

    def _scheduled(self, t: float, kind: str, arg: Any) -> None:
        if kind == "hold":
            x, y, vx, vy = self.state(arg, t)
            self.saved_v[arg] = (vx, vy)
            self.mode[arg] = HELD
            self.events.append(Event(t, "hold", (self.actor[arg],)))
            self._start(arg, t, x, y, 0.0, 0.0, 0.0, 0.0)
        elif kind == "release":
            x, y, _, _ = self.state(arg, t)
            self.mode[arg] = FREE
            self.events.append(Event(t, "release", (self.actor[arg],)))
            self.settle(arg, t, x, y, *self.saved_v[arg])
        elif kind == "jump":
            i = self.body_of_actor[arg.actor]
            x, y, vx, vy = self.state(i, t)
            ax, ay = self.seg[i][5], self.seg[i][6]
            d = arg.advance
            x += arg.shift[0] + vx * d + 0.5 * ax * d * d
            y += arg.shift[1] + vy * d + 0.5 * ay * d * d
            vx, vy = vx + ax * d, vy + ay * d
            self.events.append(Event(t, "jump", (arg.actor,), {"shift": list(arg.shift), "advance": d}))
            if self.mode[i] == CARRIED:
                self.mode[i] = FREE
            self.settle(i, t, x, y, vx, vy)
        elif kind == "path":
            for i in self.s.containers[arg].contents:
                if self.mode[i] != HELD:
                    self.settle(i, t, *self.state(i, t))
        # "absent"/"present" only change which pairs can collide (checked in the loop)

    # ------------------------------------------------------------------ main loop

    def run(self) -> None:
        for i, b in enumerate(self.s.bodies):
            self.settle(i, 0.0, float(b.pos[0]), float(b.pos[1]), float(b.vel[0]), float(b.vel[1]))
        n = len(self.s.bodies)
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)
                 if self.z[i] == self.z[j] and not self.ghost[i] and not self.ghost[j]]
        t, k = 0.0, 0
        budget = MAX_EVENT_RATE * max(self.end, 1.0)
        while True:
            t_next = self.sched[k][0] if k < len(self.sched) else math.inf
            best: tuple[float, str, Any] = (min(t_next, self.end), "sched", None)
            for i in range(n):
                te, kind, j = self.body_event(i, t)
                if te < best[0]:
                    best = (te, kind, (i, j))
            for i, j in pairs:
                if not (self.exists(i, t) and self.exists(j, t)):
                    continue
                if self.mode[i] in (HELD, CARRIED) and self.mode[j] in (HELD, CARRIED):
                    continue
                te = self.pair_time(i, j, t, best[0])
                if te < best[0]:
                    best = (te, "pair", (i, j))
            t = best[0]
            if best[1] == "sched":
                if t >= self.end:
                    return
                _, _, kind, arg = self.sched[k]
                k += 1
                self._scheduled(t, kind, arg)
            elif best[1] == "pair":
                self._collide(*best[2], t)
            else:
                i, j = best[2]
                if best[1] == "impact":
                    self._impact(i, t, j)
                elif best[1] == "crease":
                    self._redirect(i, t, j, "crease")
                elif best[1] == "foot":
                    self._redirect(i, t, 0, "crease")       # the floor is support 0
                elif best[1] == "stop":
                    x, y, _, _ = self.state(i, t)
                    self.events.append(Event(t, "stop", (self.actor[i],)))
                    self.settle(i, t, x, y, 0.0, 0.0, support=j)
                else:                                       # leave: off an edge, fly free
                    x, y, vx, vy = self.state(i, t)
                    self.events.append(Event(t, "leave", (self.actor[i],), {"support": self.s.supports[j].name}))
                    self.mode[i], self.sup[i] = FREE, -1
                    self._start(i, t, x, y, vx, vy, self.gx, self.gy, left=j)
            budget -= 1
            if budget < 0:
                raise RuntimeError(f"physics: more than {MAX_EVENT_RATE} events per second near t = {t:.4f} s "
                                   "(bodies jammed?); check the scene")


def simulate(scene: Scene, edits: Edits | None = None, end: float | None = None) -> Simulation:
    """Simulate ``scene`` with ``edits`` (default: none) from t = 0 to ``end`` (default:
    the scene's duration) and return every actor's track and the event log."""
    edits = edits or Edits()
    end = float(scene.duration if end is None else end)
    eng = _Engine(scene, edits, end)
    eng.run()
    g = scene.gravity * edits.gravity_factor
    tracks: list[Any] = [None] * len(scene.actors)
    for i, b in enumerate(scene.bodies):
        tracks[b.actor] = eng.tracks[i]
    for p in scene.pendulums:
        holds = [(t0, t1) for a, t0, t1 in edits.holds if a == p.actor]
        tracks[p.actor] = PendulumMotion(p.pivot, p.length, p.angle, p.omega, g, holds)
    for c in scene.containers:
        tracks[c.actor] = PathTrack(c.path)
    return Simulation(scene, edits, end, tracks, eng.events)
