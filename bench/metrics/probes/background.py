"""The background model of the weight-free detector: what is scene, not object.

A wall, a table top, a carpet or a floor is often near the colour an object is named by (a light
wooden table under brown blocks, a blue-grey wall behind blue balls, a white wall behind a white
ball).  What is static and unnamed from the start is background:

- a region of an object's colour far larger than any object of that word (more than ``BG_AREA``
  times its expected area and ``BG_FRAME`` of the frame) is background: never an object, never
  foreign (``detect`` drops it, so it stays scene for the cover and support maps);
- when such a region swallows the objects (fewer object-sized regions of the word in the
  set-up frames than the probe names), the word is named *relative to the frame*: its pixels are
  split in two by lightness and colour (``colour.split_lut``), the part nearer the word is the
  object and the other the background (the blocks darker than the table they stand on);
- foreign (unnamed, coloured) tracks present from the first frame that never move are
  background too (``static_foreign``): a painted wall or a rug is not a spurious object.

Hand-written because it is part of the project's core perception model (no library decides
what a probe's colour word means in one video).
"""

from __future__ import annotations

import cv2
import numpy as np

from bench.metrics.probes.colour import classify, lab_lut, split_lut

#: Oversized: a region larger than BG_AREA x the largest expected area of its word...
BG_AREA = 8.0
#: ... and than this fraction of the frame.
BG_FRAME = 0.04
#: Pieces of one object: at most PART_GAP diameters apart, together within PART_SPAN diameters.
PART_GAP, PART_SPAN = 0.2, 1.4
#: A foreign track that starts this early and moves less than STATIC_MOVE x H is background.
STATIC_MOVE = 0.02
#: Pixels (every 4th of the set-up frames) a word must take before its own appearance is used.
MIN_SEEN_PX = 12
#: Rounds of relative re-centring per word.
SPLIT_ROUNDS = 2


def _sizes(mask: np.ndarray) -> np.ndarray:
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return stats[1:, 4]


def relative_lut(lut: np.ndarray, bins: np.ndarray, keys: list[str], big: list[float],
                 wanted: dict[str, int] | None = None, setup: int | None = None) -> np.ndarray:
    """``lut`` with each word re-centred where an oversized region swallows its objects.

    ``bins``: (T, h, w) LUT bins; ``big[i]``: the oversized area of ``keys[i]`` (analysis px);
    ``wanted``: objects the probe names per word (default 1); ``setup``: frames looked at (the
    first quarter)."""
    T = bins.shape[0]
    setup = setup or max(3, -(-T // 4))
    sample = bins[: min(T, setup)]
    for ci, key in enumerate(keys):
        need = (wanted or {}).get(key, 1)
        for _ in range(SPLIT_ROUNDS):
            idx = lut[sample] == ci
            huge = np.zeros_like(idx)
            found = 0
            for t in range(idx.shape[0]):
                n, lbl, stats, _ = cv2.connectedComponentsWithStats(idx[t].astype(np.uint8), connectivity=8)
                areas = stats[1:, 4]
                found = max(found, int(((areas >= 0.02 * big[ci]) & (areas <= big[ci])).sum()))
                for k in np.nonzero(areas > big[ci])[0]:
                    huge[t] |= lbl == k + 1
            if not huge.any() or found >= need:
                break
            new = split_lut(lut, ci, sample[huge], key)
            if new is None:
                break
            lut = new
    return lut


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
    nearer.  Acceptance radii stay those of the palette words."""
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
    new = classify(lab_lut(), words, groups, scene_words, refs)
    return np.where(lut < 0, lut, new).astype(np.int16)  # re-centring never adds scene pixels
