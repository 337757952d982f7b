"""Visual contact events: velocity discontinuities of the tracked probe objects.

A body moving under constant forces has a constant second difference of position,
D_i = x_{i+1} - 2 x_i + x_{i-1} (= a dt^2).  A contact changes the velocity by dv at time tau
in (t_i, t_{i+1}]; then D_i gets dv (t_{i+1} - tau) and D_{i+1} gets dv (tau - t_i) on top of
the constant, so with the residual R_j = D_j - b_j (b_j the median of D over the frames 2..4
away: the motion's own acceleration, gravity in flight and 0 at rest) projected on the jump's
direction (p_j = R_j . u, u = (R_i + R_{i+1}) / |R_i + R_{i+1}|; the baseline is computed
twice, the second time without the frames of the jumps the first pass found):

    tau = (p_i t_i + p_{i+1} t_{i+1}) / (p_i + p_{i+1})        (exact for a velocity step)

An event is a local maximum of |R_j| whose pair sum |R_i + R_{i+1}| (= |dv| dt, the whole
velocity change in px per frame) is at least ``MIN_JUMP_PX`` (3 px: centroid jitter of a pixel
or two gives residuals of at most about 2 px) and, in the second pass, ``SHARP`` = 4 times the
median |R| of the frames around the pair (a velocity *step*, not a smoothly turning
acceleration), on frames where the object is fully visible in j-1..j+1 (a partly hidden or
edge-clipped body has a jumping centroid).
Only jumps of an object running into cover or another object count (``touching``: a step in
mid-air is a release or a hand, a step away from a support is a lift, not an impact).  Tracks come from the shared probe analysis (``bench.metrics.probes.analysis.analyse``), so
the positions are camera compensated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_JUMP_PX = 3.0
#: A jump must also stand out from the residuals around it by this factor (a step, not a curve).
SHARP = 4.0
#: Approach speed (px per frame, towards the contact) below which a jump is no impact.
APPROACH_PX = 0.5


@dataclass
class VisualEvent:
    t: float          # s (sub-frame)
    frame: int        # the frame of the larger residual
    obj: str
    jump_px: float    # |residual| (px per frame^2)
    timed: bool = True  # False: the neighbour residual is missing (first/last frames, a gap);
                        # then t is only the frame time, +-1 frame, and is not used for offsets


def contact_events(xy: np.ndarray, present: np.ndarray, fps: float, name: str = "") -> list[VisualEvent]:
    """Velocity discontinuities of one track ``xy`` (T, 2) px, ``present`` (T,) bool."""
    T = len(xy)
    if T < 3:
        return []
    ok = present[:-2] & present[1:-1] & present[2:] & np.isfinite(xy).all(1)[1:-1] \
        & np.isfinite(xy).all(1)[:-2] & np.isfinite(xy).all(1)[2:]
    D = np.full((T, 2), np.nan)
    D[1:-1] = xy[2:] - 2 * xy[1:-1] + xy[:-2]
    D[1:-1][~ok] = np.nan
    good = np.isfinite(D).all(1)
    if good.sum() < 1:
        return []
    base_ok = good.copy()
    for sharp in (0.0, SHARP):   # pass 2: the baseline leaves out the frames of pass 1's jumps
        out = _jumps(D - _local_baseline(D, base_ok), good, fps, name, sharp, base_ok)
        base_ok = good.copy()
        for e in out:
            base_ok[max(0, e.frame - 1):e.frame + 2] = False
    return out


def _jumps(R: np.ndarray, good: np.ndarray, fps: float, name: str, sharp: float,
           quiet: np.ndarray) -> list[VisualEvent]:
    T = len(R)
    mag = np.where(good, np.linalg.norm(np.nan_to_num(R), axis=1), 0.0)
    out = []
    for i in range(1, T - 1):
        if mag[i] <= 0 or mag[i] < mag[i - 1] or mag[i] < mag[i + 1] or (mag[i] == mag[i - 1] and i > 1):
            continue
        j = i + 1 if mag[i + 1] >= mag[i - 1] else i - 1      # the neighbour sharing the jump
        a, b = (i, j) if j > i else (j, i)
        ra, rb = (R[a] if good[a] else 0 * R[i]), (R[b] if good[b] else 0 * R[i])
        s = ra + rb
        jump = float(np.linalg.norm(s))                       # dv dt in px: the whole velocity change
        if jump < max(MIN_JUMP_PX, sharp * _local_level(mag, quiet, a, b)):
            continue
        u = s / max(jump, 1e-9)
        pa, pb = max(float(ra @ u), 0.0), max(float(rb @ u), 0.0)
        tau = (pa * a + pb * b) / max(pa + pb, 1e-9) / fps
        out.append(VisualEvent(float(tau), i, name, jump, bool(good[i - 1] and good[i + 1])))
    return out


def _local_level(mag: np.ndarray, good: np.ndarray, a: int, b: int, reach: int = 4) -> float:
    """Median |R| of the ``good`` frames (here: not part of another jump) within ``reach`` of the
    pair (a, b), the pair excluded: how much the motion's acceleration varies anyway (a swinging
    pendulum, tracking noise)."""
    near = [mag[j] for j in range(a - reach, b + reach + 1)
            if 0 <= j < len(mag) and good[j] and j not in (a - 1, a, b, b + 1)]
    return float(np.median(near)) if near else 0.0


def _local_baseline(D: np.ndarray, good: np.ndarray, lo: int = 2, hi: int = 4) -> np.ndarray:
    """Per frame, the median second difference of the good frames 2..4 away (the motion's own
    acceleration: gravity in flight, 0 at rest), else the median of all good frames."""
    T = len(D)
    glob = np.median(D[good], axis=0) if good.any() else np.zeros(D.shape[1])
    offs = np.asarray([o for o in range(-hi, hi + 1) if abs(o) >= lo])
    idx = np.arange(T)[:, None] + offs[None, :]                           # (T, K)
    ok = (idx >= 0) & (idx < T)
    ok[ok] = good[idx[ok]]
    vals = np.where(ok[..., None], D[np.clip(idx, 0, T - 1)], np.nan)      # (T, K, 2)
    out = np.tile(glob, (T, 1))
    enough = ok.sum(1) >= 2
    if enough.any():
        out[enough] = np.nanmedian(vals[enough], axis=1)
    return out


def video_events(analysis: Any, merge_s: float = 0.05) -> list[VisualEvent]:
    """Contact events of every named object of a probe analysis, in time order; events of
    different objects closer than ``merge_s`` (both sides of one collision, two bodies landing
    together: one sound to the ear, as ``bench.audio.onsets`` separates onsets by 50 ms) are
    one event, the larger jump's.  Frames touching the picture's edge are left out (a body
    entering the frame has a clipped, jumping centroid), and so are frames where it is partly
    hidden (``ObjectTrack.full``)."""
    ev: list[VisualEvent] = []
    for name, obj in analysis.objects.items():
        seen = np.asarray(obj.full, bool) & ~np.asarray(obj.edge, bool)
        ev += [e for e in contact_events(np.asarray(obj.xy, float), seen, analysis.fps, name)
               if touching(analysis, obj, e.frame)]
    ev.sort(key=lambda e: e.t)
    out: list[VisualEvent] = []
    for e in ev:
        if out and e.t - out[-1].t < merge_s:
            if e.jump_px > out[-1].jump_px:
                out[-1] = e
            continue
        out.append(e)
    return out


def touching(analysis: Any, obj: Any, frame: int) -> bool:
    """Whether ``obj`` runs into something at a jump: in a frame around it, it touches cover
    (floor, ramp, wall) or another object (``Analysis.contact_normals``, allowing the distance it
    travels in a frame) and was moving towards it before the jump (approach speed along the
    contact normal above ``APPROACH_PX`` px per frame).  A step in mid-air (a release, a
    pendulum's turn) or away from a support from rest (a cup lifted, a body pushed) is no impact."""
    for t in range(max(0, frame - 1), min(analysis.T, frame + 2)):
        if obj.dets[t] is None:
            continue
        pre = [obj.xy[u] - obj.xy[u - 1] for u in (frame - 1, frame - 2) if u >= 1]
        pre = [v for v in pre if np.isfinite(v).all()]
        if not pre:
            continue
        v = pre[0]
        travel = float(np.linalg.norm(v))
        if any(float(v @ n) > APPROACH_PX for n in analysis.contact_normals(obj, t, travel)):
            return True
    return False


def something_hidden(analysis: Any, frame: int, radius: int = 1) -> bool:
    """Whether some named object is not fully visible (hidden, partly hidden, clipped, gone)
    in a frame within ``radius`` of ``frame``: a sound then may have a cause out of sight."""
    lo, hi = max(0, frame - radius), min(analysis.T - 1, frame + radius)
    return any(not np.asarray(o.full, bool)[lo:hi + 1].all() for o in analysis.objects.values())


def moving(analysis: Any, frame: int, radius: int = 2, px: float = 0.5) -> bool:
    """Whether any named object moves (centre displacement > ``px`` per frame, or appears or
    disappears) within ``frame +- radius``."""
    lo, hi = max(0, frame - radius), min(analysis.T - 1, frame + radius)
    for obj in analysis.objects.values():
        p = np.asarray(obj.present, bool)[lo:hi + 1]
        if p.any() and not p.all():
            return True
        xy = np.asarray(obj.xy, float)[lo:hi + 1]
        if p.all() and len(xy) > 1 and np.nanmax(np.linalg.norm(np.diff(xy, axis=0), axis=1)) > px:
            return True
    return False
