"""Is the camera static?  Background motion from the pixels no object claims.

Probes ask for a static camera, so object motion can be read from image positions.  A generator
that pans or shakes the camera would otherwise make a resting cup "move" and a falling ball
"slow down".  We estimate the image translation of the *background* between consecutive frames
and report it; the checks subtract it from object positions (camera compensation) and name it in
their reasons.

Method (per consecutive frame pair):
1. grey-level images; pixels claimed by any detection (dilated by 2 px) are replaced by the
   frame's median unclaimed grey, so moving objects do not vote;
2. the pair is *observable* when at least ``MIN_EDGE_FRAC`` of the pixels have a gradient of
   >= ``EDGE_GREY`` grey levels per pixel (a plain backdrop has nothing to see motion against,
   nor for a generator to betray it with);
3. the shift is the OpenCV phase-correlation peak of the zero-mean frames under a Hann window
   (sub-pixel), kept only if warping the first frame by it cuts the mean absolute difference
   to the second, over unclaimed pixels, to at most ``ACCEPT_RATIO`` of the unwarped difference:
   a true camera motion moves every static edge, whereas an occluder sliding over a static
   scene is not explained by one global shift.  Shifts under 0.1 px are zero.

The camera path is the cumulative sum of pair shifts.  Status: ``unobservable`` when fewer than
half the pairs are observable, ``moving`` when the path strays more than ``MOVING_FRAC`` of the
frame height from its start, ``shaking`` when the mean per-pair shift is >= 0.5 px without such
a drift, else ``static``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

EDGE_GREY = 10.0
MIN_EDGE_FRAC = 0.01
ACCEPT_RATIO = 0.8
MOVING_FRAC = 0.05


@dataclass
class CameraMotion:
    """Cumulative background translation ``path[t]`` (original px, x then y) and a summary."""

    path: np.ndarray            # (T, 2)
    observed: np.ndarray        # (T-1,) bool: pair t -> t+1 was observable
    status: str                 # static | shaking | moving | unobservable
    drift: float                # max |path[t] - path[0]| (px)
    jitter: float               # mean |shift| per observed pair (px)

    def describe(self) -> str:
        """A clause for reasons; empty when the camera is static or cannot be seen."""
        if self.status == "moving":
            return f"the camera moves (background drifts up to {self.drift:.1f} px; positions compensated)"
        if self.status == "shaking":
            return f"the camera shakes (mean {self.jitter:.1f} px per frame; positions compensated)"
        return ""


def _masked_grey(frame: np.ndarray, claimed: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    if claimed.any() and not claimed.all():
        g[claimed] = float(np.median(g[~claimed]))
    return g


def estimate_camera(frames_small: np.ndarray, claimed: np.ndarray, scale: float, height: int) -> CameraMotion:
    """Camera path from analysis-resolution frames and the claimed-pixel masks."""
    T, h, w = claimed.shape
    kernel = np.ones((5, 5), np.uint8)
    grown = [cv2.dilate(c.astype(np.uint8), kernel) > 0 for c in claimed]
    grey = [_masked_grey(frames_small[t], grown[t]) for t in range(T)]
    win = cv2.createHanningWindow((w, h), cv2.CV_32F)
    shifts = np.zeros((max(T - 1, 0), 2))
    observed = np.zeros(max(T - 1, 0), bool)
    for t in range(T - 1):
        g0, g1 = grey[t], grey[t + 1]
        gx, gy = cv2.Sobel(g0, cv2.CV_32F, 1, 0, ksize=3) / 8, cv2.Sobel(g0, cv2.CV_32F, 0, 1, ksize=3) / 8
        if np.mean(np.hypot(gx, gy) >= EDGE_GREY / 2) < MIN_EDGE_FRAC:
            continue
        observed[t] = True
        (dx, dy), _ = cv2.phaseCorrelate(g0 - g0.mean(), g1 - g1.mean(), win)
        if np.hypot(dx, dy) < 0.1:
            continue
        M = np.array([[1, 0, dx], [0, 1, dy]], np.float64)
        warped = cv2.warpAffine(g0, M, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        free = ~(grown[t] | grown[t + 1])
        m = max(3, int(np.ceil(max(abs(dx), abs(dy)))) + 1)
        free[:m], free[-m:], free[:, :m], free[:, -m:] = False, False, False, False
        if not free.any():
            continue
        before = float(np.mean(np.abs(g1 - g0)[free]))
        after = float(np.mean(np.abs(g1 - warped)[free]))
        if after <= ACCEPT_RATIO * before:
            shifts[t] = (dx / scale, dy / scale)
    path = np.vstack([np.zeros((1, 2)), np.cumsum(shifts, axis=0)])
    drift = float(np.max(np.linalg.norm(path - path[0], axis=1))) if T else 0.0
    jitter = float(np.mean(np.linalg.norm(shifts[observed], axis=1))) if observed.any() else 0.0
    if T < 2 or observed.mean() < 0.5:
        status = "unobservable"
    elif drift > MOVING_FRAC * height:
        status = "moving"
    elif jitter >= 0.5:
        status = "shaking"
    else:
        status = "static"
    return CameraMotion(path=path, observed=observed, status=status, drift=drift, jitter=jitter)
