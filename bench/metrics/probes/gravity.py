"""probe.gravity — do unsupported bodies accelerate the way the probe's gravity says?

For every subject (the bouncing object when ``expect.bounce`` names one, else every object not
``at_rest`` and not a cup), the fully visible trajectory is cut into ballistic segments at
bounces and kinks (``kinematics.segments``) and each segment of >= 5 frames is fitted with
y(t) = c2 t^2 + c1 t + c0 (frame index t, image y down).  Its *sagitta*

    s = a D^2 / 8,   a = 2 c2,   D = the segment's duration in frames

is how far the fitted parabola bows from its chord: the visible effect of the acceleration over
the segment, independent of frame rate.  With s_n = s / H (H = frame height):

- gravity "down": r_sign = S / s_n if s_n >= S, else 2 - s_n / S     (S = 0.02)
- gravity "up":   the same with -s_n
- gravity "none": r_sign = |s_n| / S
  (segments of "down"/"up" with a vertical range < 0.03 H are rolling or resting, not judged)

S = 0.02: a drop from rest through a fall F has s = F/4, so any fall of more than 8 % of the
frame height shows its acceleration; camera shake of +-2 px at 128 px moves s_n by < 0.01.
The fit residual must also be small, r_fit = (RMS / max(range, 0.1 H)) / 0.1: a path that is
no parabola at all (erratic, teleporting) is not ballistic.

Support: under "down" ("up") gravity, an object at rest (>= 3 frames within 0.01 H) must have a
surface or another object directly below (above) it: stopping in mid-air counts r = 2 ("frozen"
objects, frozen videos).  Pendulum bobs (``scene.pendulums``) follow energy instead: the speed
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

S_TOL = 0.02
LEVEL_FRAC = 0.03
FIT_TOL = 0.1
MIN_POINTS = 5
RHO_TOL = 0.5


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


def _sign_r(sn: float, g: str) -> float:
    if g == "none":
        return abs(sn) / S_TOL
    s = sn if g == "down" else -sn
    return S_TOL / s if s >= S_TOL else 2.0 - s / S_TOL


@METRICS.register("probe.gravity")
class GravityCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.gravity", version="1", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Per ballistic segment, fit y(t) quadratic; sagitta s = a D^2/8 of the fit as a "
                    "fraction of H must be >= 0.02 with the sign of expect.gravity (|s| <= 0.02 H for "
                    "'none'), fit RMS <= 0.1 of the range, no rest in mid-air; value 2^(-r^2) of the "
                    "worst normalised error, pass iff >= 0.5.",
        reference="Improves on WorldModelBench gravity questions (VLM, saturated) and Physics-IQ "
                  "motion-mask IoU (object never identified): signed fitted acceleration of the named object.",
    )
    expect_keys = ("gravity",)

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        return gravity_subjects(probe)

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        g = probe["expect"]["gravity"]
        pend = _pendulums(probe)
        worst_r, worst_why = 0.0, ""
        judged, notes, accels = 0, [], []
        for name in self.subjects(probe):
            obj = a.objects[name]
            if name in pend:
                r, why, ok = self._pendulum(obj, g)
            else:
                r, why, ok, acc = self._ballistic(a, obj, g)
                accels.extend(acc)
            judged += ok
            if why and r > worst_r:
                worst_r, worst_why = r, why
            elif why and r <= 1:
                notes.append(why)
        if not judged and worst_r <= 1:
            names = ", ".join(self.subjects(probe))
            return setup_failed(f"{names} never moves freely (no fall, flight or swing to judge against "
                                f"gravity '{g}')")
        extra: dict[str, Any] = {"segments": judged}
        ppm = _px_per_metre(probe, a)
        if accels and ppm:
            extra["g_mps2"] = float(np.median(accels)) * a.fps ** 2 / ppm
        reason = worst_why if worst_r > 1 else join(*notes[:3]) or f"motion consistent with gravity '{g}'"
        return result(worst_r, reason, **extra)

    def _ballistic(self, a: Analysis, obj: ObjectTrack, g: str) -> tuple[float, str, int, list[float]]:
        H = a.H
        worst, why, n, acc = 0.0, "", 0, []
        for seg in segments(obj, g, H):
            if len(seg.t) < MIN_POINTS:
                continue
            fit = fit_ballistic(seg)
            if g != "none" and fit.extent < LEVEL_FRAC * H:
                continue
            n += 1
            acc.append(fit.accel)
            sn = fit.sagitta / H
            r_sign = _sign_r(sn, g)
            r_fit = fit.residual / max(fit.extent, 0.1 * H) / FIT_TOL
            span = frame_span(*fit.span)
            direction = "downward" if fit.accel > 0 else "upward"
            if r_sign >= r_fit:
                r = r_sign
                msg = (f"{obj.name} accelerates {direction} ({fit.accel:+.2f} px/frame², sagitta "
                       f"{100 * sn:+.1f} % of the frame height) in {span}; expected gravity '{g}'")
            else:
                r = r_fit
                msg = (f"{obj.name} does not follow a parabola in {span} (fit RMS {fit.residual:.1f} px, "
                       f"{100 * fit.residual / max(fit.extent, 0.1 * H):.0f} % of its range)")
            if r > worst or not why:
                worst, why = r, msg
        if g != "none":
            below = g == "down"
            for t0, t1 in rest_runs(obj, H):
                if not any(a.supported(obj, t, below) for t in range(t0, t1 + 1)):
                    side = "below" if below else "above"
                    msg = (f"{obj.name} stops in mid-air in {frame_span(t0, t1)} with nothing {side} it "
                           f"(gravity '{g}')")
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
