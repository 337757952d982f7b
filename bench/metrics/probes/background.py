"""The background model of the weight-free detector: what is scene, not object.

A wall, a table top, a carpet or a floor is often near the colour an object is named by (a light
wooden table under brown blocks, a blue-grey wall behind blue balls, a white wall behind a white
ball).  What is static and unnamed from the start is background:

- a region of an object's colour far larger than any object of that word (more than ``BG_AREA``
  times its expected area and ``BG_FRAME`` of the frame) is background: never an object, never
  foreign (``detect`` drops it, so it stays scene for the cover and support maps);
- when a word takes far more of a set-up frame than its objects could fill (a floor of wooden
  tiles near a red ball's hue), it is named *relative to the frame*: its object-sized regions
  whose colour is nearer the word than the rest are the objects, the rest is background, and
  the word keeps the colours nearer the objects (``colour.recentre``); when the objects are
  swallowed by the background (no such region), the word's large regions are split in two by
  lightness and colour (``colour.split_lut``), the part nearer the word is the object (the
  blocks darker than the table they stand on);
- foreign (unnamed, coloured) tracks present from the first frame that never move are
  background too (``static_foreign``): a painted wall or a rug is not a spurious object.

Hand-written because it is part of the project's core perception model (no library decides
what a probe's colour word means in one video).
"""

from __future__ import annotations

import cv2
import numpy as np

from bench.metrics.probes.colour import CHROMA_MIN, PALETTE_LAB, classify, distance2, lab_lut, recentre, split_lut

#: Oversized: a region larger than BG_AREA x the largest expected area of its word...
BG_AREA = 8.0
#: ... and than this fraction of the frame.
BG_FRAME = 0.04
#: Pieces of one object: at most PART_GAP diameters apart, together within PART_SPAN diameters.
PART_GAP, PART_SPAN = 0.3, 1.4
#: A foreign track that starts this early and moves less than STATIC_MOVE x H is background.
STATIC_MOVE = 0.02
#: A word naming far more pixels than this many times its objects' area is named relatively.
WORD_EXCESS = 2.0
#: Object-sized regions: this range of the expected object area.
OBJECT_RANGE = (0.25, 3.0)
#: Hue tolerance (degrees) of a word that finds nothing by its palette colour.
FALLBACK_HUE = 30.0
#: Pixels (every 4th of the set-up frames) a word must take before its own appearance is used.
MIN_SEEN_PX = 12
#: Rounds of relative re-centring per word.
SPLIT_ROUNDS = 2


def _sizes(mask: np.ndarray) -> np.ndarray:
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return stats[1:, 4]


def relative_lut(lut: np.ndarray, bins: np.ndarray, keys: list[str], exp: list[float],
                 wanted: dict[str, int] | None = None, setup: int | None = None) -> np.ndarray:
    """``lut`` with each word named relative to the frame where it takes far more than objects.

    ``bins``: (T, h, w) LUT bins; ``exp[i]``: the largest expected object area of ``keys[i]``
    (analysis px); ``wanted``: objects the probe names per word (default 1); ``setup``: frames
    looked at (the first quarter).  When a word takes more than ``WORD_EXCESS`` x wanted x exp
    pixels of a set-up frame (a floor of wooden tiles near a red ball's hue, a table under brown
    blocks), its object-sized regions (``OBJECT_RANGE`` x exp) are
    ranked by how near their mean colour is to the word: the ``wanted`` best are the objects,
    the rest of the word's pixels the background, and the word keeps only the colours nearer the
    objects' mean than the background's (``colour.recentre``).  With no object-sized region (the
    objects merged into the background), the oversized regions are split in two
    (``colour.split_lut``)."""
    T = bins.shape[0]
    setup = setup or max(3, -(-T // 4))
    for ci, key in enumerate(keys):
        need = (wanted or {}).get(key, 1)
        lut = _hue_fallback(lut, bins[: min(T, setup)], ci, key, exp[ci])
        for _ in range(SPLIT_ROUNDS):
            new = _recentre_once(lut, bins[: min(T, setup)], ci, key, need, exp[ci])
            if new is None:
                break
            lut = new
    return lut


def _hue_fallback(lut: np.ndarray, sample: np.ndarray, ci: int, key: str, exp: float) -> np.ndarray:
    """A chromatic word that takes no object-sized region in the set-up frames takes the
    unclaimed coloured pixels (chroma >= ``CHROMA_MIN``) within ``FALLBACK_HUE`` degrees of its
    hue, if they form an object-sized region there: the probe's word is the nearest name for
    the colour the video shows (a box rendered so dark a navy that palette blue is too far)."""
    ref = PALETTE_LAB[key]
    if float(np.hypot(ref[1], ref[2])) < CHROMA_MIN:
        return lut
    lo, hi = OBJECT_RANGE[0] * exp, OBJECT_RANGE[1] * exp
    for t in range(sample.shape[0]):
        areas = _sizes(lut[sample[t]] == ci)
        if ((areas >= lo) & (areas <= hi)).any():
            return lut
    lab = lab_lut()
    free = np.nonzero(lut < 0)[0]
    chroma = np.hypot(lab[free, 1], lab[free, 2])
    dh = np.degrees(np.abs((np.arctan2(lab[free, 2], lab[free, 1]) - np.arctan2(ref[2], ref[1]) + np.pi)
                           % (2 * np.pi) - np.pi))
    take = free[(chroma >= CHROMA_MIN) & (dh <= FALLBACK_HUE)]
    if not len(take):
        return lut
    out = lut.copy()
    out[take] = ci
    for t in range(sample.shape[0]):
        areas = _sizes(out[sample[t]] == ci)
        if ((areas >= lo) & (areas <= hi)).any():
            return out
    return lut


def _recentre_once(lut: np.ndarray, sample: np.ndarray, ci: int, key: str, need: int,
                   exp: float) -> np.ndarray | None:
    """One round of ``relative_lut`` for class ``ci`` (``None``: nothing to change)."""
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    huge_bins: list[np.ndarray] = []
    lo, hi = OBJECT_RANGE[0] * exp, OBJECT_RANGE[1] * exp
    ref = PALETTE_LAB[key]
    for t in range(sample.shape[0]):
        mask = lut[sample[t]] == ci
        if mask.sum() <= WORD_EXCESS * need * exp:
            continue
        n, lbl, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
        areas = stats[1:, 4]
        huge_bins.extend(sample[t][lbl == k + 1] for k in np.nonzero(areas > hi)[0])
        cand = [k + 1 for k in np.nonzero((areas >= lo) & (areas <= hi))[0]]
        if len(cand) < need:
            continue
        score = {k: float(distance2(lab_lut()[sample[t][lbl == k]].mean(axis=0)[None], ref)[0]) for k in cand}
        rest = float(distance2(lab_lut()[sample[t][mask]].mean(axis=0)[None], ref)[0])
        chosen = [k for k in sorted(cand, key=score.get)[:need] if score[k] < rest]
        if len(chosen) < need:
            continue
        obj = np.isin(lbl, chosen)
        s = sum(score[k] for k in chosen) / need
        if best is None or s < best[0]:
            best = (s, sample[t][obj], sample[t][mask & ~obj])
    if best is not None:
        out = recentre(lut, ci, best[1], best[2])
        if out is not None:
            return out
    if huge_bins:
        return split_lut(lut, ci, np.concatenate(huge_bins), key)
    return None


def static_foreign(tracks: list, height: int, first: int = 1) -> tuple[list, list]:
    """Split foreign tracks into (moving or late ones, background ones): a track seen in the
    first ``first`` frames whose centroid stays within ``STATIC_MOVE`` x H is background."""
    keep, bg = [], []
    for k in tracks:
        xy = np.array([d.xy for d in k.dets.values()])
        still = float(np.max(np.linalg.norm(xy - xy[0], axis=1))) <= STATIC_MOVE * height
        (bg if k.start < first and still else keep).append(k)
    return keep, bg


def appearance_lut(lut: np.ndarray, bins: np.ndarray, words: list[str], groups: list[int],
                   scene_words: tuple[str, ...], setup: int | None = None) -> np.ndarray:
    """Each word's own appearance in this video: the median Lab of the pixels it takes in the
    set-up frames (at least ``MIN_SEEN_PX``) replaces its palette colour as the centre the
    classes compete by (``colour.classify`` with ``refs``), so a rendered orange of hue 52
    degrees keeps its shaded side (hue 48) against a red box of hue 34 that the palette places
    nearer.  Acceptance radii stay those of the palette words, and re-centring only moves a
    pixel from one word (or foreign) to another, never into or out of the scene."""
    T = bins.shape[0]
    setup = setup or max(3, -(-T // 4))
    sample = bins[: min(T, setup), ::2, ::2].ravel()
    cls = lut[sample]
    refs: dict[int, np.ndarray] = {}
    for i, g in enumerate(groups):
        if groups.index(g) != i:
            continue  # a multi-colour object's further colours keep their palette centres
        mine = sample[cls == g]
        if len(mine) >= MIN_SEEN_PX:
            refs[i] = np.median(lab_lut()[mine], axis=0).astype(np.float32)
    if not refs:
        return lut
    seen = np.nonzero((np.bincount(bins.ravel(), minlength=len(lut)) > 0) & (lut >= 0))[0]
    out = lut.copy()   # only the bins this video shows and the words took can change
    new = classify(lab_lut()[seen], words, groups, scene_words, refs)
    out[seen] = np.where(new < 0, lut[seen], new)   # re-centring moves pixels between words only
    return out
