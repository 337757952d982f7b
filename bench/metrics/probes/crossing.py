"""probe.crossing — two subjects cross paths without swapping or blending.

``expect.cross = [a, b]``.  The crossing starts at the first frame at which their centres come
within 1.5 R (R = (D_a + D_b) / 2) or one of them is hidden behind the other, and ends at the
last such frame.  Before it, each subject's path is fitted at constant velocity over its last 5
fully visible frames; after it, over the first 5 fully visible frames (up to 8 frames on), each
subject's observed positions are compared with both predicted paths:

- continuity: r_path = e_self / (0.5 D + 0.05 H + 0.1 |v| dt), e_self the mean distance to its
  own predicted path, dt the frames since the fit (prediction error grows with the horizon);
- no swap: r_swap = e_self / e_other (it must be nearer its own path than the other's);
- no blend: r_look = colour/size/shape change before vs after (``looks.differences``).

A subject missing after the crossing where backdrop shows, or replaced on its path by a
component of another colour (``Analysis.impostor``: it turned into something else), counts
r = inf.  r = the worst over
both subjects; value 2^(-r^2); pass iff r <= 1.  Subjects that never come close are a set-up
failure (there is no crossing to judge).

Improves on: whole-frame identity consistency (VBench DINO/CLIP, ArcFace to frame 0), which
cannot tell two subjects apart once they have exchanged places.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis
from bench.metrics.probes.base import ProbeCheck, join, result, setup_failed
from bench.metrics.probes.kinematics import extrapolate
from bench.metrics.probes.looks import differences, look

NEAR = 1.5
N_FIT = 5
HORIZON = 8


@METRICS.register("probe.crossing")
class CrossingCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.crossing", version="4", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Constant-velocity paths before the crossing; after it, r_path = e_self/(0.5 D + 0.05 H "
                    "+ 0.1 |v| dt), r_swap = e_self/e_other, look change in tolerances; value 2^(-r^2) of the "
                    "worst, pass iff >= 0.5.",
        reference="Improves on VBench DINO/CLIP subject consistency and ArcFace-to-frame-0 (cannot tell two "
                  "subjects apart after they trade places): per-subject path continuation and swap margin.",
    )
    expect_keys = ("cross",)

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        return list(probe["expect"]["cross"])

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        A, B = (a.objects[n] for n in self.subjects(probe))
        R = (A.diameter + B.diameter) / 2
        start = max(int(A.seen[0]), int(B.seen[0]))
        close = []
        for t in range(start, a.T):
            if A.present[t] and B.present[t]:
                if np.linalg.norm(A.xy[t] - B.xy[t]) <= NEAR * R:
                    close.append(t)
            elif A.present[t] or B.present[t]:
                hid, vis = (B, A) if A.present[t] else (A, B)
                p = extrapolate(hid, t)
                if np.linalg.norm(p.at(t) - vis.xy[t]) <= NEAR * R:
                    close.append(t)
        if not close:
            return setup_failed(f"{A.name} and {B.name} never come close to each other (no crossing)")
        t0, t1 = close[0], close[-1]
        paths = {o.name: extrapolate(o, t0, N_FIT) for o in (A, B)}
        rs: dict[str, float] = {}
        why: dict[str, str] = {}
        for o, other in ((A, B), (B, A)):
            ts = [t for t in np.nonzero(o.full)[0] if t1 < t <= t1 + HORIZON][:N_FIT]
            if not ts:
                imp = a.impostor(o, paths[o.name].at, t0)
                gone = [t for t in range(t1 + 1, a.T) if not o.present[t]
                        and a.absence(o, t, paths[o.name].at(t)) == "open"]
                if imp is not None:
                    rs[o.name] = math.inf
                    why[o.name] = f"{o.name} turns into a {imp.colour_name} object at the crossing (frame {imp.t})"
                elif gone:
                    rs[o.name] = math.inf
                    why[o.name] = f"{o.name} is missing after the crossing (frames {gone[0]}–{gone[-1]})"
                continue
            own, oth = paths[o.name], paths[other.name]
            e_self = float(np.mean([np.linalg.norm(o.xy[t] - own.at(t)) for t in ts]))
            e_other = float(np.mean([np.linalg.norm(o.xy[t] - oth.at(t)) for t in ts]))
            dt = float(np.mean(ts)) - own.t0
            tol = 0.5 * o.diameter + 0.05 * a.H + 0.1 * own.speed * dt
            r_path, r_swap = e_self / tol, e_self / max(e_other, 1e-6)
            pre = [t for t in np.nonzero(o.full[:t0])[0]][-3:]
            lb, la = look(o.dets[t] for t in pre), look(o.dets[t] for t in ts[:3])
            diffs = differences(lb, la) if lb is not None else {"colour": 0.0}
            k = max(diffs, key=diffs.get)
            r = max(r_path, r_swap, diffs[k])
            rs[o.name] = r
            if r_swap > 1 and r_path > 1:
                why[o.name] = (f"{o.name} continues on {other.name}'s path after the crossing ({e_other:.0f} px "
                               f"from it, {e_self:.0f} px from its own): the two swap")
            elif r_path > 1:
                why[o.name] = f"{o.name} leaves its path at the crossing ({e_self:.0f} px off, tolerance {tol:.0f} px)"
            elif diffs[k] > 1:
                why[o.name] = f"{o.name} changes {k} at the crossing: {lb.describe(k)} → {la.describe(k)}"
        r = max(rs.values(), default=0.0)
        if r > 1:
            reason = join(*(why[n] for n in sorted(why, key=lambda n: rs[n], reverse=True)))
        else:
            reason = (f"{A.name} and {B.name} cross in frames {t0}–{t1} and each keeps its own path and look")
        return result(r, reason, crossing=(t0, t1))
