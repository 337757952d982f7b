"""Is the camera static?  Background motion from the pixels no object claims.

Probes ask for a static camera, so object motion can be read from image positions.  A generator
that pans or shakes the camera would otherwise make a resting cup "move" and a falling ball
"slow down".  We estimate the image translation of the *background* between consecutive frames
and report it; the checks subtract it from object positions (camera compensation) and name it in
their reasons.

Method.  Each frame is registered to the first frame (no accumulation of per-pair errors, so
shake does not random-walk into a drift); once the camera has moved more than ``CHAIN_FRAC`` of
the frame width (a pan: little overlap is left with the first frame), or where that fails, to
the previous frame, chained.  One registration of frames a and b:
1. grey-level images; pixels claimed by any detection in either frame (dilated by ``GROW``
   px, which covers compression ringing around them) are replaced in both frames by each
   frame's median unclaimed grey, so moving objects do not vote and the masked patches are the
   same in both;
2. the pair is *observable* when at least ``MIN_EDGE_FRAC`` of the pixels have a gradient of
   >= ``EDGE_GREY`` grey levels per pixel (a plain backdrop has nothing to see motion against,
   nor for a generator to betray it with);
3. the shift is the OpenCV phase-correlation peak of the zero-mean frames (Gaussian-smoothed,
   sigma 1 px, against compression noise) under a Hann window (sub-pixel).  The component along
   a direction whose edge energy (eigenvalue of the structure tensor of the pixels with a
   gradient >= 5 grey levels per pixel) is below ``APERTURE_RATIO`` of the strongest is dropped:
   the aperture problem (a lone floor edge shows vertical motion only).  Shifts under 0.1 px
   are zero;
4. a frame whose unclaimed pixels differ from the first frame's by less than ``STILL_GREY``
   grey levels on average has not moved (no registration needed).  Otherwise the shift is
   kept only if (a) warping the first frame by it cuts the mean absolute difference, over the
   unclaimed pixels the warp fills from inside the frame, to at most ``ACCEPT_RATIO`` of the
   unwarped one (a true camera motion moves every static edge; the whitening of phase
   correlation can lock onto a few compression artefacts that the static edges then refute),
   (b) the detected objects, matched between the two frames, do not mostly stay put in the
   image (an occluder sliding past resting objects is not the camera), and (c) a shift beyond
   shake amplitude (``SHAKE_FRAC`` of the frame height) is confirmed by the objects: their
   median image motion equals it within 1 px + 10 % (resting objects move with a panning
   camera; a swinging pendulum string or a sliding screen moves alone).

``path[t]`` is the image translation of frame t relative to frame 0.  Status:
``unobservable`` when fewer than half the pairs are observable, ``moving`` when the path strays
more than ``MOVING_FRAC`` of the frame height from its start, ``shaking`` when the mean
frame-to-frame change of the path is >= 0.5 px without such a drift, else ``static``; a frame
is observed when step 2 found edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

EDGE_GREY = 10.0
MIN_EDGE_FRAC = 0.01
ACCEPT_RATIO = 0.8
APERTURE_RATIO = 0.05
MOVING_FRAC = 0.05
GROW = 5
STILL_GREY = 0.2
CHAIN_FRAC = 0.05
SHAKE_FRAC = 0.03


@dataclass
class CameraMotion:
    """Cumulative background translation ``path[t]`` (original px, x then y) and a summary."""

    path: np.ndarray            # (T, 2)
    observed: np.ndarray        # (T-1,) bool: frame t+1 could be registered (edges to see)
    status: str                 # static | shaking | moving | unobservable
    drift: float                # max |path[t] - path[0]| (px)
    jitter: float               # mean |path[t+1] - path[t]| over observed frames (px)

    def describe(self) -> str:
        """A clause for reasons; empty when the camera is static or cannot be seen."""
        if self.status == "moving":
            return f"the camera moves (background drifts up to {self.drift:.1f} px; positions compensated)"
        if self.status == "shaking":
            return f"the camera shakes (mean {self.jitter:.1f} px per frame; positions compensated)"
        return ""


def _masked_grey(grey: np.ndarray, claimed: np.ndarray) -> np.ndarray:
    """float32 copy of a uint8 grey frame with claimed pixels set to the most common unclaimed grey."""
    g = grey.astype(np.float32)
    if claimed.any() and not claimed.all():
        g[claimed] = float(np.argmax(np.bincount(grey[~claimed], minlength=256)))
    return g


def _object_shift(dets0: list, dets1: list, reach: float) -> np.ndarray | None:
    """Median image displacement of objects matched between two frames (nearest detection of
    the same class within ``reach`` px), or None when nothing matches."""
    moves = []
    for d in dets0:
        best = min((e for e in dets1 if e.cls == d.cls), key=lambda e: (e.cx - d.cx) ** 2 + (e.cy - d.cy) ** 2,
                   default=None)
        if best is not None and np.hypot(best.cx - d.cx, best.cy - d.cy) <= reach:
            moves.append((best.cx - d.cx, best.cy - d.cy))
    return np.median(np.array(moves), axis=0) if moves else None


def _pair_shift(fa: np.ndarray, fb: np.ndarray, mask: np.ndarray, dets_a: list, dets_b: list,
                scale: float, height: int, win: np.ndarray) -> tuple[bool, np.ndarray | None]:
    """(observable, accepted shift of grey frame ``fb`` relative to ``fa`` in analysis px, or None)."""
    h, w = mask.shape
    g0 = cv2.GaussianBlur(_masked_grey(fa, mask), (0, 0), 1.0)
    g1 = cv2.GaussianBlur(_masked_grey(fb, mask), (0, 0), 1.0)
    if mask.all():
        return False, None
    gx, gy = cv2.Sobel(g0, cv2.CV_32F, 1, 0, ksize=3) / 8, cv2.Sobel(g0, cv2.CV_32F, 0, 1, ksize=3) / 8
    edge = np.hypot(gx, gy) >= EDGE_GREY / 2
    if np.mean(edge) < MIN_EDGE_FRAC:
        return False, None
    (dx, dy), _ = cv2.phaseCorrelate(g0 - g0.mean(), g1 - g1.mean(), win)
    # The aperture problem: along a direction with (almost) no edge energy — the length of a
    # straight floor edge — a shift cannot be seen; drop that component.
    ex, ey = gx[edge].astype(np.float64), gy[edge].astype(np.float64)
    lam, vec = np.linalg.eigh(np.array([[ex @ ex, ex @ ey], [ex @ ey, ey @ ey]]))
    shift = np.array([dx, dy])
    for i in range(2):
        if lam[i] < APERTURE_RATIO * lam[1]:
            shift -= (shift @ vec[:, i]) * vec[:, i]
    if np.hypot(*shift) < 0.1:
        return True, np.zeros(2)
    M = np.array([[1, 0, shift[0]], [0, 1, shift[1]]], np.float64)
    warped = cv2.warpAffine(g0, M, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # compare where the warped frame has real content (not the replicated border)
    free = ~mask
    sx, sy = int(np.ceil(abs(shift[0]))) + 1, int(np.ceil(abs(shift[1]))) + 1
    if shift[0] >= 0:
        free[:, :sx] = False
    else:
        free[:, w - sx:] = False
    if shift[1] >= 0:
        free[:sy] = False
    else:
        free[h - sy:] = False
    if not free.any():
        return True, None
    before = float(np.mean(np.abs(g1 - g0)[free]))
    after = float(np.mean(np.abs(g1 - warped)[free]))
    if after > ACCEPT_RATIO * before:
        return True, None
    # Objects that stay put in the image while the "background" moves contradict a camera
    # motion: it is a scene part (a sliding occluder, a swinging string) that moved.  Beyond
    # shake amplitude, a camera motion must also be confirmed: some object moves with it.
    obj = _object_shift(dets_a, dets_b, 0.1 * height + np.linalg.norm(shift) / scale)
    if obj is not None and np.linalg.norm(obj * scale) < np.linalg.norm(obj * scale - shift):
        return True, None
    if np.linalg.norm(shift) / scale > SHAKE_FRAC * height:
        if obj is None or np.linalg.norm(obj * scale - shift) > 1.0 + 0.1 * np.linalg.norm(shift):
            return True, None
    return True, shift


def estimate_camera(frames_small: np.ndarray, labels: np.ndarray, detections: list[list], scale: float,
                    height: int) -> CameraMotion:
    """Camera path from analysis-resolution frames, the detector's class map and detections."""
    T, h, w = labels.shape
    kernel = np.ones((2 * GROW + 1, 2 * GROW + 1), np.uint8)
    grown = [cv2.dilate((c >= 0).astype(np.uint8), kernel) > 0 for c in labels]
    greys = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames_small]
    win = cv2.createHanningWindow((w, h), cv2.CV_32F)
    path = np.zeros((T, 2))
    observed = np.zeros(max(T - 1, 0), bool)
    free0 = ~grown[0]
    g0 = cv2.GaussianBlur(greys[0], (0, 0), 1.0).astype(np.float32)
    gx0, gy0 = cv2.Sobel(g0, cv2.CV_32F, 1, 0, ksize=3) / 8, cv2.Sobel(g0, cv2.CV_32F, 0, 1, ksize=3) / 8
    edges0 = bool(np.mean((np.hypot(gx0, gy0) >= EDGE_GREY / 2) & free0) >= MIN_EDGE_FRAC)
    for t in range(1, T):
        free = free0 & ~grown[t]
        if free.any() and float(np.mean(np.abs(greys[t][free].astype(np.int16) - greys[0][free]))) < STILL_GREY:
            observed[t - 1] = edges0          # nothing moved against the first frame
            continue
        seen, s = False, None
        if np.linalg.norm(path[t - 1]) * scale <= CHAIN_FRAC * w:
            seen, s = _pair_shift(greys[0], greys[t], grown[0] | grown[t], detections[0],
                                  detections[t], scale, height, win)
        if s is not None:
            path[t] = s / scale
        else:
            seen2, s = _pair_shift(greys[t - 1], greys[t], grown[t - 1] | grown[t],
                                   detections[t - 1], detections[t], scale, height, win)
            seen |= seen2
            path[t] = path[t - 1] + (s / scale if s is not None else 0.0)
        observed[t - 1] = seen
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    drift = float(np.max(np.linalg.norm(path - path[0], axis=1))) if T else 0.0
    jitter = float(np.mean(steps[observed])) if observed.any() else 0.0
    if T < 2 or observed.mean() < 0.5:
        status = "unobservable"
    elif drift > MOVING_FRAC * height:
        status = "moving"
    elif jitter >= 0.5:
        status = "shaking"
    else:
        status = "static"
    return CameraMotion(path=path, observed=observed, status=status, drift=drift, jitter=jitter)
