"""probe.continuity — objects exist and move continuously: no teleport, blink, or uncaused stop.

Motion.  For each named object, velocities u_t = (p_t - p_prev) / (t - prev) are taken over
consecutive fully visible detections (not clipped by the frame edge nor partly hidden, whose
centroids are biased; a motion-blurred object is fully visible, ``analysis``), at most 3 frames
apart; an innovation compares only two velocities that share a frame (across a longer gap the
motion in between is unknown).  The
constant-velocity prediction of each step is the previous velocity, so its error (the
innovation) is Δu_t = u_t - u_prev.  Smooth motion keeps |Δu| near its typical value (gravity
adds a constant, position noise a spread), so the allowance is

    allowed = m + K s + 0.1 D    (m = median |Δu|, s = 1.4826 MAD of |Δu|, K = 6, D the diameter)

(median and MAD over the steps in which the object moves, >= 0.005 H per frame, so that a long
rest does not shrink the allowance to nothing, and touches nothing, so that bounces and
collisions — judged by the contact rule below — do not inflate it; with fewer than 3 such
steps, over all moving steps).

A contact can change a velocity only along its normal: when the object touches something at
either frame (``Analysis.contact_normals``: cover — a floor, ramp, wall — or another object,
within the object's fastest step, since a contact can fall between frames), the
components of Δu along the contact normals are free (a bounce reverses the normal velocity, a
collision pushes along the line of centres), and so is a tangential change up to the normal
one (the friction of an impact, Coulomb with mu <= 1: a landing box stops sliding at once):

    e_t = max(|Δu_tan| - |Δu_norm|, |u_t| - max(|u_prev|, |u_prev2|, v_other), 0)

with Δu_norm the projection of Δu on the normals and Δu_tan the rest; the second term is a
speed gain beyond anything available (v_other: the fastest other object).
Away from contacts e_t = |Δu_t|.  A teleport, a stop or start in mid-air, or a rolling object
halting dead on the floor (its normal is vertical, its velocity horizontal) exceed the
allowance.  The median and MAD make it self-calibrating: duplicated frames after frame-rate
resampling (steps alternating 0 and 2v) raise m and s instead of reading as stops and starts.

Existence.  An object missing for at most 3 frames (a blink) where bare backdrop shows along
the straight line between its neighbouring sightings (``Analysis.absence`` = "open") breaks
continuity too: each such frame counts r = 2 (as if twice the allowance).

r = max over steps of e_t / allowed (and the blinks); value 2^(-r^2); pass iff r <= 1.

Improves on: VBench motion smoothness and warping error (pixel-level, object-blind), which
see a jump as a few changed pixels and cannot tell a fast object from a teleported one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, ObjectTrack, frame_span
from bench.metrics.probes.base import ProbeCheck, result

K_SIGMA = 6.0
SHAPE_MARGIN = 0.1
MAX_GAP = 3
MIN_SPREAD = 0.25
BLINK_R = 2.0
MOVING_FRAC = 0.005
NEW_DIRECTION = 0.35
MIN_REF_STEPS = 3


def velocities(obj: ObjectTrack) -> list[tuple[int, int, np.ndarray]]:
    """(previous frame, frame, per-frame velocity) over consecutive fully visible detections."""
    ts = np.nonzero(obj.full)[0]
    return [(int(p), int(t), (obj.xy[t] - obj.xy[p]) / (t - p))
            for p, t in zip(ts[:-1], ts[1:]) if t - p <= MAX_GAP]


def _free_part(du: np.ndarray, normals: list[np.ndarray]) -> np.ndarray:
    """``du`` less its projection on the span of ``normals`` (Gram-Schmidt; normals within
    about 20 degrees of one already taken add nothing, so two sightings of one floor do not
    span the plane)."""
    basis: list[np.ndarray] = []
    for n in normals:
        v = n - sum((n @ b) * b for b in basis)
        if np.linalg.norm(v) > NEW_DIRECTION:
            basis.append(v / np.linalg.norm(v))
        if len(basis) == 2:
            return np.zeros(2)
    return du - sum((du @ b) * b for b in basis)


def _jump_step(vs: list[tuple[int, int, np.ndarray]], i: int) -> tuple[int, int]:
    """The frames of the step that jumped, of the two steps (``i - 1``, ``i``) whose velocity
    change exceeds the allowance: a jump makes one velocity an outlier against both its
    neighbours, and both innovations next to it large; the outlier is where it happened."""
    def off(j: int) -> float:
        if j < 1 or j + 1 >= len(vs) or vs[j - 1][1] != vs[j][0] or vs[j][1] != vs[j + 1][0]:
            return -1.0
        return float(np.linalg.norm(vs[j][2] - (vs[j - 1][2] + vs[j + 1][2]) / 2))
    j = i - 1 if off(i - 1) > off(i) else i
    return vs[j][0], vs[j][1]


def blinks(a: Analysis, obj: ObjectTrack) -> list[int]:
    """Frames of short absences (<= MAX_GAP) in plain view between two sightings."""
    out: list[int] = []
    for s, e in obj.absent_runs():
        if e - s + 1 > MAX_GAP or e >= a.T - 1:
            continue
        p0, p1 = obj.xy[s - 1], obj.xy[e + 1]
        for t in range(s, e + 1):
            w = (t - s + 1) / (e - s + 2)
            if a.absence(obj, t, (1 - w) * p0 + w * p1) == "open":
                out.append(t)
    return out


@METRICS.register("probe.continuity")
class ContinuityCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.continuity", version="5", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Innovation |u_t - u_prev| of each step (in contact: less its part along the contact "
                    "normals, or a speed gain) against m + 6 s + 0.1 D (median, 1.4826 MAD); blinks in plain "
                    "view count r = 2; r = max e/allowed; value 2^(-r^2), pass iff >= 0.5.",
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
            gone = blinks(a, o)
            if gone and BLINK_R > worst:
                worst = BLINK_R
                msg = f"{o.name} blinks out in plain view in {frame_span(gone[0], gone[-1])}"
            vs = velocities(o)
            if len(vs) < 3:
                continue
            # an innovation compares two velocities that share a frame: across a longer gap
            # (frames not fully visible) the motion in between is unknown, not a jump
            e = np.array([np.linalg.norm(vs[i][2] - vs[i - 1][2]) if vs[i - 1][1] == vs[i][0] else 0.0
                          for i in range(1, len(vs))])
            # contact reach: the object's fastest steps (a contact may fall between two frames)
            speeds = sorted(float(np.linalg.norm(u)) for _, _, u in vs)
            travel = float(np.median(speeds[-3:]))  # robust to the one step of a teleport
            normals_at = {t: a.contact_normals(o, t, travel) for t in {x for p_, t_, _ in vs for x in (p_, t_)}}
            moving = np.array([max(np.linalg.norm(vs[i][2]), np.linalg.norm(vs[i - 1][2])) >= MOVING_FRAC * a.H
                               for i in range(1, len(vs))])
            free = np.array([not (normals_at[vs[i][0]] or normals_at[vs[i][1]]) for i in range(1, len(vs))])
            # the typical innovation of *free* motion: bounces and collisions, judged on their own
            # below, would otherwise inflate the allowance until a stop in mid-air fits in it
            linked = np.array([vs[i - 1][1] == vs[i][0] for i in range(1, len(vs))])
            if not linked.any():
                continue
            ref = next((e[k] for k in (moving & free & linked, moving & linked) if k.sum() >= MIN_REF_STEPS),
                       e[linked])
            m = float(np.median(ref))
            s = max(1.4826 * float(np.median(np.abs(ref - m))), MIN_SPREAD)
            base = m + K_SIGMA * s + SHAPE_MARGIN * o.diameter
            for i in range(1, len(vs)):
                p, t, u = vs[i]
                u_prev = vs[i - 1][2]
                speed, before = float(np.linalg.norm(u)), float(np.linalg.norm(u_prev))
                normals = normals_at[p] + normals_at[t]
                if vs[i - 1][1] != p:
                    continue
                if normals:
                    v_other = max((speed_at[q.name].get(x, 0.0) for q in objs if q is not o
                                   for x in range(p - 1, t + 2)), default=0.0)
                    earlier = float(np.linalg.norm(vs[i - 2][2])) if i >= 2 else before
                    du = u - u_prev
                    free = _free_part(du, normals)
                    # an impact's friction may change the tangential velocity by up to the
                    # normal impulse (Coulomb, mu <= 1): a landing box stops sliding at once
                    err = max(float(np.linalg.norm(free)) - float(np.linalg.norm(du - free)),
                              speed - max(before, earlier, v_other), 0.0)
                else:
                    err = float(e[i - 1])
                r = err / base
                if r > worst:
                    worst = r
                    where = "while touching something" if normals else "with nothing touching it"
                    if speed < 0.25 * before:
                        what = f"stops dead (speed {before:.1f} → {speed:.1f} px/frame)"
                    elif before < 0.25 * speed:
                        what = f"starts moving by itself (speed {before:.1f} → {speed:.1f} px/frame)"
                    else:
                        what = f"jumps {err * (t - p):.0f} px off its predicted position"
                        p, t = _jump_step(vs, i)
                        touching = normals_at[p] + normals_at[t]
                        where = "while touching something" if touching else "with nothing touching it"
                    msg = (f"{o.name} {what} between frames {p} and {t} {where} "
                           f"(allowed change {base:.1f} px/frame)")
        if worst <= 1:
            msg = f"no teleport, blink or uncaused stop: every step within its allowance (largest {worst:.0%} of it)"
        return result(worst, msg)
