"""probe.gravity — do unsupported bodies accelerate the way the probe's gravity says?

For every subject (the bouncing object when ``expect.bounce`` names one, else every object not
``at_rest`` and not a cup), the fully visible trajectory, less the frames in which it touches
another object (collisions) or slides level on a support (``_in_flight``), is cut into flight segments at bounces, kinks
and rests (``kinematics.segments``); segments of >= 3 frames (and, under "down"/"up", a
vertical range >= 0.05 H: smaller ones are rolling or hops) are fitted together with one
shared curvature, y = c2 tau^2 + b_k tau + c_k (``kinematics.fit_ballistic``: gravity is the same
in every flight, bounces only reset height and speed).  From a = 2 c2 (px/frame^2, image y down),
its standard error and the *sagitta* s = a D^2 / 8 over the longest segment (D frames: how far
the parabola bows from its chord, the visible effect of the acceleration), with s_n = s / H:

- gravity "down": r_sign = max(m(s_n, 0.005), m(t, 3)),  m(x, need) = need / x if x >= need
  else 2 - x / need, and t = a / SE(a): the acceleration must point down, be significant
  (3 standard errors) and visible (half a percent of the frame height over the flight);
- gravity "up": the same with -s_n and -t;
- gravity "none": r_sign = |s_n| / 0.02 (no curvature beyond 2 % of the frame height; no
  t-test, since a perfectly rendered straight path makes any tiny curvature "significant").

A free fall from rest through F has s = F / 4, so a fall of 2 % of the frame height already
shows; camera shake of +-2 px leaves a and its t well apart.  The fit must also hold:
r_fit = (worst segment RMS / max(its range, 0.1 H)) / 0.1 — a path that is no parabola at all
(erratic, teleporting) is not ballistic — judged when the fit has >= 3 residual degrees of
freedom (a few coarse frames after frame-rate resampling cannot tell).  When no segment qualifies under "down"/"up", an
object that moves 0.05 H against gravity (flies off upward) counts r = 2.

Support: under "down" ("up") gravity, an object at rest (>= 3 frames within 0.01 H) must have a
surface or another object directly below (above) it — a rest must outlast the dwell of a
turning point, 2 sqrt(2 x 0.01 H / |a|) frames, or the top of a throw would count; under "none",
an object that was moving
(>= 0.01 H per frame) may only come to rest against something (inertia).  Stopping in mid-air
counts r = 2 ("frozen" objects, frozen videos).  Pendulum bobs (``scene.pendulums``) follow energy instead: the speed
must grow as the bob descends, the Pearson correlation rho of v^2 with image y must satisfy
rho >= 0.5 ("down"; r = (1 - rho) / 0.5), rho <= -0.5 ("up"), |rho| <= 0.5 ("none";
r = |rho| / 0.5), judged only when v^2 varies (its std >= 10 % of its mean).

Value: 2^(-r^2) for the worst r over subjects and segments; pass iff r <= 1.  Set-up failure:
a subject missing at the start, or no subject ever moving (nothing fell, flew or swung).
``extra["g_mps2"]`` gives the fitted acceleration in m/s^2 when the probe's scene states its
view size (the oracle knows scale and frame rate).

Improves on: WorldModelBench's gravity/Newton questions (VLM yes/no, saturated at 0.95-1.00
for every model) and Physics-IQ's motion-mask IoU (any pixel change counts, the object is
never identified): here the named object is tracked and its fitted acceleration has a sign.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, ObjectTrack, frame_span
from bench.metrics.probes.base import ProbeCheck, join, result, setup_failed
from bench.metrics.probes.kinematics import fit_ballistic, rest_runs, segments, speeds

S_MIN = 0.005
S_NONE = 0.02
T_MIN = 3.0
AWAY_FRAC = 0.05
LEVEL_FRAC = 0.05
FIT_TOL = 0.1
FIT_MIN_DOF = 3
MIN_POINTS = 3
RHO_TOL = 0.5
STOP_SPEED = 0.01
REST_FRAC = 0.01
LEVEL_SPEED = 0.005


def gravity_subjects(probe: dict[str, Any]) -> list[str]:
    """The objects whose free motion gravity governs (shared with ``probe.bounce``)."""
    expect = probe.get("expect") or {}
    if expect.get("bounce"):
        return [expect["bounce"]]
    rest = set(expect.get("at_rest") or [])
    return [o["name"] for o in probe.get("objects") or [] if o["name"] not in rest and o.get("shape") != "cup"]


def _pendulums(probe: dict[str, Any]) -> set[str]:
    scene = probe.get("scene") or {}
    return {p.get("object") for p in scene.get("pendulums") or []}


def _px_per_metre(probe: dict[str, Any], a: Analysis) -> float | None:
    view = (probe.get("scene") or {}).get("view")
    if not view:
        return None
    return min(a.W / float(view[0]), a.H / float(view[1]))


def _in_flight(a: Analysis, obj: ObjectTrack, g: str) -> np.ndarray:
    """Frames that may belong to free flight: not touching another object (a collision
    changes the velocity), and, under gravity, not sliding, rolling, landing or taking off
    level on a support (supported, with a vertical step under 0.005 H per frame on either
    side).  The frames left out cut the flight into separate segments (``segments``)."""
    keep = np.ones(a.T, bool)
    m = 0.1 * obj.diameter + 3.0
    for t in np.nonzero(obj.present)[0]:
        d = obj.dets[t]
        for o in a.objects.values():
            e = o.dets[t]
            if o is not obj and e is not None and (e.bbox[0] - m <= d.bbox[2] and d.bbox[0] <= e.bbox[2] + m
                                                   and e.bbox[1] - m <= d.bbox[3] and d.bbox[1] <= e.bbox[3] + m):
                keep[t] = False
        if g != "none" and keep[t]:
            # level on at least one side: the frame where it lands on, or leaves, a support
            # (the step into or out of it is vertical, the other is not: an impact or a
            # departure, which a single parabola through the frame would bend around)
            nb = [u for u in (t - 1, t + 1) if 0 <= u < a.T and obj.present[u]]
            vy = min((abs(obj.xy[u, 1] - obj.xy[t, 1]) for u in nb), default=0.0)
            if vy < LEVEL_SPEED * a.H and a.supported(obj, int(t), g == "down"):
                keep[t] = False
    return keep


def _sign_r(sn: float, tstat: float | None, g: str) -> float:
    """Normalised error of the acceleration's sign and size (see the module docstring)."""
    if g == "none":
        return abs(sn) / S_NONE
    sign = 1.0 if g == "down" else -1.0

    def margin(x: float, need: float) -> float:
        return need / x if x >= need else 2.0 - x / need

    r = margin(sign * sn, S_MIN)
    if tstat is not None:
        r = max(r, margin(sign * tstat, T_MIN))
    return r


@METRICS.register("probe.gravity")
class GravityCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.gravity", version="5", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Flight segments fitted with one shared curvature y = c2 tau^2 + b_k tau + c_k; "
                    "a = 2 c2 must have the sign of expect.gravity with t >= 3 and sagitta a D^2/8 >= 0.005 H "
                    "(|sagitta| <= 0.02 H for 'none'), fit RMS <= 0.1 of the range, no rest in mid-air; "
                    "value 2^(-r^2) of the worst normalised error, pass iff >= 0.5.",
        reference="Improves on WorldModelBench gravity questions (VLM, saturated) and Physics-IQ "
                  "motion-mask IoU (object never identified): signed fitted acceleration of the named object.",
    )
    expect_keys = ("gravity",)

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        return gravity_subjects(probe)

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        g = probe["expect"]["gravity"]
        pend = _pendulums(probe)
        worst_r, judged, msgs, accels = 0.0, 0, [], []
        for name in self.subjects(probe):
            obj = a.objects[name]
            if name in pend:
                r, why, ok = self._pendulum(obj, g)
            else:
                r, why, ok, acc = self._ballistic(a, obj, g)
                accels.extend(acc)
            judged += ok
            if why:
                msgs.append((r, why))
            worst_r = max(worst_r, r)
        if not judged and worst_r <= 1:
            names = ", ".join(self.subjects(probe))
            return setup_failed(f"{names} never moves freely (no fall, flight or swing to judge against "
                                f"gravity '{g}')")
        extra: dict[str, Any] = {"subjects_judged": judged}
        ppm = _px_per_metre(probe, a)
        if accels and ppm:
            extra["g_mps2"] = float(np.median(accels)) * a.fps ** 2 / ppm
        msgs.sort(key=lambda m: -m[0])
        shown = [m for r, m in msgs if r > 1] if worst_r > 1 else [m for _, m in msgs]
        return result(worst_r, join(*shown[:3]), **extra)

    def _ballistic(self, a: Analysis, obj: ObjectTrack, g: str) -> tuple[float, str, int, list[float]]:
        H = a.H
        worst, why, n, acc = 0.0, "", 0, []
        segs = [s for s in segments(obj, g, H, keep=_in_flight(a, obj, g)) if len(s.t) >= MIN_POINTS
                and (g == "none" or np.ptp(s.xy[:, 1]) >= LEVEL_FRAC * H)]
        if segs:
            fit = fit_ballistic(segs, H)
            n, acc = len(segs), [fit.accel]
            sn = fit.sagitta / H
            tstat = fit.accel / fit.se if np.isfinite(fit.se) and fit.se > 0 else None
            r_sign = _sign_r(sn, tstat, g)
            r_fit = fit.residual / FIT_TOL if fit.dof >= FIT_MIN_DOF else 0.0
            spans = ", ".join(frame_span(*sp) for sp in fit.spans)
            direction = "downward" if fit.accel > 0 else "upward"
            stat = f", t = {tstat:.1f}" if tstat is not None else ""
            if r_sign >= r_fit or r_fit <= 1:   # a pass reads as what the motion does
                worst = max(r_sign, r_fit)
                why = (f"{obj.name} accelerates {direction} ({fit.accel:+.2f} px/frame²{stat}; sagitta "
                       f"{100 * sn:+.1f} % of the frame height) in {spans}; expected gravity '{g}'")
            else:
                worst = r_fit
                why = (f"{obj.name} does not follow a parabola in {frame_span(*fit.worst)} (fit RMS "
                       f"{100 * fit.residual:.0f} % of its range)")
        elif g != "none":
            ts = np.nonzero(obj.present)[0]
            sign = 1.0 if g == "down" else -1.0
            if len(ts) >= 2 and sign * (obj.xy[ts[-1], 1] - obj.xy[ts[0], 1]) <= -AWAY_FRAC * H:
                worst = 2.0
                why = (f"{obj.name} moves {abs(obj.xy[ts[-1], 1] - obj.xy[ts[0], 1]):.0f} px "
                       f"{'up' if g == 'down' else 'down'}, against gravity '{g}', in {frame_span(ts[0], ts[-1])}")
                n = 1
        # at the top of a throw (or the start of a drop) a body dwells within 0.01 H of one
        # place for 2 sqrt(2 x 0.01 H / a) frames without resting: a rest must last longer
        dwell = 2.0 * np.sqrt(2 * REST_FRAC * H / abs(acc[0])) if acc and acc[0] != 0 else 0.0
        for t0, t1 in rest_runs(obj, H, min_len=max(3, int(np.ceil(dwell)) + 1), tol=REST_FRAC):
            if g != "none":
                below = g == "down"
                if any(a.supported(obj, t, below) for t in range(t0, t1 + 1)):
                    continue
                msg = (f"{obj.name} stops in mid-air in {frame_span(t0, t1)} with nothing "
                       f"{'below' if below else 'above'} it (gravity '{g}')")
            else:
                # without gravity a moving body keeps moving until something stops it
                prev = [t for t in range(max(0, t0 - 3), t0) if obj.full[t]]
                if not prev or np.linalg.norm(obj.xy[t0] - obj.xy[prev[0]]) < STOP_SPEED * H * (t0 - prev[0]):
                    continue
                if a.contact_normals(obj, t0, float(np.linalg.norm(obj.xy[t0] - obj.xy[prev[-1]]))):
                    continue
                msg = (f"{obj.name} stops dead in mid-air in {frame_span(t0, t1)} with nothing touching it "
                       f"(gravity 'none': it should keep moving)")
            if 2.0 > worst:
                worst, why = 2.0, msg
            break
        return worst, why, n, acc

    def _pendulum(self, obj: ObjectTrack, g: str) -> tuple[float, str, int]:
        ts, v, _ = speeds(obj)
        if len(ts) < MIN_POINTS:
            return 0.0, "", 0
        v2 = v ** 2
        y = obj.xy[ts, 1]
        if np.std(v2) < 0.1 * np.mean(v2) or np.std(y) == 0:
            rho = 0.0
        else:
            rho = float(np.corrcoef(v2, y)[0, 1])
        if g == "none":
            r = abs(rho) / RHO_TOL
        else:
            s = rho if g == "down" else -rho
            r = (1.0 - s) / (1.0 - RHO_TOL)
        how = "faster when lower" if rho > 0 else "faster when higher"
        return r, (f"{obj.name} swings {how} (correlation of speed² with depth {rho:+.2f}); "
                   f"expected gravity '{g}'"), 1
