"""Colour naming for the weight-free detector: which pixels may be a probe object of colour c.

A pixel (after a 3x3 Gaussian blur against sensor noise) is converted to CIE Lab through a
5-bit-per-channel lookup table (``lab_lut``) and compared with the probe's colour words.

Chromatic words (red ... navy, gold, cream, beige) use a distance written in the style of CIE94
(CIE 116-1995: lightness, chroma and hue differences weighted separately)

    d(p, c) = sqrt((w_L dL)^2 + (w_C dC)^2 + dH^2),   dH = 2 sqrt(C_p C_c) sin(dh / 2)

with w_L = 0.5 (shading, highlights and shadows move lightness far more than hue) and w_C = 1,
which makes it the CIE76 distance with lightness halved (dC^2 + dH^2 = da^2 + db^2), as the
2-D world's detector always used.  Adjacent hues under shading (a shaded orange ball next to a
red box) are told apart by each word's own appearance in the video
(``background.appearance_lut``), not by moving these weights.  The pixel belongs to the
nearest probe colour c* when

    d(p, c*) <= tau_c* = min(40, 0.75 C_c*)   and   C_p >= 12

(the chroma floor keeps every scene grey out; the cap 0.75 C keeps a dark grey from reading as
brown).  Achromatic words (white, silver, grey, black) take pixels of chroma below 15 within a
lightness window around the word's lightness (white L >= 75, silver 65-88, grey 40-66, black
L <= 32); they compete with the chromatic words by d = sqrt((w_L dL)^2 + C_p^2).

A pixel of chroma >= 20 that matches no probe colour nor a blend of one with grey (same hue
within 25 degrees, lower chroma: an anti-aliased or blurred edge) is *foreign*.  Colours the
probe lists as its ``background`` compete too, and a pixel nearest one of them is scene.

What is *relative* to the frame (the same word means a darker or lighter colour in another
video, and a table may be near the blocks' brown) is settled per video by
``bench.metrics.probes.background``: regions far larger than any object the word names are
background, and when they swallow the object the word is re-centred on the part of them nearest
the word (``split_lut``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Sequence

import numpy as np

from bench.suites.palette import PROBE_COLOURS, SCENE_COLOURS, srgb_to_lab

#: Lightness and chroma weights of the distance (shading tolerance).
W_L, W_C = 0.5, 1.0
#: Acceptance radius cap, and its fraction of the class colour's chroma.
TAU_MAX, TAU_CHROMA = 40.0, 0.75
#: Chroma floor of a chromatic object pixel; chroma above which an unmatched pixel is foreign.
CHROMA_MIN, CHROMA_FOREIGN = 12.0, 20.0
#: Chroma below which a pixel may be an achromatic object (white, grey, black ...).
ACHRO_CHROMA = 15.0
#: Lightness windows of the achromatic words (CIE L*).
ACHRO_L = {"white": (75.0, 101.0), "silver": (65.0, 88.0), "grey": (40.0, 66.0), "black": (-1.0, 32.0)}
#: Hue tolerance (degrees) within which a desaturated pixel counts as a blend of a probe colour.
BLEND_HUE_DEG = 25.0
#: Colours are looked up at 5 bits per channel: 32768 bins whose centres are converted to Lab
#: once (bin half-width 4 grey levels: < 2.5 Lab units, far inside every tolerance).
LUT_BITS = 5

_ALL = {**SCENE_COLOURS, **PROBE_COLOURS}
PALETTE_LAB = {k: srgb_to_lab(np.array(v, np.uint8)).astype(np.float32) for k, v in _ALL.items()}


@lru_cache(maxsize=1)
def lab_lut() -> np.ndarray:
    """Lab (CIE D65, ``palette.srgb_to_lab``) of every 5-bit RGB bin centre, (32768, 3) float32."""
    q = np.arange(1 << LUT_BITS, dtype=np.int32)
    centre = (q << (8 - LUT_BITS)) + (1 << (7 - LUT_BITS))
    r, g, b = np.meshgrid(centre, centre, centre, indexing="ij")
    rgb = np.stack([r, g, b], axis=-1).reshape(-1, 3).astype(np.uint8)
    return srgb_to_lab(rgb)


def lut_index(frames: np.ndarray) -> np.ndarray:
    """Per-pixel bin index ((r >> 3) << 10 | (g >> 3) << 5 | b >> 3) of uint8 RGB frames."""
    f = frames >> (8 - LUT_BITS)
    return ((f[..., 0].astype(np.int32) << (2 * LUT_BITS)) | (f[..., 1].astype(np.int32) << LUT_BITS)
            | f[..., 2].astype(np.int32))


def nearest_palette(lab: np.ndarray) -> str:
    """Name of the probe colour nearest (ΔE76) to one Lab value."""
    return min(PROBE_COLOURS, key=lambda k: float(np.sum((PALETTE_LAB[k] - lab) ** 2)))


def distance2(lab: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Squared shading-tolerant distance (module docstring) of Lab values (..., 3) to ``ref``."""
    L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    c = np.hypot(a, b)
    cr = float(np.hypot(ref[1], ref[2]))
    if cr < ACHRO_CHROMA:
        return (W_L * (L - ref[0])) ** 2 + c ** 2
    dh = (np.arctan2(b, a) - math.atan2(ref[2], ref[1]) + np.pi) % (2 * np.pi) - np.pi
    dH = 2.0 * np.sqrt(c * cr) * np.sin(dh / 2)
    return (W_L * (L - ref[0])) ** 2 + (W_C * (c - cr)) ** 2 + dH ** 2


def _accepts(lab: np.ndarray, name: str, ref: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """Whether Lab values may be colour ``name`` (its acceptance region)."""
    L, chroma = lab[..., 0], np.hypot(lab[..., 1], lab[..., 2])
    if name in ACHRO_L:
        lo, hi = ACHRO_L[name]
        return (chroma < ACHRO_CHROMA) & (L >= lo) & (L <= hi)
    tau = min(TAU_MAX, TAU_CHROMA * float(np.hypot(ref[1], ref[2])))
    return (d2 <= tau * tau) & (chroma >= CHROMA_MIN)


def classify(lab: np.ndarray, colours: Sequence[str], groups: Sequence[int] | None = None,
             background: Sequence[str] = (), refs: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """Class index of Lab values (..., 3): ``groups[i]`` (default ``i``) for ``colours[i]``,
    ``max(groups) + 1`` foreign, -1 scene.  ``background``: colour words that are scene;
    ``refs``: per-colour-index Lab overrides (a video's own appearance of the word)."""
    groups = list(range(len(colours))) if groups is None else list(groups)
    n_cls = (max(groups) + 1) if groups else 0
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    if not colours:
        return np.where(chroma >= CHROMA_FOREIGN, 0, -1).astype(np.int16)
    words = list(colours) + list(background)
    labs = [(refs or {}).get(i, PALETTE_LAB[w]) for i, w in enumerate(words)]
    d2 = np.stack([distance2(lab, r) for r in labs])
    near = d2.argmin(axis=0)
    idx = np.full(lab.shape[:-1], -1, np.int16)
    for i, w in enumerate(colours):
        # nearest by the video's own appearance, accepted by the word's own radius
        pal = PALETTE_LAB[w]
        sel = (near == i) & _accepts(lab, w, pal, d2[i] if i not in (refs or {}) else distance2(lab, pal))
        idx[sel] = groups[i]
    # Foreign: clearly coloured, yet not a probe colour nor a blend of one with a grey (an
    # anti-aliased or blurred edge keeps the hue of its colour at lower chroma).
    blend = np.zeros(lab.shape[:-1], bool)
    hue = np.arctan2(lab[..., 2], lab[..., 1])
    for r in labs:
        cr = float(np.hypot(r[1], r[2]))
        if cr < ACHRO_CHROMA:
            continue
        dh = np.abs((hue - math.atan2(r[2], r[1]) + np.pi) % (2 * np.pi) - np.pi)
        blend |= (dh <= math.radians(BLEND_HUE_DEG)) & (chroma <= 1.15 * cr)
    bg = near >= len(colours)
    idx[(idx < 0) & (chroma >= CHROMA_FOREIGN) & ~blend & ~bg] = n_cls
    return idx


@lru_cache(maxsize=64)
def class_lut(colours: tuple[str, ...], groups: tuple[int, ...], background: tuple[str, ...]) -> np.ndarray:
    """``classify`` of every LUT bin, for one set of probe colours (cached)."""
    return classify(lab_lut(), colours, groups, background)


def split_lut(lut: np.ndarray, cls: int, inside: np.ndarray, word: str) -> np.ndarray | None:
    """Re-centre class ``cls`` of ``lut`` on the part of its pixels nearest the word.

    ``inside``: the LUT bins of the pixels of one oversized region (an object swallowed by a
    table or wall of nearby colour).  Two-means in Lab (lightness at full weight: the parts
    differ in lightness more than in hue) splits them; the cluster nearer the word's palette
    colour is the object, the other the background, and every bin of the class is kept only when
    nearer the object's centre than the background's.  ``None`` when the split is degenerate.
    """
    labs = lab_lut()[inside]
    if len(labs) < 8:
        return None
    ref = PALETTE_LAB[word]
    c = np.stack([labs[labs[:, 0].argmin()], labs[labs[:, 0].argmax()]]).astype(np.float64)
    for _ in range(10):
        lab_d = ((labs[:, None, :] - c[None]) ** 2).sum(-1)
        k = lab_d.argmin(axis=1)
        if k.min() == k.max():
            return None
        c = np.stack([labs[k == j].mean(axis=0) for j in (0, 1)])
    obj = int(np.argmin([float(distance2(ci[None].astype(np.float32), ref)[0]) for ci in c]))
    mine = np.nonzero(lut == cls)[0]
    lab_m = lab_lut()[mine]
    keep = ((lab_m - c[obj]) ** 2).sum(-1) < ((lab_m - c[1 - obj]) ** 2).sum(-1)
    out = lut.copy()
    out[mine[~keep]] = -1
    return out


#: Object and background centres closer than this (CIE76) cannot be told apart by colour.
MIN_SEPARATION = 8.0


def recentre(lut: np.ndarray, cls: int, obj_bins: np.ndarray, bg_bins: np.ndarray) -> np.ndarray | None:
    """Class ``cls`` of ``lut`` kept only for colours nearer (CIE76) the mean of the object's
    pixels (``obj_bins``, LUT bins) than the mean of the background's (``bg_bins``); ``None``
    when either is empty or the two means are within ``MIN_SEPARATION``."""
    if len(obj_bins) < 4 or len(bg_bins) < 4:
        return None
    c_obj, c_bg = lab_lut()[obj_bins].mean(axis=0), lab_lut()[bg_bins].mean(axis=0)
    if float(np.linalg.norm(c_obj - c_bg)) < MIN_SEPARATION:
        return None
    mine = np.nonzero(lut == cls)[0]
    lab_m = lab_lut()[mine]
    keep = ((lab_m - c_obj) ** 2).sum(-1) < ((lab_m - c_bg) ** 2).sum(-1)
    if keep.all():
        return None
    out = lut.copy()
    out[mine[~keep]] = -1
    return out
