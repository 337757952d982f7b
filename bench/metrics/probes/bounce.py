"""probe.bounce — successive bounce apexes never rise, and nothing passes into the floor.

The bouncing object (``expect.bounce``) is followed over its fully visible frames.  Floor
contacts are the bounce turning points of its path (``kinematics.turning_points``: the lowest
point with a velocity reversal, gravity "down"; mirrored for "up").  With y_c the median
height of the contacts, the k-th apex height is h_k = y_c - min y over the k-th flight (the
first flight's apex is the release height; the last flight's minimum is a lower bound of its
apex, which is enough to prove a rise; frames clipped by the top edge, and leaving through it for
good, give such bounds too, ``height_proxy``).  Energy is never gained:

    r_rise = max_k max(0, h_k - h_{k-1}) / (0.05 h_{k-1} + 0.02 H)

(5 % of the previous apex plus 2 % of the frame height: sampling at frame times misses an apex
by at most v^2/8a, a few percent, and centroids jitter by a pixel or two).  No tunnelling: the
floor top is read from the static cover map beside the object (on a ground plane seen from above,
where an object rests wholly below the floor's top edge, that edge is the far end of the floor
behind it: the contact line is then the object's own lowest point); the object may overlap it by at
most 0.15 of its diameter plus 2 px (anti-aliasing, blur, compression),

    r_sink = max_t (bottom_t - floor_top) / (0.15 d + 2),

and an object that vanishes for good into the floor (last seen touching it, or due to reach it
within its next step, never outside the frame) counts r = 3.  An object that never touches the
floor but rises more than 0.05 H above where it started has gained energy from nothing: r = 2.
Value 2^(-r^2) with r = the worst of these; pass iff r <= 1.  A ball that never bounces (stops
dead, or never reaches the floor) fails, r = 2: the bounce the probe expects never happens.

Improves on: VLM questions about bouncing (WorldModelBench, VBench-2.0 mechanics) that cannot
measure apex heights; Physics-IQ pixel IoU, which rewards matching motion masks whatever the
energy budget.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, ObjectTrack
from bench.metrics.probes.base import ProbeCheck, join, result
from bench.metrics.probes.kinematics import extrapolate, turning_points, visible_pieces

RISE_FRAC, RISE_ABS = 0.05, 0.02
SINK_FRAC, SINK_PX = 0.15, 2.0
AWAY_FRAC = 0.05
#: Frames at its lowest point in which an object counts as resting there.
REST_FRAMES = 3
#: r of an expected bounce that never happens.
NEVER_R = 2.0


def height_proxy(a: Analysis, obj: ObjectTrack, gravity: str) -> np.ndarray:
    """Per frame, the object's depth along gravity (world y for "down", -y for "up"; NaN where
    unknown): its centre when fully visible; when clipped by the frame edge it fell away from
    (the top under "down"), the bound the visible part gives (its far edge minus a radius);
    after leaving through that edge for good, the frame edge minus a radius (a lower bound on
    how high it went); likewise while it is gone for >= 3 frames between two sightings with
    nothing hiding its path (it was beyond that edge)."""
    sign = 1.0 if gravity == "down" else -1.0
    out = np.full(a.T, np.nan)
    r = obj.diameter / 2
    out[obj.full] = sign * obj.xy[obj.full, 1]
    top = 0.0 if gravity == "down" else float(a.H)
    for t in np.nonzero(obj.present & obj.edge)[0]:
        x0, y0, x1, y1 = obj.dets[t].bbox
        if gravity == "down" and y0 <= 0:
            out[t] = (y1 - r) - a.camera.path[t, 1]
        elif gravity == "up" and y1 >= a.H:
            out[t] = -((y0 + r) - a.camera.path[t, 1])
    for s0, e0 in obj.absent_runs():
        # gone for >= 3 frames between two sightings with nothing hiding its straight path: it
        # was outside the picture, i.e. beyond the edge it fell away from (a bounce too high)
        if e0 >= a.T - 1 or e0 - s0 + 1 < 3:
            continue
        p0, p1 = obj.xy[s0 - 1], obj.xy[e0 + 1]
        ts = range(s0, e0 + 1)
        if all(a.absence(obj, t, p0 + (p1 - p0) * (t - s0 + 1) / (e0 - s0 + 2)) == "open" for t in ts):
            mid = (s0 + e0) // 2
            out[mid] = sign * (top - sign * r) - sign * a.camera.path[mid, 1]
    seen = obj.seen
    if len(seen) and seen[-1] < a.T - 1:
        t = int(seen[-1]) + 1
        path = extrapolate(obj, t)
        away = sign * path.v[1] < 0
        if away and (obj.edge[t - 1] or a.absence(obj, t, path.at(t)) == "outside"):
            out[t] = sign * (top - sign * r) - sign * a.camera.path[t, 1]
    return out


def contacts(obj: ObjectTrack, gravity: str, height: int) -> list[int]:
    """Frames of floor (ceiling) contacts: bounce turning points at a local extreme of y."""
    out: list[int] = []
    sign = 1.0 if gravity != "up" else -1.0
    for t in visible_pieces(obj, 2):
        y = sign * obj.xy[t, 1]
        for i in turning_points(t, obj.xy[t], "up" if gravity == "up" else "down", height):
            if y[i] >= y[i - 1] and y[i] >= y[i + 1]:
                out.append(int(t[i]))
    return out


@METRICS.register("probe.bounce")
class BounceCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.bounce", version="4", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Apex heights h_k above the contact level: r_rise = max(0, h_k - h_{k-1}) / "
                    "(0.05 h_{k-1} + 0.02 H); floor overlap r_sink = depth / (0.15 d + 2 px); vanishing "
                    "into the floor r = 3; value 2^(-r^2), pass iff >= 0.5.",
        reference="Improves on VLM bounce questions (WorldModelBench, VBench-2.0) and Physics-IQ pixel IoU: "
                  "measured apex heights of the named object and its overlap with the floor.",
    )
    expect_keys = ("bounce",)

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        return [probe["expect"]["bounce"]]

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        g = (probe.get("expect") or {}).get("gravity", "down")
        g = "up" if g == "up" else "down"
        obj = a.objects[probe["expect"]["bounce"]]
        H = a.H
        depth = height_proxy(a, obj, g)
        ts = np.nonzero(np.isfinite(depth))[0]
        cs = contacts(obj, g, H)
        parts: list[str] = []
        r_rise = 0.0
        heights: list[float] = []
        if cs and len(ts):
            yc = float(np.median(depth[cs]))
            bounds = [-1] + cs + [a.T]
            for lo, hi in zip(bounds[:-1], bounds[1:]):
                sel = ts[(ts > lo) & (ts < hi)]
                if len(sel):
                    heights.append(yc - float(np.min(depth[sel])))
            worst_k = None
            for k in range(1, len(heights)):
                tol = RISE_FRAC * heights[k - 1] + RISE_ABS * H
                rk = max(0.0, heights[k] - heights[k - 1]) / tol
                if rk > r_rise:
                    r_rise, worst_k = rk, k
            hs = " → ".join(f"{h:.0f}" for h in heights)
            if worst_k is not None and r_rise > 1:
                parts.append(f"{obj.name}'s apex rises from {heights[worst_k - 1]:.0f} to {heights[worst_k]:.0f} px "
                             f"after the contact at frame {cs[worst_k - 1]} (apex heights {hs} px): energy gained")
            else:
                parts.append(f"{obj.name} bounces {len(cs)} time(s), apex heights {hs} px never rise")
        elif len(ts) and float(depth[ts[0]] - np.min(depth[ts])) >= AWAY_FRAC * H:
            rise = float(depth[ts[0]] - np.min(depth[ts]))
            r_rise = 2.0
            parts.append(f"{obj.name} rises {rise:.0f} px above where it started without a bounce to explain it: "
                         f"energy gained")
        else:
            r_rise = NEVER_R
            parts.append(f"{obj.name} never bounces, though the prompt says it does (no floor contact with a "
                         f"reversal)")
        r_sink, sink_msg = self._sink(a, obj, g)
        if sink_msg:
            parts.append(sink_msg)
        r_through, through_msg = self._vanish_into_floor(a, obj, g)
        if through_msg:
            parts.append(through_msg)
        r = max(r_rise, r_sink, r_through)
        if r > 1 and r_rise < NEVER_R:
            parts = [p for p in parts if "never rise" not in p and "never bounces" not in p]
        return result(r, join(*parts), contacts=cs, apex_heights=heights)

    def _floor_top(self, a: Analysis, obj: ObjectTrack, t: int, g: str) -> float | None:
        """The contact line under ``obj`` at ``t``: the top of the static floor beside it, or,
        on a ground plane seen from above, the object's own lowest point over the video: when
        the object rests there (``REST_FRAMES`` frames, not at the frame edge) with the floor
        showing above it too (a quarter diameter above its top), the floor's top edge is the far
        end of the floor behind it, not where it stands (a body sunk into a floor seen from the
        side straddles the edge: backdrop shows above it)."""
        d = obj.dets[t]
        x0, _, x1, _ = d.bbox
        w = x1 - x0
        if g != "down":
            return None
        top = a.scene.surface_top(x0 - w, x1 + w, d.bbox[1])
        if top is None:
            return None
        lowest = max(obj.dets[u].bbox[3] for u in obj.seen)
        rest = [u for u in obj.seen if obj.dets[u].bbox[3] >= lowest - 2.0 and not obj.edge[u]]
        if lowest > top + SINK_PX and len(rest) >= REST_FRAMES:
            above = min(obj.dets[u].bbox[1] for u in rest) - 0.25 * obj.diameter
            behind = a.scene.surface_top(x0 - w, x1 + w, above)
            if behind is not None and behind <= above + 2.0 / a.scene.scale:
                return lowest
        return top

    def _sink(self, a: Analysis, obj: ObjectTrack, g: str) -> tuple[float, str]:
        if g != "down":
            return 0.0, ""
        allowed = SINK_FRAC * obj.diameter + SINK_PX
        worst, wt, depth_w = 0.0, -1, 0.0
        for t in np.nonzero(obj.present)[0]:
            top = self._floor_top(a, obj, t, g)
            if top is None:
                continue
            depth = obj.dets[t].bbox[3] - top
            if depth / allowed > worst:
                worst, wt, depth_w = depth / allowed, int(t), depth
        if worst > 1:
            return worst, (f"{obj.name} sinks {depth_w:.0f} px into the floor at frame {wt} "
                           f"(allowed {allowed:.0f} px): it passes into the surface")
        return worst, ""

    def _vanish_into_floor(self, a: Analysis, obj: ObjectTrack, g: str) -> tuple[float, str]:
        seen = obj.seen
        if g != "down" or not len(seen) or seen[-1] >= a.T - 1:
            return 0.0, ""
        t = int(seen[-1])
        d = obj.dets[t]
        top = self._floor_top(a, obj, t, g)
        step = max(0.0, float(extrapolate(obj, t + 1).v[1]))
        if top is not None and d.bbox[3] + step >= top - SINK_PX - 1:
            return 3.0, (f"{obj.name} disappears into the floor after frame {t} and never comes back")
        return 0.0, ""
