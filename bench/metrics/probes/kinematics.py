"""Kinematics of tracked objects: constant-velocity extrapolation, ballistic segments, speeds.

All positions are world positions (camera compensated) in original pixels, y down, time in
frame indices.  Only *fully visible* frames (``ObjectTrack.full``) enter fits: a partly hidden
or edge-clipped object has a biased centroid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.metrics.probes.analysis import ObjectTrack


@dataclass
class Linear:
    """p(t) = p0 + v (t - t0), fitted by least squares (a single point gives v = 0)."""

    p0: np.ndarray
    v: np.ndarray
    t0: float

    def at(self, t: float) -> np.ndarray:
        return self.p0 + self.v * (t - self.t0)

    @property
    def speed(self) -> float:
        return float(np.linalg.norm(self.v))


def fit_linear(ts: np.ndarray, xy: np.ndarray) -> Linear:
    ts = np.asarray(ts, float)
    t0 = float(ts[-1])
    if len(ts) < 2:
        return Linear(np.asarray(xy[-1], float), np.zeros(2), t0)
    A = np.stack([np.ones_like(ts), ts - t0], axis=1)
    coef, *_ = np.linalg.lstsq(A, xy, rcond=None)
    return Linear(coef[0], coef[1], t0)


def extrapolate(obj: ObjectTrack, before: int, k: int = 5) -> Linear | None:
    """Constant-velocity fit over the last ``k`` fully visible frames before frame ``before``
    (falling back to merely present frames); ``None`` when the object was never seen."""
    for mask in (obj.full, obj.present & ~obj.edge, obj.present):
        ts = np.nonzero(mask[:before])[0][-k:]
        if len(ts):
            return fit_linear(ts, obj.xy[ts])
    return None


def extrapolate_back(obj: ObjectTrack, after: int, k: int = 5) -> Linear | None:
    """Constant-velocity fit over the first ``k`` fully visible frames from ``after`` on."""
    for mask in (obj.full, obj.present & ~obj.edge, obj.present):
        ts = np.nonzero(mask)[0]
        ts = ts[ts >= after][:k]
        if len(ts):
            return fit_linear(ts, obj.xy[ts])
    return None


@dataclass
class Segment:
    """A run of fully visible frames between bounces (``t`` frame indices, ``xy`` positions)."""

    t: np.ndarray
    xy: np.ndarray

    @property
    def span(self) -> tuple[int, int]:
        return int(self.t[0]), int(self.t[-1])


def visible_pieces(obj: ObjectTrack, max_gap: int, keep: np.ndarray | None = None) -> list[np.ndarray]:
    """Fully visible frames (and ``keep``) split where more than ``max_gap`` frames are missing,
    and at every frame ``keep`` leaves out: a detection drop-out of a frame or two may be
    bridged, a frame excluded on purpose (a contact, a rest) may not."""
    ts = np.nonzero(obj.full if keep is None else obj.full & keep)[0]
    if not len(ts):
        return []
    cut = np.diff(ts) > max_gap + 1
    if keep is not None:
        excluded = np.concatenate([[0], np.cumsum(~np.asarray(keep, bool))])
        cut |= excluded[ts[1:]] - excluded[ts[:-1] + 1] > 0  # a left-out frame lies between them
    return np.split(ts, np.nonzero(cut)[0] + 1)


def turning_points(t: np.ndarray, xy: np.ndarray, gravity: str, height: int) -> np.ndarray:
    """Indices into ``t`` where the motion turns abruptly: bounces and kinks.

    Bounce, for gravity "down": a local maximum of y (the object reaches its lowest point and
    turns back up: a floor contact; a free parabola under downward gravity has no such
    point); for "up" a local minimum; each needs a velocity reversal larger than 0.5 % of the
    frame height per frame, so jitter at rest does not count.  Kink: the second difference
    |p(t+1) - 2 p(t) + p(t-1)| exceeds its median by more than max(6 x 1.4826 MAD, 0.04 H)
    (a wall hit, a collision).
    """
    if len(t) < 3:
        return np.zeros(0, int)
    eps = 0.005 * height
    v = np.diff(xy, axis=0) / np.diff(t).astype(float)[:, None]
    before, after = v[:-1, 1], v[1:, 1]
    if gravity == "down":
        turn = (before > eps) & (after < -eps)
    elif gravity == "up":
        turn = (before < -eps) & (after > eps)
    else:
        turn = np.zeros(len(before), bool)
    acc = np.linalg.norm(np.diff(v, axis=0), axis=1)
    med = np.median(acc)
    mad = 1.4826 * np.median(np.abs(acc - med))
    turn |= acc - med > max(6 * mad, 0.04 * height)
    return np.nonzero(turn)[0] + 1


def segments(obj: ObjectTrack, gravity: str, height: int, max_gap: int = 2,
             keep: np.ndarray | None = None) -> list[Segment]:
    """Ballistic segments of ``obj``: fully visible frames (and ``keep``), less those at rest
    after the first of a ``rest_runs`` run (resting is not flight), cut at gaps longer than
    ``max_gap`` frames, at every rest or ``keep``-excluded frame, and at ``turning_points``;
    the turning frame itself is left out of both sides."""
    out: list[Segment] = []
    resting = np.zeros(len(obj.full), bool)
    for a, b in rest_runs(obj, height):
        resting[a + 1:b + 1] = True
    if keep is not None:
        resting |= ~keep
    for t in visible_pieces(obj, max_gap, ~resting):
        xy = obj.xy[t]
        start = 0
        for i in list(turning_points(t, xy, gravity, height)) + [len(t)]:
            if i > start:
                out.append(Segment(t[start:i], xy[start:i]))
            start = i + 1
    return out


@dataclass
class Ballistic:
    """One vertical acceleration shared by several flight segments.

    Model: y = c2 tau^2 + b_k tau + c_k on segment k (tau = t - the segment's mean time): one
    curvature, each segment its own height and vertical speed (bounces reset those, not
    gravity).  ``accel`` = 2 c2 (px/frame^2, + = downward in the image) and ``se`` its standard
    error (NaN without residual degrees of freedom, ``dof``); ``sagitta`` = accel D^2 / 8 over the longest
    segment's duration D frames: how far such a parabola bows from its chord (px), the visible
    effect of the acceleration; ``residual`` = the worst segment's RMS residual relative to
    max(its vertical range, 0.1 H) and ``worst`` that segment's frame span.
    """

    accel: float
    se: float
    dof: int
    sagitta: float
    residual: float
    worst: tuple[int, int]
    spans: list[tuple[int, int]]


def fit_ballistic(segs: list[Segment], height: int) -> Ballistic:
    """Least-squares fit of the shared-curvature model to ``segs`` (each >= 3 frames)."""
    K = len(segs)
    n = sum(len(s.t) for s in segs)
    X = np.zeros((n, 1 + 2 * K))
    y = np.zeros(n)
    row = 0
    taus = []
    for k, s in enumerate(segs):
        tau = s.t - s.t.mean()
        m = len(tau)
        X[row:row + m, 0] = tau ** 2
        X[row:row + m, 1 + 2 * k] = tau
        X[row:row + m, 2 + 2 * k] = 1.0
        y[row:row + m] = s.xy[:, 1]
        taus.append((row, m))
        row += m
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    res = y - X @ coef
    dof = n - X.shape[1]
    if dof > 0:
        cov = np.linalg.pinv(X.T @ X) * float(res @ res) / dof
        se = 2.0 * float(np.sqrt(max(cov[0, 0], 0.0)))
    else:
        se = float("nan")
    accel = 2.0 * float(coef[0])
    D = max(float(s.t[-1] - s.t[0]) for s in segs)
    rel, worst = 0.0, segs[0].span
    for (r0, m), s in zip(taus, segs):
        rms = float(np.sqrt(np.mean(res[r0:r0 + m] ** 2)))
        q = rms / max(float(np.ptp(s.xy[:, 1])), 0.1 * height)
        if q > rel:
            rel, worst = q, s.span
    return Ballistic(accel=accel, se=se, dof=dof, sagitta=accel * D * D / 8.0, residual=rel, worst=worst,
                     spans=[s.span for s in segs])


def speeds(obj: ObjectTrack, window: int = 5) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-frame speed (px/frame) by a linear fit over a centred window of ``window`` frames.

    Returns ``(t, speed, sigma)`` for frames whose window holds >= 3 fully visible frames;
    ``sigma`` is the per-axis position noise those fits see, median(|residual|) / 1.1774 (the
    median of a 2-D Gaussian residual's length is 1.1774 sigma).
    """
    ts = np.nonzero(obj.full)[0]
    h = window // 2
    out_t, out_v, res = [], [], []
    for t in ts:
        sel = ts[(ts >= t - h) & (ts <= t + h)]
        if len(sel) < 3:
            continue
        fit = fit_linear(sel, obj.xy[sel])
        out_t.append(int(t))
        out_v.append(fit.speed)
        res.extend(np.linalg.norm(obj.xy[sel] - np.array([fit.at(s) for s in sel]), axis=1).tolist())
    sigma = float(np.median(res)) / 1.1774 if res else 0.0
    return np.asarray(out_t, int), np.asarray(out_v, float), sigma


def rest_runs(obj: ObjectTrack, height: int, min_len: int = 3, tol: float = 0.01) -> list[tuple[int, int]]:
    """Inclusive runs of >= ``min_len`` consecutive fully visible frames in which the object
    stays within ``tol`` x H of the run's first position (it is at rest)."""
    ts = np.nonzero(obj.full)[0]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(ts):
        j = i
        while (j + 1 < len(ts) and ts[j + 1] == ts[j] + 1
               and np.linalg.norm(obj.xy[ts[j + 1]] - obj.xy[ts[i]]) <= tol * height):
            j += 1
        if j - i + 1 >= min_len:
            out.append((int(ts[i]), int(ts[j])))
            i = j + 1
        else:
            i += 1
    return out
