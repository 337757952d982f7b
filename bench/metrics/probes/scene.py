"""What covers what: the backdrop, occluders and support surfaces, read from the video.

Probe scenes are coloured objects in front of a grey backdrop, with grey occluders, floors,
tables and walls.  The checks need two facts from the pixels, never from the probe's ``scene``
(a generated video does not follow its coordinates):

- **cover**: is the place where an object should be covered by something (an occluder, a
  container, a floor it sank into), or is the backdrop showing there?  A hidden object is
  fine; an object missing in front of bare backdrop has vanished.
- **support**: is there a surface directly under an object at rest?

The backdrop grey g_bg(t) is the mode of the (5-level smoothed) grey-level histogram of the
pixels no detection claims in frame t (per frame: brightness jitter moves it); its noise
sigma = 1.4826 MAD of (g - g_bg) over near-backdrop pixels (|g - g_bg| < 20) of every frame.
A pixel is *cover* in frame t when it is unclaimed and

    |g_t - g_bg| > delta,   delta = max(12, 4 sigma)

(12 grey levels separates the palette's scene greys, >= 30 apart, from backdrop noise and mild
texture; 4 sigma keeps a noisy or textured backdrop from reading as cover).  Grey images are
smoothed with a 5x5 median filter first, which removes sensor noise without moving edges (a box
filter would widen every occluder by 2 px and make objects look hidden before they are).
Claimed masks are grown by 2 px so an object's anti-aliased rim is never cover, and a 3x3
morphological opening removes what is left of isolated rim or compression pixels.  The *static*
cover map thresholds the temporal median frame the same way (moving objects drop out of a
median), except where objects sit in most frames.

**Chroma cue.**  A textured backdrop (a tiled wall with dark grout, a 3-D scene's shaded wall)
spans grey levels as far apart as a grey screen is from it, so ``4 sigma`` grows past every
occluder's contrast and grey alone sees no cover.  Texture and shading change lightness far more
than hue, so a pixel is also cover where its CIE a*b* chroma differs from the backdrop's:

    |ab - ab_bg| > delta_c,   delta_c = max(CHROMA_MIN, 3 median |ab - ab_bg|)

with ab the temporal median of the (5x5 median-smoothed) a*b* frames, ab_bg the mode of its
histogram where objects do not sit in most frames, the median over near-backdrop pixels (OpenCV's
8-bit Lab units; for Gaussian chroma noise sigma per axis |ab - ab_bg| is Rayleigh with median
1.18 sigma, so the threshold is 3.5 sigma: 0.2 % of backdrop pixels pass it).  The cue is static (the median frame): chroma
noise of single frames (sensor noise, H.264, jitter) would otherwise need a threshold above the
contrast of a neutral screen on a tinted wall, and occluders the cue is for stand still.  On a neutral grey backdrop with
grey occluders (the 2-D world) chroma is flat and the cue adds nothing; a grey screen in front of
a purplish wall, or a pink floor under it, is cover by chroma although its grey matches.
Surface bands (below) keep their own chroma as well as their grey.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A row is a surface band when static cover spans this fraction of the frame's width.
BAND_FRAC = 0.85
#: A band pixel within this many cover thresholds of its row's grey shows the surface itself.
SURFACE_DELTA = 2.0
#: Frames (evenly spaced) the temporal median of the surface map is taken over.
SURFACE_FRAMES = 12
#: Smallest chroma threshold (8-bit Lab a*b* units, ~ CIE a*b* units): JPEG/H.264 chroma noise
#: and an object's coloured shadow stay below it; a neutral screen on a tinted wall (>= 10) does not.
CHROMA_MIN = 7.0
from functools import cached_property

import cv2
import numpy as np


@dataclass
class SceneMap:
    """Per-frame cover masks at analysis resolution (``scale`` = analysis px per original px)."""

    cover: np.ndarray           # bool (T, h, w)
    grey: np.ndarray            # uint8 (T, h, w): the smoothed grey frames
    grown: np.ndarray           # bool (T, h, w): claimed pixels grown by 2 px
    backdrop: np.ndarray        # (T,) backdrop grey of each frame
    delta: float
    scale: float
    surface: np.ndarray | None = None        # bool (h, w): ground/wall bands (see ``surfaces``)
    surface_level: np.ndarray | None = None  # (h,) grey of each band row, relative to the backdrop
    chroma: np.ndarray | None = None         # float32 (h, w, 2): median a*b* less the backdrop's
    delta_c: float = np.inf                  # chroma threshold
    surface_ab: np.ndarray | None = None     # (h, 2): a*b* of each band row, relative to the backdrop

    def occluding(self, t: int) -> np.ndarray:
        """Cover at ``t`` that may stand in front of an object: cover less the surface bands
        where they show their own grey (a floor seen behind an object is not an occluder; an
        occluder moving across the floor still is)."""
        if self.surface is None or not self.surface.any():
            return self.cover[t]
        rel = self.grey[t].astype(np.float32) - self.backdrop[t] - self.surface_level[:, None]
        own = np.abs(rel) <= SURFACE_DELTA * self.delta
        if self.chroma is not None and self.surface_ab is not None:
            dab = np.linalg.norm(self.chroma - self.surface_ab[:, None, :], axis=-1)
            own &= dab <= SURFACE_DELTA * self.delta_c
        return self.cover[t] & ~(self.surface & own)

    @cached_property
    def static_cover(self) -> np.ndarray:
        """bool (h, w): cover in the temporal median frame, where objects do not sit in most
        frames (computed on first use: only the support and floor tests need it)."""
        med = np.median(self.grey.astype(np.float32) - self.backdrop[:, None, None], axis=0)
        off = np.abs(med) > self.delta
        if self.chroma is not None:
            off |= np.linalg.norm(self.chroma, axis=-1) > self.delta_c
        return off & (self.grown.mean(axis=0) < 0.5)

    def _disc(self, shape: tuple[int, int], cx: float, cy: float, r: float) -> tuple[np.ndarray, float]:
        """Mask of a disc (original px) clipped to the frame, and the fraction of it inside."""
        h, w = shape
        s = self.scale
        x, y, rr = cx * s, cy * s, max(r * s, 1.0)
        x0, x1 = int(np.floor(x - rr)), int(np.ceil(x + rr)) + 1
        y0, y1 = int(np.floor(y - rr)), int(np.ceil(y + rr)) + 1
        yy, xx = np.mgrid[y0:y1, x0:x1]
        inside_disc = (xx - x) ** 2 + (yy - y) ** 2 <= rr * rr
        in_frame = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
        total = max(int(inside_disc.sum()), 1)
        m = np.zeros((h, w), bool)
        sel = inside_disc & in_frame
        m[yy[sel], xx[sel]] = True
        return m, float(sel.sum()) / total

    def hidden_fraction(self, t: int, cx: float, cy: float, r: float,
                        boxes: list[tuple[float, float, float, float]] = (),
                        own: tuple[float, float, float, float] | None = None) -> tuple[float, float]:
        """(fraction of the in-frame part of the disc hidden by cover or inside one of
        ``boxes`` (original px: other objects in front), fraction of the disc inside the frame).
        ``own``: the box where the object itself is seen at ``t``; static cover counts there (its
        own pixels must not hide a static occluder it is still behind)."""
        m, inside = self._disc(self.cover.shape[1:], cx, cy, r)
        if not m.any():
            return 0.0, inside
        s = self.scale
        cover = self.occluding(t)
        if own is not None:
            x0, y0, x1, y1 = own
            cover = cover.copy()
            r0, r1 = max(int(y0 * s) - 2, 0), max(int(np.ceil(y1 * s)) + 2, 0)
            c0, c1 = max(int(x0 * s) - 2, 0), max(int(np.ceil(x1 * s)) + 2, 0)
            static = self.static_cover[r0:r1, c0:c1]
            if self.surface is not None:
                static = static & ~self.surface[r0:r1, c0:c1]
            cover[r0:r1, c0:c1] |= static
        hidden = cover & m
        for x0, y0, x1, y1 in boxes:
            r0, r1, c0, c1 = int(y0 * s), int(np.ceil(y1 * s)), int(x0 * s), int(np.ceil(x1 * s))
            hidden[max(r0, 0):max(r1, 0), max(c0, 0):max(c1, 0)] |= m[max(r0, 0):max(r1, 0), max(c0, 0):max(c1, 0)]
        return float(hidden.sum()) / float(m.sum()), inside

    def surface_adjacent(self, x0: float, x1: float, y: float, reach: float, below: bool = True) -> bool:
        """Whether static cover (a floor, a table, a ceiling) lies within ``reach`` px below
        (``below``) or above row ``y`` over at least a third of the columns ``x0..x1``
        (original px).  The frame's own bottom (top) edge counts: whatever the object rests
        on may lie outside the picture."""
        s = self.scale
        h, w = self.static_cover.shape
        c0, c1 = max(0, int(x0 * s)), min(w, int(np.ceil(x1 * s)))
        if below:
            r0, r1 = int(y * s) - 1, int(np.ceil((y + reach) * s)) + 1
            if r1 >= h:
                return True
        else:
            r0, r1 = int((y - reach) * s) - 1, int(np.ceil(y * s)) + 1
            if r0 <= 0:
                return True
        r0, r1 = max(0, r0), min(h, r1)
        if c1 <= c0 or r1 <= r0:
            return False
        cols = self.static_cover[r0:r1, c0:c1].any(axis=0)
        return bool(cols.mean() >= 1 / 3)

    @cached_property
    def ground_top(self) -> float | None:
        """Top row (analysis px) of the ground band: the surface-band rows that run without a
        break down to the frame's bottom row (a floor seen in perspective ends there; a far
        wall band above it does not); ``None`` when the bottom row is no band."""
        if self.surface is None:
            return None
        rows = self.surface.mean(axis=1) >= 0.5 * BAND_FRAC
        if not rows[-1]:
            return None
        y = len(rows) - 1
        while y > 0 and rows[y - 1]:
            y -= 1
        return float(y)

    def on_ground(self, y: float, min_depth: float = 2.0) -> bool:
        """Whether row ``y`` (original px, an object's lowest point) lies at least ``min_depth``
        px inside the ground band: every image point there is a floor point at some depth, so an
        object at rest whose bottom is there stands on the floor (seen in perspective, a floor is
        behind and around a resting object, not only below it).  A hovering object at that row
        looks the same; without depth that cannot be told apart."""
        top = self.ground_top
        return top is not None and y * self.scale >= top + min_depth * self.scale

    def surface_top(self, x0: float, x1: float, y: float) -> float | None:
        """First row (original px) at or below ``y`` where static cover spans half of the columns
        ``x0..x1``: the top of the floor under an object; ``None`` if there is none."""
        s = self.scale
        h, w = self.static_cover.shape
        c0, c1 = max(0, int(x0 * s)), min(w, int(np.ceil(x1 * s)))
        if c1 <= c0:
            return None
        frac = self.static_cover[max(0, int(y * s)):, c0:c1].mean(axis=1)
        rows = np.nonzero(frac >= 0.5)[0]
        return None if not len(rows) else (rows[0] + max(0, int(y * s))) / s


def build_scene(frames_small: np.ndarray, labels: np.ndarray, scale: float) -> SceneMap:
    """Backdrop level, noise threshold and cover masks (see the module docstring)."""
    claimed = labels >= 0
    grey = np.stack([cv2.medianBlur(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), 5) for f in frames_small])
    # An object's anti-aliased rim is unclaimed yet not backdrop: claimed masks grow by 2 px
    # so that a rim never reads as cover (a ball would otherwise "rest on" its own edge).
    kernel = np.ones((5, 5), np.uint8)
    grown = np.stack([cv2.dilate(c.astype(np.uint8), kernel) for c in claimed]) > 0
    # per frame: brightness jitter moves the backdrop from one frame to the next
    levels = []
    for g, c in zip(grey, grown):
        free = g[~c] if (~c).any() else g.ravel()
        levels.append(float(np.argmax(np.convolve(np.bincount(free, minlength=256), np.ones(5), mode="same"))))
    backdrop = np.array(levels, np.float32)
    near = np.abs(grey.astype(np.float32) - backdrop[:, None, None])
    sel = near[(near < 20) & ~grown][::4]   # every 4th: plenty for a median, 4x faster
    sigma = 1.4826 * float(np.median(sel)) if sel.size else 0.0
    delta = max(12.0, 4.0 * sigma)
    # an opening (3x3) drops isolated pixels: an object's rim beyond the 2 px, compression specks
    chroma, delta_c = _chroma(frames_small, grown, near < delta)
    off = near > delta
    if chroma is not None:
        # where objects sit in most frames the median frame shows them, not what is behind
        off |= ((np.linalg.norm(chroma, axis=-1) > delta_c) & (grown.mean(axis=0) < 0.5))[None]
    opening = np.ones((3, 3), np.uint8)
    cover = np.stack([cv2.morphologyEx(c.astype(np.uint8), cv2.MORPH_OPEN, opening)
                      for c in off & ~grown]) > 0
    surface, level, level_ab = surfaces(grey, backdrop, grown, delta, chroma, delta_c)
    return SceneMap(cover=cover, grey=grey, grown=grown, backdrop=backdrop, delta=delta, scale=scale,
                    surface=surface, surface_level=level, chroma=chroma, delta_c=delta_c,
                    surface_ab=level_ab)


def _chroma(frames_small: np.ndarray, grown: np.ndarray, near: np.ndarray
            ) -> tuple[np.ndarray | None, float]:
    """(h, w, 2) temporal-median a*b* (frames 5x5 median-smoothed) less the backdrop's a*b* mode,
    and the chroma threshold ``delta_c`` (module docstring).  ``None`` when the backdrop's chroma
    is so varied that the cue would need a threshold past ``3 CHROMA_MIN`` (a colourful, busy
    backdrop)."""
    step = max(1, len(frames_small) // SURFACE_FRAMES)
    ab = np.median(np.stack([cv2.medianBlur(cv2.cvtColor(f, cv2.COLOR_RGB2LAB), 5)[..., 1:]
                             for f in frames_small[::step]]).astype(np.float32), axis=0)
    free = grown[::step].mean(axis=0) < 0.5
    px = ab[free] if free.any() else ab.reshape(-1, 2)
    q = (px // 2).astype(np.int64)
    hist = np.bincount(q[:, 0] * 128 + q[:, 1], minlength=128 * 128).reshape(128, 128).astype(np.float32)
    i, j = np.unravel_index(int(np.argmax(cv2.blur(hist, (3, 3)))), hist.shape)
    ab -= np.array([2 * i + 1, 2 * j + 1], np.float32)
    dist = np.linalg.norm(ab, axis=-1)
    sel = dist[near[::step].all(axis=0) & free & (dist < 20)]
    delta_c = max(CHROMA_MIN, 3.0 * float(np.median(sel))) if sel.size else CHROMA_MIN
    if delta_c > 3 * CHROMA_MIN:
        return None, np.inf
    return ab, delta_c


def surfaces(grey: np.ndarray, backdrop: np.ndarray, grown: np.ndarray, delta: float,
             chroma: np.ndarray | None = None, delta_c: float = np.inf
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Ground and wall bands of the temporal median frame: rows where static cover spans at
    least ``BAND_FRAC`` of the width (a floor seen in perspective, a table top, a far wall),
    and in them the pixels within ``SURFACE_DELTA`` x delta of the row's median grey.  Objects
    stand in front of such a band, so it is never an occluder (``SceneMap.occluding``); a screen
    standing on the floor differs from the floor's grey and stays one.  Returns the (h, w) mask
    and each row's grey relative to the backdrop, and (with ``chroma``) each row's a*b*: a band
    pixel shows the surface only where both its grey and its chroma match the row's."""
    step = max(1, len(grey) // SURFACE_FRAMES)   # a static map needs no more than ~12 frames
    med = np.median(grey[::step].astype(np.float32) - backdrop[::step, None, None], axis=0)
    off = np.abs(med) > delta
    med_ab = None
    if chroma is not None:
        med_ab = chroma
        off |= np.linalg.norm(med_ab, axis=-1) > delta_c
    static = off | (grown[::step].mean(axis=0) >= 0.5)
    rows = static.mean(axis=1) >= BAND_FRAC
    level = np.zeros(med.shape[0], np.float32)
    level_ab = None if med_ab is None else np.zeros((med.shape[0], 2), np.float32)
    surface = np.zeros(med.shape, bool)
    for y in np.nonzero(rows)[0]:
        sel = static[y] & off[y]
        if sel.sum() < 2:
            continue
        level[y] = float(np.median(med[y, sel]))
        own = np.abs(med[y] - level[y]) <= SURFACE_DELTA * delta
        if med_ab is not None:
            level_ab[y] = np.median(med_ab[y, sel], axis=0)
            own &= np.linalg.norm(med_ab[y] - level_ab[y], axis=-1) <= SURFACE_DELTA * delta_c
        surface[y] = sel & own
    return surface, level, level_ab
