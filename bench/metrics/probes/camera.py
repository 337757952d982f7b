"""Is the camera static?  Background motion from the pixels no object claims.

Probes ask for a static camera, so object motion can be read from image positions.  A generator
that pans or shakes the camera would otherwise make a resting cup "move" and a falling ball
"slow down".  We estimate the image translation of the *background* between consecutive frames
and report it; the checks subtract it from object positions (camera compensation) and name it in
their reasons.

Method (per consecutive frame pair):
1. grey level images; pixels claimed by any detection (dilated by 2 px) are replaced by the
   frame's median unclaimed grey, so moving objects do not vote;
2. the frame (less a 4 px margin, where a shaken frame has fill) is cut into a 4x4 grid of tiles;
   a tile votes when its grey standard deviation is >= ``TEXTURE_STD`` in both frames (flat
   tiles carry no motion information) and < 30 % of it is claimed: its shift is the OpenCV
   phase correlation peak (Hann window), kept if the peak response is >= 0.1;
3. the pair's shift is the median vote when >= ``MIN_TILES`` tiles vote and >= 60 % of them lie
   within 1 px of the median (a moving occluder covers a minority of tiles and is outvoted);
   otherwise the pair is *unobserved* and taken as zero shift.

The camera path is the cumulative sum of pair shifts.  Status: ``unobservable`` when fewer than
half the pairs are observed (a plain backdrop: nothing to see motion against, nor for a
generator to betray it with), ``moving`` when the path strays more than ``MOVING_FRAC`` of the
frame height from its start, ``shaking`` when the mean per-pair shift is >= 0.5 px without such
a drift, else ``static``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

TEXTURE_STD = 3.0
MIN_TILES = 3
MOVING_FRAC = 0.05
GRID = 4
MARGIN = 4


@dataclass
class CameraMotion:
    """Cumulative background translation ``path[t]`` (original px, x then y) and a summary."""

    path: np.ndarray            # (T, 2)
    observed: np.ndarray        # (T-1,) bool: pair t -> t+1 had a reliable estimate
    status: str                 # static | shaking | moving | unobservable
    drift: float                # max |path[t] - path[0]| (px)
    jitter: float               # mean |shift| per observed pair (px)

    def describe(self) -> str:
        """A clause for reasons; empty when the camera is static."""
        if self.status == "moving":
            return f"the camera moves (background drifts up to {self.drift:.1f} px; positions compensated)"
        if self.status == "shaking":
            return f"the camera shakes (mean {self.jitter:.1f} px per frame; positions compensated)"
        return ""


def _tiles(h: int, w: int) -> list[tuple[slice, slice]]:
    ys = np.linspace(MARGIN, h - MARGIN, GRID + 1).astype(int)
    xs = np.linspace(MARGIN, w - MARGIN, GRID + 1).astype(int)
    return [(slice(ys[i], ys[i + 1]), slice(xs[j], xs[j + 1])) for i in range(GRID) for j in range(GRID)]


def estimate_camera(frames_small: np.ndarray, claimed: np.ndarray, scale: float, height: int) -> CameraMotion:
    """Camera path from analysis-resolution frames and the claimed-pixel masks."""
    T, h, w = claimed.shape
    kernel = np.ones((5, 5), np.uint8)
    grey = []
    for t in range(T):
        g = cv2.cvtColor(frames_small[t], cv2.COLOR_RGB2GRAY).astype(np.float32)
        c = cv2.dilate(claimed[t].astype(np.uint8), kernel) > 0
        if c.any() and not c.all():
            g[c] = float(np.median(g[~c]))
        grey.append((g, c))
    tiles = _tiles(h, w) if min(h, w) > 4 * MARGIN + 2 * GRID else []
    if tiles:
        th, tw = tiles[0][0].stop - tiles[0][0].start, tiles[0][1].stop - tiles[0][1].start
        win = cv2.createHanningWindow((tw, th), cv2.CV_32F)
    shifts = np.zeros((max(T - 1, 0), 2))
    observed = np.zeros(max(T - 1, 0), bool)
    for t in range(T - 1):
        (g0, c0), (g1, c1) = grey[t], grey[t + 1]
        votes = []
        for sy, sx in tiles:
            a, b = g0[sy, sx], g1[sy, sx]
            if a.shape != (th, tw) or (c0[sy, sx].mean() >= 0.3) or (c1[sy, sx].mean() >= 0.3):
                continue
            if a.std() < TEXTURE_STD or b.std() < TEXTURE_STD:
                continue
            # zero-mean tiles: the window's own static shape would otherwise pull the peak to 0
            (dx, dy), resp = cv2.phaseCorrelate(np.ascontiguousarray(a - a.mean()),
                                                np.ascontiguousarray(b - b.mean()), win)
            if resp >= 0.1:
                votes.append((dx, dy))
        if len(votes) >= MIN_TILES:
            v = np.array(votes)
            med = np.median(v, axis=0)
            if np.mean(np.linalg.norm(v - med, axis=1) <= 1.0) >= 0.6:
                shifts[t] = med / scale
                observed[t] = True
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
