"""probe.continuity — no teleports, no stops or starts without a cause.

For each named object, velocities u_t = (p_t - p_prev) / (t - prev) are taken over consecutive
detections not clipped by the frame edge, at most 3 frames apart.  The constant-velocity
prediction of each step is the previous velocity, so its error (the innovation) is

    e_t = |u_t - u_prev|.

Smooth motion keeps e_t near its typical value (gravity adds a constant; position noise a
spread), so the allowance is

    allowed_t = m + K s + 0.1 D    (m = median e, s = 1.4826 MAD of e, K = 6, D the diameter)

plus, when the object touches something at either frame (``Analysis.in_contact``: cover — a
floor, ramp, wall, occluder edge — or another object), 2 |u_prev| + the other object's speed: a
bounce may reverse the velocity and a collision hand over speed.  A teleport (a jump in plain
view) and a sudden stop or start in mid-air (a frozen object, a frozen video) exceed it.
r = max_t e_t / allowed_t; value 2^(-r^2); pass iff r <= 1.

The median and MAD make the allowance self-calibrating: duplicated frames after frame-rate
resampling (steps alternating 0 and 2v) raise m and s instead of reading as stops and starts.

Improves on: VBench motion smoothness and warping error (pixel-level, object-blind), which
see a jump as a few changed pixels and cannot tell a fast object from a teleported one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, ObjectTrack
from bench.metrics.probes.base import ProbeCheck, result

K_SIGMA = 6.0
SHAPE_MARGIN = 0.1
MAX_GAP = 3
MIN_SPREAD = 0.2


def velocities(obj: ObjectTrack) -> list[tuple[int, int, np.ndarray]]:
    """(previous frame, frame, per-frame velocity) over consecutive unclipped detections."""
    ts = np.nonzero(obj.present & ~obj.edge)[0]
    return [(int(p), int(t), (obj.xy[t] - obj.xy[p]) / (t - p))
            for p, t in zip(ts[:-1], ts[1:]) if t - p <= MAX_GAP]


@METRICS.register("probe.continuity")
class ContinuityCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.continuity", version="1", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Innovation e_t = |u_t - u_prev| of each step against m + 6 s + 0.1 D (median and "
                    "1.4826 MAD of e), plus 2|u_prev| + neighbour speed in contact; r = max e/allowed; "
                    "value 2^(-r^2), pass iff >= 0.5.",
        reference="Improves on VBench motion smoothness / warping error (pixel-level, object-blind): a "
                  "teleport or an uncaused stop is a step far off the tracked object's prediction.",
    )
    expect_keys = ()

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        return [o["name"] for o in probe.get("objects") or []]

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        objs = [a.objects[n] for n in self.subjects(probe)]
        speed_at = {o.name: {t: float(np.linalg.norm(u)) for _, t, u in velocities(o)} for o in objs}
        worst, msg = 0.0, ""
        for o in objs:
            vs = velocities(o)
            if len(vs) < 3:
                continue
            e = np.array([np.linalg.norm(vs[i][2] - vs[i - 1][2]) for i in range(1, len(vs))])
            m = float(np.median(e))
            s = max(1.4826 * float(np.median(np.abs(e - m))), MIN_SPREAD)
            base = m + K_SIGMA * s + SHAPE_MARGIN * o.diameter
            for i in range(1, len(vs)):
                p, t, u = vs[i]
                u_prev = vs[i - 1][2]
                allowed = base
                if a.in_contact(o, p) or a.in_contact(o, t):
                    v_other = max((speed_at[q.name].get(x, 0.0) for q in objs if q is not o
                                   for x in range(p - 1, t + 2)), default=0.0)
                    allowed += 2 * float(np.linalg.norm(u_prev)) + v_other
                r = float(e[i - 1]) / allowed
                if r > worst:
                    worst = r
                    before, after = float(np.linalg.norm(u_prev)), float(np.linalg.norm(u))
                    if after < 0.25 * before:
                        what = f"stops dead (speed {before:.1f} → {after:.1f} px/frame)"
                    elif before < 0.25 * after:
                        what = f"starts moving abruptly (speed {before:.1f} → {after:.1f} px/frame)"
                    else:
                        what = f"jumps {float(e[i - 1]) * (t - p):.0f} px off its predicted position"
                    msg = (f"{o.name} {what} between frames {p} and {t} with nothing touching it "
                           f"(allowed change {allowed:.1f} px/frame)" if allowed == base else
                           f"{o.name} {what} between frames {p} and {t} (allowed change {allowed:.1f} "
                           f"px/frame, in contact)")
        if worst <= 1:
            msg = f"no teleport or uncaused stop: every step within its allowance (largest {worst:.0%} of it)"
        return result(worst, msg)
