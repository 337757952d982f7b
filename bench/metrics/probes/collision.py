"""probe.collision — after a moving object hits a resting one, momentum goes the right way.

``expect.collision = {"a": mover, "b": target}``.  Contact is the first frame at which the
centres come within 1.15 (D_a + D_b) / 2 (touching discs, plus 15 % for blur and the box
corners), or at which b has moved 0.03 H from its start, whichever is first.  Velocities are
constant-velocity fits (``kinematics.fit_linear``) over up to 5 fully visible frames before
contact (v_a, v_b) and over frames contact+1 .. contact+5 after it (v_a', v_b': soon, before friction or walls
change them); masses are
taken proportional to area^1.5 (discs and boxes drawn from spheres and cubes) for the momentum
heading.  Errors:

- direction:  r_dir  = (1 - cos(v_b', v_a)) / 0.5         b leaves within 60 deg of a's heading
- b moves:    r_move = 0.15 |v_a| / |v_b'|                  b gets at least 15 % of a's speed
- a no faster: r_fast = max(0, |v_a'| - |v_a|) / (0.15 |v_a| + 0.3 px)
- momentum:   r_mom  = (1 - cos(P', P)) / (1 - cos 45 deg)  total momentum keeps its heading
- energy:     r_ke   = max(0, KE'/KE - 1) / 0.2              nothing gains kinetic energy, with
  the mass ratio the video implies by momentum conservation along a's heading,
  m_b / m_a = (A0 - A1) / (B1 - B0) (A, B the velocity components along v_a before/after; the
  area guess when that is not positive): masses need not be known
- overlap:    r_pen  = max(0, 1 - d_min / R) / 0.3          d_min the closest approach of the
  centres from contact on, R = (D_a + D_b) / 2: centres closer than 0.7 R mean the bodies
  pass into each other (interpenetration); touching boxes sit at 0.89 R, discs at 1.0 R.

r = the worst; value 2^(-r^2); pass iff r <= 1.  a never moving (|v_a| < 0.003 H per frame) is
a set-up failure; a moving but never reaching b is r = 2 ("never reaches").  If b has left the
picture right after the hit, the frames it is seen in are used.

Improves on: VLM questions about collisions (VBench-2.0 mechanics, WorldModelBench Newton,
saturated), which cannot check directions or energy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, ObjectTrack
from bench.metrics.probes.base import ProbeCheck, join, result, setup_failed
from bench.metrics.probes.kinematics import Linear, fit_linear

CONTACT_SLACK = 1.15
MOVE_FRAC = 0.03
DIR_COS = 0.5
B_SPEED = 0.15
FAST_TOL = 0.15
MOM_COS = math.cos(math.radians(45))
KE_TOL = 0.2
PEN_TOL = 0.3
STILL = 0.003


def _fit(obj: ObjectTrack, lo: int, hi: int, last: bool) -> Linear | None:
    ts = np.nonzero(obj.full[max(lo, 0):max(hi, 0)])[0] + max(lo, 0)
    if len(ts) < 2:
        ts = np.nonzero((obj.present & ~obj.edge)[max(lo, 0):max(hi, 0)])[0] + max(lo, 0)
    if len(ts) < 2:
        return None
    ts = ts[-5:] if last else ts[:5]
    return fit_linear(ts, obj.xy[ts])


def _cos(u: np.ndarray, v: np.ndarray) -> float:
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    return float(u @ v / (nu * nv)) if nu > 0 and nv > 0 else 0.0


@METRICS.register("probe.collision")
class CollisionCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.collision", version="4", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Velocities fitted before/after contact: b within 60 deg of a's heading, b gets >= 15 % "
                    "of a's speed, a not faster (15 %), momentum heading within 45 deg, KE gain <= 20 %, "
                    "centres never closer than 0.7 (D_a+D_b)/2; value 2^(-r^2) of the worst, pass iff >= 0.5.",
        reference="Improves on VBench-2.0 / WorldModelBench collision questions (VLM yes/no, saturated): "
                  "measured momentum direction, speed and energy of the two named bodies.",
    )
    expect_keys = ("collision",)

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        c = probe["expect"]["collision"]
        return [c["a"], c["b"]]

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        A, B = (a.objects[n] for n in self.subjects(probe))
        R = (A.diameter + B.diameter) / 2
        both = np.nonzero(A.present & B.present)[0]
        b_start = B.xy[B.seen[0]]
        tc = None
        for t in range(a.T):
            near = A.present[t] and B.present[t] and np.linalg.norm(A.xy[t] - B.xy[t]) <= CONTACT_SLACK * R
            pushed = B.present[t] and np.linalg.norm(B.xy[t] - b_start) >= MOVE_FRAC * a.H
            if near or pushed:
                tc = t
                break
        first = _fit(A, 0, tc if tc is not None else a.T, last=True)
        if first is None or first.speed < STILL * a.H:
            return setup_failed(f"{A.name} never moves towards {B.name}")
        va = first.v
        if tc is None:
            dmin = float(np.min(np.linalg.norm(A.xy[both] - B.xy[both], axis=1))) if len(both) else math.inf
            return result(2.0, f"{A.name} never reaches {B.name} (closest approach {dmin:.0f} px, contact at "
                               f"{CONTACT_SLACK * R:.0f} px)")
        pre_b = _fit(B, 0, tc, last=True)
        vb = pre_b.v if pre_b is not None else np.zeros(2)
        post_a = _fit(A, tc + 1, tc + 6, last=False)
        post_b = _fit(B, tc + 1, tc + 6, last=False)
        if post_b is None:
            post_b = _fit(B, tc + 1, a.T, last=False)
        if post_a is None:
            post_a = _fit(A, tc + 1, a.T, last=False)
        rs: dict[str, float] = {}
        why: dict[str, str] = {}
        sa = first.speed
        if post_b is not None:
            vb2 = post_b.v
            c = _cos(vb2, va)
            rs["dir"] = (1 - c) / (1 - DIR_COS)
            why["dir"] = (f"{B.name} moves off at {math.degrees(math.acos(max(-1.0, min(1.0, c)))):.0f}° from "
                          f"{A.name}'s heading")
            rs["move"] = B_SPEED * sa / max(post_b.speed, 1e-9)
            why["move"] = f"{B.name} barely moves after the hit ({post_b.speed:.2f} px/frame vs {sa:.2f})"
        else:
            vb2 = None
            rs["move"] = 2.0
            why["move"] = f"{B.name} is not seen after the hit"
        if post_a is not None:
            rs["fast"] = max(0.0, post_a.speed - sa) / (FAST_TOL * sa + 0.3)
            why["fast"] = f"{A.name} speeds up from {sa:.2f} to {post_a.speed:.2f} px/frame after the hit"
        if post_a is not None and vb2 is not None:
            ma, mb = A.ref_area ** 1.5, B.ref_area ** 1.5
            p0, p1 = ma * va + mb * vb, ma * post_a.v + mb * vb2
            rs["mom"] = (1 - _cos(p1, p0)) / (1 - MOM_COS)
            why["mom"] = "the total momentum changes direction"
            # the mass ratio the video itself implies: momentum along a's heading is conserved,
            # m_b / m_a = (A0 - A1) / (B1 - B0); the area guess only if that is not positive
            u = va / sa
            dA, dB = float((va - post_a.v) @ u), float((vb2 - vb) @ u)
            rho = dA / dB if dA > 0 and dB > 0 else mb / ma
            ke0 = sa ** 2 + rho * float(vb @ vb)
            ke1 = post_a.speed ** 2 + rho * post_b.speed ** 2
            rs["ke"] = max(0.0, ke1 / ke0 - 1) / KE_TOL
            why["ke"] = f"kinetic energy grows by {100 * (ke1 / ke0 - 1):.0f} %"
        after = both[both >= tc]
        if len(after):
            dmin = float(np.min(np.linalg.norm(A.xy[after] - B.xy[after], axis=1)))
            rs["pen"] = max(0.0, 1 - dmin / R) / PEN_TOL
            why["pen"] = (f"{A.name} and {B.name} pass into each other (centres {dmin:.0f} px apart, "
                          f"touching at {R:.0f} px)")
        k = max(rs, key=rs.get)
        r = rs[k]
        if r > 1:
            reason = join(*(why[n] for n in sorted(rs, key=rs.get, reverse=True) if rs[n] > 1),
                          f"contact at frame {tc}")
        else:
            reason = (f"{A.name} hits {B.name} at frame {tc}; {B.name} moves off along {A.name}'s heading "
                      f"and nothing gains speed")
        return result(r, reason, contact=tc, **{f"r_{n}": float(v) for n, v in rs.items()})
