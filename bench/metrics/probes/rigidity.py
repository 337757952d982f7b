"""probe.rigidity — rigid objects keep their size and shape.

For each object in ``expect.rigid``, over *reliable* frames (present, not clipped by the frame
edge, and not partly hidden: a frame whose area fell below 85 % of the reference counts as
partly hidden when cover or another object fills >= 10 % of the reference disc — diameter D,
centred on the visible part, which shifts away from whatever hides the rest — unless it is cut
off at a floor under it, which is sinking, ``sinking``), the 3-frame running medians of

- width w (minor axis of the equivalent ellipse; motion blur lengthens an object, and thins
  its colour at every edge, so a fast object's coloured core narrows a little):
  r_w = |log(w / w_ref)| / log(1.25 (1 + 0.5 v/D)), v the speed in px/frame, D the diameter
- area A, with a motion-blur allowance: r_A = |log(A / A_ref)| / log(1.4 (1 + v/D)), v the
  speed in px/frame and D the diameter (blur stretches the object by at most one step)
- circularity c and rectangularity q (``detect.Detection``): r_shape = sqrt((c - c_ref)^2 +
  (q - q_ref)^2) / 0.15 (a 12 px disc and square differ by about 0.19; rescaling and
  compression move a 10 px blob by up to about 0.13), only in frames slower than 0.5 D per frame
  (faster, the outline is the blur streak's)

(width and area divided by the scale that depth explains on a ground plane seen in
perspective, ``depth_scale``: an object rolling towards the camera grows, and that is not a
change of size) are compared with their medians over the first 3 reliable frames (the reference: the object
as the video introduces it).  Tolerances: 25 % in
width absorbs one pixel of segmentation jitter on a 10 px object; the running median ignores a
single-frame glitch (compression).  r = the worst over objects, frames and measures; value
2^(-r^2); pass iff r <= 1.  Fewer than 3 reliable frames is a set-up failure.

Improves on: subject-consistency scores (VBench DINO/CLIP frame similarity), which stay high when
an object swells or morphs, and never isolate the object.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, ObjectTrack, frame_span
from bench.metrics.probes.base import ProbeCheck, join, result, setup_failed

WIDTH_TOL = math.log(1.25)
AREA_TOL = 1.4
SHAPE_TOL = 0.15
HIDDEN_AREA = 0.85
HIDDEN_COVER = 0.1
N_REF = 3
#: Above this speed (diameters per frame) the outline is a motion-blur streak (a rendered or
#: filmed exposure smears the object over the step): circularity and rectangularity are not
#: compared there; width and area keep their blur allowances.
BLUR_SPEED = 0.5
#: Perspective (``depth_scale``): least correlation of size with bottom row, bottom travel in
#: diameters, and the largest relative error of the fitted size line.
MIN_CORR, DEPTH_MOVE, DEPTH_RESIDUAL = 0.95, 0.5, 0.08


def sinking(a: Analysis, obj: ObjectTrack, t: int) -> bool:
    """Whether ``obj`` at ``t`` looks cut off at a floor under it: its visible bottom sits on
    the floor top while its visible height is below 85 % of its diameter.  A floor is not an
    occluder: an object shortened there is sinking into it, not hidden behind it."""
    d = obj.dets[t]
    x0, y0, x1, y1 = d.bbox
    top = a.scene.surface_top(x0 - (x1 - x0), x1 + (x1 - x0), d.cy)
    return top is not None and y1 >= top - 1.0 and (y1 - y0) < HIDDEN_AREA * obj.diameter


def depth_scale(a: Analysis, obj: ObjectTrack, ts: np.ndarray) -> np.ndarray:
    """Per frame of ``ts``, the image scale of ``obj`` explained by its depth on a ground plane
    (1 where there is no such explanation).

    On a ground plane seen in perspective an object's image size is proportional to the height
    of its contact row above the horizon, s = k (y_b - y_h) (pinhole camera; Hartley & Zisserman,
    Multiple View Geometry, 2nd ed., section 8.6).  The line is fitted to the object's own
    sqrt(area) against its bottom row y_b over ``ts``; it explains the size change when the
    object's bottom moves by at least ``DEPTH_MOVE`` diameters, size and bottom row correlate
    (Pearson >= ``MIN_CORR``), k > 0, the horizon lies above the object, and the fit leaves at
    most ``DEPTH_RESIDUAL`` relative error (a swelling or an abrupt change of shape does not
    follow the line).  The scale is relative to the
    reference frames (the first ``N_REF``)."""
    ones = np.ones(len(ts))
    if len(ts) < 5:
        return ones
    yb = np.array([obj.dets[t].bbox[3] for t in ts])
    size = np.sqrt(np.array([obj.dets[t].area for t in ts]))
    if np.ptp(yb) < DEPTH_MOVE * obj.diameter:
        return ones
    if np.ptp(size) <= 0 or float(np.corrcoef(yb, size)[0, 1]) < MIN_CORR:
        return ones
    k, c = np.polyfit(yb, size, 1)
    if k <= 0:
        return ones
    yh = -c / k
    top = min(obj.dets[t].bbox[1] for t in ts)
    fit = k * (yb - yh)
    if yh >= top or float(np.sqrt(np.mean((size / fit - 1) ** 2))) > DEPTH_RESIDUAL:
        return ones
    return fit / float(np.median(fit[:N_REF]))


def reliable_frames(a: Analysis, obj: ObjectTrack) -> np.ndarray:
    """Frames in which ``obj``'s whole outline is seen (see the module docstring)."""
    out = []
    for t in np.nonzero(obj.present & ~obj.edge)[0]:
        d = obj.dets[t]
        if d.area < HIDDEN_AREA * obj.ref_area and not sinking(a, obj, int(t)):
            frac, _ = a.scene.hidden_fraction(int(t), d.cx, d.cy, obj.diameter / 2, a.blockers(obj, int(t)))
            if frac >= HIDDEN_COVER:
                continue
        out.append(int(t))
    return np.asarray(out, int)


def _running_median(x: np.ndarray) -> np.ndarray:
    """3-frame running median; the first and last frames take the median of their own three
    (a single-frame glitch at either end is dropped too)."""
    if len(x) < 3:
        return x
    pad = np.concatenate([[x[0]], x, [x[-1]]])
    out = np.median(np.stack([pad[:-2], pad[1:-1], pad[2:]]), axis=0)
    out[0], out[-1] = np.median(x[:3]), np.median(x[-3:])
    return out


@METRICS.register("probe.rigidity")
class RigidityCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.rigidity", version="4", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Over reliable frames (3-frame running median): width |log(w/w_ref)|/log(1.25(1+v/2D)), area "
                    "|log(A/A_ref)|/log(1.4(1+v/D)), shape |(dc, dq)|/0.15; value 2^(-r^2) of the "
                    "worst, pass iff >= 0.5.",
        reference="Improves on VBench subject consistency (whole-frame DINO similarity, blind to an object "
                  "swelling or morphing): the named object's width, area and shape descriptors.",
    )
    expect_keys = ("rigid",)

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        return list(probe["expect"]["rigid"])

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        worst, msgs, ok_msgs = 0.0, [], []
        for name in self.subjects(probe):
            obj = a.objects[name]
            ts = reliable_frames(a, obj)
            if len(ts) < 3:
                return setup_failed(f"{name} is fully visible in only {len(ts)} frame(s); its shape cannot be judged")
            dets = [obj.dets[t] for t in ts]
            f = depth_scale(a, obj, ts)
            w = _running_median(np.array([d.width for d in dets]) / f)
            A = _running_median(np.array([d.area for d in dets]) / f ** 2)
            c = _running_median(np.array([d.circularity for d in dets]))
            q = _running_median(np.array([d.rectangularity for d in dets]))
            v = np.zeros(len(ts))
            v[1:] = np.linalg.norm(np.diff(obj.xy[ts], axis=0), axis=1) / np.diff(ts)
            v[0] = v[1] if len(v) > 1 else 0.0
            k0 = min(N_REF, len(ts))
            refs = np.median(w[:k0]), np.median(A[:k0]), np.median(c[:k0]), np.median(q[:k0])
            r_w = np.abs(np.log(w / refs[0])) / (WIDTH_TOL + np.log1p(0.5 * v / obj.diameter))
            r_a = np.abs(np.log(A / refs[1])) / np.log(AREA_TOL * (1 + v / obj.diameter))
            r_s = np.hypot(c - refs[2], q - refs[3]) / SHAPE_TOL
            r_s[v > BLUR_SPEED * obj.diameter] = 0.0   # a blur streak's outline is not the object's
            per = np.stack([r_w, r_a, r_s])
            i = int(np.argmax(per.max(axis=0)))
            k = int(np.argmax(per[:, i]))
            r = float(per[k, i])
            t = int(ts[i])
            if r > 1:
                what = [f"width {refs[0]:.1f} → {w[i]:.1f} px", f"area {refs[1]:.0f} → {A[i]:.0f} px²",
                        f"circularity {refs[2]:.2f} → {c[i]:.2f}, rectangularity {refs[3]:.2f} → {q[i]:.2f}"][k]
                msgs.append(f"{name} changes shape or size at frame {t} ({what})")
            else:
                ok_msgs.append(f"{name} keeps its size and shape over {len(ts)} frames "
                               f"({frame_span(int(ts[0]), int(ts[-1]))})")
            worst = max(worst, r)
        return result(worst, join(*(msgs or ok_msgs)))
