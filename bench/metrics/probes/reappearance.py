"""probe.reappearance — an occluded object comes back when and where it should, looking the same.

``expect.occlusion = {"object": o, "occluder": w}``.  The occlusion is the object's first run of
absence that begins with its extrapolated position covered (``Analysis.absence``).  From the
last 5 fully visible frames before it, a constant-velocity fit p(t) = p_0 + v (t - t_0) gives
the path behind the occluder.  The expected reappearance frame t_exp is the first frame, after
the disc at p(t) has been more than 94 % covered, at which at least 6 % of it is
uncovered again (the smallest sliver the detector reports, ``detect.MIN_AREA_FRAC``; a path that is never
that hidden is due back two frames after it vanished).  Where the object is itself seen at t,
static cover (the median frame's) counts as cover too: its own pixels must not decide when it is
due.  The tolerance is

    tau_t = 1 + 0.2 (t_exp - t_hide) frames

(a frame of sampling, plus 20 % of the hidden time for the velocity's error).
With t_obs the first frame it is detected again:

- timing:     r_time = |t_obs - t_exp| / tau_t
- position:   at the first fully visible frame t_f after t_obs, the error e = p_obs - p(t_f)
  split along v and across it: r_pos = max(|e_across| / (0.5 D + 0.05 H),
  |e_along| / (|v| tau_t + 0.5 D + 0.05 H)) (along the path an offset is also a timing error).
  The across part is taken earlier when it can be: at the first frame from t_obs on whose
  bounding box spans >= 90 % of the object's across-path extent (cut by the occluder only along
  the path, so the box centre across the path is exact) — an object put back off its path may
  have fallen or turned back by the time it is fully visible.
- look:       colour, size and shape of the last 3 fully visible frames before vs the first 3
  after (``looks.differences``), r_look = the worst attribute.

r = max(r_time, r_pos, r_look); value 2^(-r^2); pass iff r <= 1.  Never detected again counts
r = inf (value 0): a missing detection is a failure, and the reason names any object of
another colour that appeared at the predicted place instead (an identity swap).  Vanishing in
the open before reaching the occluder is r = inf too.  Set-up failures: the object never
hidden, or the video ending (or the path leaving the frame) before it is due back.

Improves on: VBench-2.0's VLM permanence questions (no timing or position) and frame-to-first
identity scores that skip frames without the subject (a vanished object is not penalised).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, ObjectTrack
from bench.metrics.probes.base import ProbeCheck, join, result, setup_failed
from bench.metrics.probes.detect import MIN_AREA_FRAC, Detection
from bench.metrics.probes.kinematics import Linear, extrapolate
from bench.metrics.probes.looks import worst_change

VISIBLE_FRAC = MIN_AREA_FRAC
TIME_ABS, TIME_REL = 1.0, 0.2
POS_DIAM, POS_FRAC = 0.5, 0.05


def _across_extent(bbox: tuple[float, float, float, float], u: np.ndarray) -> float:
    """Extent of a bounding box across the unit direction ``u`` (its projection on the normal)."""
    return abs(u[1]) * (bbox[2] - bbox[0]) + abs(u[0]) * (bbox[3] - bbox[1])


def _box_centre(d: Detection) -> np.ndarray:
    return np.array([(d.bbox[0] + d.bbox[2]) / 2, (d.bbox[1] + d.bbox[3]) / 2])


def _across_at_emergence(a: Analysis, obj: ObjectTrack, path: Linear, u: np.ndarray, t_obs: int,
                         t_full: int, before: list[int]) -> tuple[int | None, float]:
    """The across-path error at the first frame from ``t_obs`` on, before ``t_full``, in which the
    emerging object is cut only *along* its path: its bounding box spans at least 90 % of the
    across-path extent it had in its last fully visible frames ``before`` the occlusion, so the
    box centre across the path is exact even though the object is still partly behind the
    occluder (the first fully visible frame may come several frames later, after a displaced
    object has fallen back or turned).  ``(None, nan)`` when no such frame precedes ``t_full``."""
    if not before:
        return None, math.nan
    ref = float(np.median([_across_extent(obj.dets[t].bbox, u) for t in before]))
    # box centre minus centroid as last seen whole (not zero for asymmetric shapes)
    offset = np.median([_box_centre(obj.dets[t]) - (obj.dets[t].cx, obj.dets[t].cy) for t in before], axis=0)
    n = np.array([-u[1], u[0]])
    for t in range(t_obs, t_full):
        d = obj.dets[t]
        if d is not None and not d.edge and _across_extent(d.bbox, u) >= 0.9 * ref:
            err = _box_centre(d) - offset - a.image_xy(t, path.at(t))
            return t, float(abs(err @ n))
    return None, math.nan


def hidden_run(a: Analysis, obj: ObjectTrack) -> tuple[tuple[int, int] | None, Linear | None, str]:
    """The occlusion: the first absence whose start is covered, its path, and the state."""
    for s, e in obj.absent_runs():
        path = extrapolate(obj, s)
        state = a.absence(obj, s, path.at(s))
        if state in ("covered", "open"):
            return (s, e), path, state
    return None, None, "never"


@METRICS.register("probe.reappearance")
class ReappearanceCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.reappearance", version="4", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Constant-velocity path behind the occluder; t_exp = first frame with >= 6 % of the "
                    "object uncovered; r = max(|t_obs - t_exp| / (1 + 0.2 hidden), across-path error / "
                    "(0.5 D + 0.05 H), look change in tolerances); never back -> 0; value 2^(-r^2), pass "
                    "iff >= 0.5.",
        reference="Improves on VBench-2.0 permanence questions (VLM) and identity scores that skip frames "
                  "without the subject: timing, place and look of the re-emerging named object.",
    )
    expect_keys = ("occlusion",)

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        return [probe["expect"]["occlusion"]["object"]]

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        occ = probe["expect"]["occlusion"]
        obj = a.objects[occ["object"]]
        wall = occ["occluder"]
        run, path, state = hidden_run(a, obj)
        if run is None:
            return setup_failed(f"{obj.name} is never hidden behind the {wall}")
        s, e = run
        if state == "open":
            return result(math.inf, f"{obj.name} vanishes in the open at frame {s}, not behind the {wall}",
                          hidden=s)
        t_exp, behind = None, False
        for t in range(s, a.T):
            x, y = a.image_xy(t, path.at(t))
            own = obj.dets[t]
            frac, inside = a.scene.hidden_fraction(t, x, y, obj.diameter / 2, a.blockers(obj, t),
                                                   own=own.bbox if own is not None else None)
            if inside < 0.5:
                return setup_failed(f"{obj.name}'s path behind the {wall} leaves the frame "
                                    f"(frame {t}) before it is due to reappear")
            if frac > 1 - VISIBLE_FRAC:
                behind = True
            elif behind or t > s + 1:
                t_exp = t
                break
        if t_exp is None:
            return setup_failed(f"the video ends before {obj.name} is due to reappear from behind the {wall} "
                                f"(hidden from frame {s}, still behind it at frame {a.T - 1})")
        tol = TIME_ABS + TIME_REL * (t_exp - s)
        speed = path.speed
        basis = f"predicted from its speed {speed:.1f} px/frame"
        if e >= a.T - 1:
            other = a.impostor(obj, path.at, int(t_exp - tol))
            swap = (f"; a {other.colour_name} object appears at the predicted place at frame {other.t} instead"
                    if other is not None else "")
            return result(math.inf, f"{obj.name} never reappears from behind the {wall}: absent in frames "
                                    f"{t_exp}–{a.T - 1} after its expected reappearance at frame {t_exp} "
                                    f"({basis}){swap}", hidden=s, expected=t_exp)
        t_obs = e + 1
        rs: dict[str, float] = {"time": abs(t_obs - t_exp) / tol}
        why = {"time": (f"{obj.name} reappears at frame {t_obs}, {abs(t_obs - t_exp)} frame(s) "
                        f"{'late' if t_obs > t_exp else 'early'}: absent in frames {t_exp}–{t_obs - 1}, "
                        f"the expected reappearance window ({basis})" if t_obs > t_exp else
                        f"{obj.name} reappears at frame {t_obs}, {t_exp - t_obs} frame(s) before it can "
                        f"clear the {wall} (expected at frame {t_exp}, {basis})")}
        after_full = [t for t in np.nonzero(obj.full)[0] if t >= t_obs][:3]
        before_full = [t for t in np.nonzero(obj.full[:s])[0]][-3:]
        if after_full:
            tf = int(after_full[0])
            err = obj.xy[tf] - path.at(tf)
            if speed > 1e-6:
                u = path.v / speed
                along = float(err @ u)
                across = float(abs(err[0] * u[1] - err[1] * u[0]))
                r_along = abs(along) / (speed * tol + POS_DIAM * obj.diameter + POS_FRAC * a.H)
                t_early, early = _across_at_emergence(a, obj, path, u, t_obs, tf, before_full)
            else:
                along, across, r_along = 0.0, float(np.linalg.norm(err)), 0.0
                t_early = None
            t_across = tf
            if t_early is not None:
                t_across, across = t_early, early
            r_across = across / (POS_DIAM * obj.diameter + POS_FRAC * a.H)
            rs["pos"] = max(r_across, r_along)
            why["pos"] = (f"{obj.name} reappears {across:.0f} px off its path at frame {t_across} and "
                          f"{along:+.0f} px along it at frame {tf}")
            change = worst_change((obj.dets[t] for t in before_full), (obj.dets[t] for t in after_full))
            if change is not None:
                rs["look"] = change[0]
                why["look"] = f"{obj.name} comes back changed: {change[1]}"
        r = max(rs.values())
        if r > 1:
            reason = join(*(why[k] for k in sorted(rs, key=rs.get, reverse=True) if rs[k] > 1))
        else:
            reason = (f"{obj.name} hides behind the {wall} at frame {s} and reappears at frame {t_obs} "
                      f"(expected {t_exp} ± {tol:.1f}), on its path, looking the same")
        return result(r, reason, hidden=s, expected=t_exp, observed=t_obs,
                      **{f"r_{k}": float(v) for k, v in rs.items()})
