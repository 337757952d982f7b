"""Per-frame, independent object detection for the probe checks (no weights).

Every frame is segmented on its own: nothing (mask, template, position) is carried from one
frame to the next, so an object that vanishes is *not detected*, instead of being filled in by a
tracker.  Association into tracks happens afterwards (``bench.metrics.probes.track``).

The interface is ``Detector`` (a Protocol) plus the ``DETECTORS`` registry; the default is the
colour detector below.  A learned open-vocabulary detector can be registered beside it when its
weights resolve: it maps each probe object to a class key (``class_of``) and returns, per frame,
the ``Detection`` list and the mask of every pixel it claims.

Colour detector
---------------
Pixels are named by ``bench.metrics.probes.colour`` (probe colour words in CIE Lab, shading
tolerant; achromatic words by lightness).  Each class mask is split into 8-connected
components; components smaller than ``MIN_AREA_FRAC`` of the smallest expected object area (and
4 px) are noise.  Pieces of one class that lie within ``PART_GAP`` object diameters of each
other and together fit in ``PART_SPAN`` diameters are one object (a ball with a dark stripe, a
box with a dark edge: multi-part objects are one detection, gaps closed).  Components far larger
than any object of their class (``BG_AREA`` x its expected area) are background (a wall, a
table, a floor): never an object, never foreign (``bench.metrics.probes.background``).

Frames larger than ``WORK_SIDE`` on their long side are analysed downscaled (INTER_AREA);
every coordinate and area in a ``Detection`` is in the *original* frame's pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, Sequence

import cv2
import numpy as np

from bench.metrics.probes.background import BG_AREA, BG_FRAME, PART_GAP, PART_SPAN, appearance_lut, relative_lut
from bench.metrics.probes.colour import (W_L, class_lut, classify, lab_lut, lut_index,  # noqa: F401
                                         nearest_palette)
from bench.registry import Registry

#: Long side (px) above which frames are analysed downscaled.
WORK_SIDE = 192
#: Components below this fraction of the smallest expected object area are noise.
MIN_AREA_FRAC = 0.06
#: A foreign component narrower than this fraction of the smallest object's side is an edge fringe.
FOREIGN_WIDTH_FRAC = 0.3
#: A foreign component touching a probe-coloured one and smaller than this fraction of the
#: smallest expected object area is that object's rim (H.264 chroma bleeding at 4:2:0).
RIM_AREA_FRAC = 0.5
#: The class key of coloured pixels that match none of the probe's colours.
FOREIGN = "foreign"

@dataclass(frozen=True)
class ObjectSpec:
    """A probe object (``objects[i]`` of the schema): size is a fraction of the frame height."""

    name: str
    colour: str
    shape: str
    size: float
    colours: tuple[str, ...] = ()   # further colours of a multi-colour object (``colours``)

    @classmethod
    def from_probe(cls, probe: dict[str, Any]) -> list["ObjectSpec"]:
        out = []
        for o in probe.get("objects") or []:
            more = tuple(c for c in o.get("colours") or () if c != o["colour"])
            out.append(cls(o["name"], o["colour"], o["shape"], float(o["size"]), more))
        return out

    def expected_area(self, height: int) -> float:
        """Expected visible area in px: a disc/ring/cup of diameter size*H, a box or triangle side size*H."""
        d = self.size * height
        if self.shape in ("box", "cylinder"):
            return d * d
        if self.shape in ("triangle", "cone", "pyramid"):
            return 0.433 * d * d
        return math.pi / 4 * d * d


@dataclass
class Detection:
    """One connected component in one frame (original-frame pixels).

    ``circularity`` = 4 pi A / P_hull^2 (1 for a disc, 0.785 for a square, 0.60 for an
    equilateral triangle; the convex-hull perimeter keeps pixel staircases from lowering it);
    ``rectangularity`` = A / area of the minimum-area rotated rectangle (0.785 disc, 1 box,
    0.5 triangle; rotation invariant); ``width`` / ``length``: minor / major axis of the
    equivalent ellipse (4 sqrt(eigenvalue) of the second moments), so motion blur lengthens
    ``length`` but leaves ``width``; ``lab``: mean Lab; ``hist``: normalised 8x8 a*b*
    histogram over [-100, 100]^2; ``edge``: the component touches the frame border (partly
    outside: its centroid and area are biased); ``colour_name``: the nearest palette colour.
    """

    t: int
    cls: str
    cx: float
    cy: float
    area: float
    bbox: tuple[float, float, float, float]
    edge: bool
    circularity: float
    rectangularity: float
    width: float
    length: float
    hu: tuple[float, ...]
    lab: tuple[float, float, float]
    hist: np.ndarray = field(repr=False)
    colour_name: str = ""

    @property
    def xy(self) -> np.ndarray:
        return np.array([self.cx, self.cy])


@dataclass
class DetectionResult:
    """Per-frame detections plus a per-pixel class map (at analysis resolution ``scale``)."""

    frames: list[list[Detection]]
    labels: np.ndarray           # int16 (T, h, w): index into ``classes``, -1 for scene pixels
    classes: list[str]           # class keys (the last is ``FOREIGN`` for the colour detector)
    scale: float                 # analysis px = original px * scale


class Detector(Protocol):
    """What the probe checks need from a detector."""

    name: ClassVar[str]

    def class_of(self, obj: ObjectSpec) -> str:
        """The class key under which detections of ``obj`` are reported."""

    def detect(self, frames: np.ndarray, objects: Sequence[ObjectSpec],
               extra_colours: Sequence[str] = (), background: Sequence[str] = ()) -> DetectionResult:
        """Detect every object class in every frame independently (``extra_colours``: classes
        to report that no object names, e.g. the colour ``expect.count`` counts;
        ``background``: colour words of the scene, the probe's ``background`` hint)."""


DETECTORS: Registry[type] = Registry("probe detector")


def downscale(frames: np.ndarray, side: int = WORK_SIDE) -> tuple[np.ndarray, float]:
    """Frames resized so the long side is at most ``side`` (INTER_AREA), and the scale used."""
    H, W = frames.shape[1:3]
    s = min(1.0, side / max(H, W))
    if s >= 1.0:
        return frames, 1.0
    h, w = max(1, round(H * s)), max(1, round(W * s))
    return np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in frames]), w / W


def _describe(t: int, cls: str, mask: np.ndarray, bins_crop: np.ndarray, x0: int, y0: int,
              shape_hw: tuple[int, int], inv: float) -> Detection:
    """Shape and colour descriptors of one component (``mask`` is its crop)."""
    area_px = float(mask.sum())
    m = cv2.moments(mask.astype(np.uint8), binaryImage=True)
    cx, cy = m["m10"] / m["m00"] + x0, m["m01"] / m["m00"] + y0
    mu20, mu02, mu11 = m["mu20"] / m["m00"], m["mu02"] / m["m00"], m["mu11"] / m["m00"]
    common = math.sqrt(max(0.0, (mu20 - mu02) ** 2 + 4 * mu11 * mu11))
    lam1, lam2 = (mu20 + mu02 + common) / 2, max(0.0, (mu20 + mu02 - common) / 2)
    hu = cv2.HuMoments(m).ravel()
    hu = tuple(float(-math.copysign(1.0, h) * math.log10(abs(h))) if h != 0 else 0.0 for h in hu)
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    pts = max(contours, key=len)
    hull = cv2.convexHull(pts)
    # Pixel-centre contours under-measure a filled shape by half a pixel all round; a pixel
    # square of area A has hull perimeter ~ 4(sqrt(A) - 1), hence the +pi correction (one
    # pixel of perimeter per quarter turn), which makes small discs score ~1, not ~0.8.
    per = cv2.arcLength(hull, True) + math.pi
    circ = float(min(1.0, 4 * math.pi * area_px / (per * per)))
    (_, _), (rw, rh), _ = cv2.minAreaRect(pts)
    rect = float(min(1.0, area_px / max((rw + 1) * (rh + 1), 1.0)))
    labs = lab_lut()[bins_crop[mask]]
    mean = labs.mean(axis=0)
    ab = np.clip(((labs[:, 1:] + 100.0) * (8 / 200.0)).astype(np.int32), 0, 7)
    hist = np.bincount(ab[:, 0] * 8 + ab[:, 1], minlength=64).astype(np.float32)
    hist /= max(float(hist.sum()), 1.0)
    h, w = shape_hw
    ys, xs = np.nonzero(mask)
    bx0, by0, bx1, by1 = xs.min() + x0, ys.min() + y0, xs.max() + x0 + 1, ys.max() + y0 + 1
    edge = bool(bx0 <= 0 or by0 <= 0 or bx1 >= w or by1 >= h)
    return Detection(
        t=t, cls=cls, cx=cx * inv, cy=cy * inv, area=area_px * inv * inv,
        bbox=(bx0 * inv, by0 * inv, bx1 * inv, by1 * inv), edge=edge,
        circularity=circ, rectangularity=rect,
        width=4 * math.sqrt(lam2) * inv, length=4 * math.sqrt(lam1) * inv, hu=hu,
        lab=(float(mean[0]), float(mean[1]), float(mean[2])), hist=hist,
        colour_name=nearest_palette(mean) if cls == FOREIGN else cls,
    )


@DETECTORS.register("colour")
class ColourDetector:
    """The weight-free default: probe colours in CIE Lab, connected components, descriptors."""

    name: ClassVar[str] = "colour"

    def class_of(self, obj: ObjectSpec) -> str:
        return obj.colour

    @staticmethod
    def classify(lab: np.ndarray, colours: Sequence[str]) -> np.ndarray:
        """Class index of Lab values (..., 3): ``i`` for ``colours[i]``, ``len(colours)`` foreign,
        -1 scene (``bench.metrics.probes.colour.classify``)."""
        return classify(lab, colours)

    def detect(self, frames: np.ndarray, objects: Sequence[ObjectSpec],
               extra_colours: Sequence[str] = (), background: Sequence[str] = ()) -> DetectionResult:
        H = frames.shape[1]
        small, scale = downscale(frames)
        inv = 1.0 / scale
        blurred = np.stack([cv2.GaussianBlur(f, (3, 3), 0) for f in small])
        bins = lut_index(blurred)
        keys = list(dict.fromkeys([o.colour for o in objects] + list(extra_colours)))
        words, groups = list(keys), list(range(len(keys)))
        for o in objects:
            for c in o.colours:
                if (c, keys.index(o.colour)) not in zip(words, groups):
                    words.append(c)
                    groups.append(keys.index(o.colour))
        scene_words = tuple(c for c in dict.fromkeys(background) if c not in words)
        lut = class_lut(tuple(words), tuple(groups), scene_words)
        default = 0.01 * H * H
        min_exp = min((o.expected_area(H) for o in objects), default=default)
        max_exp = {k: max((o.expected_area(H) for o in objects if o.colour == k), default=min_exp) for k in keys}
        span = {k: max((o.size * H for o in objects if o.colour == k), default=0.0) * scale for k in keys}
        big = [max(BG_AREA * max_exp[k], BG_FRAME * H * frames.shape[2]) * scale * scale for k in keys]
        wanted = {k: sum(o.colour == k for o in objects) or 1 for k in keys}
        lut = relative_lut(lut, bins, keys, [max_exp[k] * scale * scale for k in keys], wanted)
        lut = appearance_lut(lut, bins, words, groups, scene_words)
        idx = lut[bins]
        keys.append(FOREIGN)
        big.append(max(BG_AREA * max(max_exp.values(), default=default), BG_FRAME * H * frames.shape[2])
                   * scale * scale)
        span[FOREIGN] = 0.0
        min_area = max(4.0, MIN_AREA_FRAC * min_exp * scale * scale)
        min_width = max(2.0 * inv, FOREIGN_WIDTH_FRAC * math.sqrt(min_exp))
        max_rim = RIM_AREA_FRAC * min_exp
        T, h, w = idx.shape
        kernel = np.ones((5, 5), np.uint8)
        n_named = len(keys) - 1
        near_known = np.stack([cv2.dilate(((f >= 0) & (f < n_named)).astype(np.uint8), kernel) for f in idx])
        out: list[list[Detection]] = [[] for _ in range(T)]
        for ci, key in enumerate(keys):
            # one labelling per class for the whole video: frames stacked with a blank row between
            # them, so no component crosses from one frame into the next
            stacked = np.zeros((T, h + 1, w), np.uint8)
            stacked[:, :h] = idx == ci
            if not stacked.any():
                continue
            n, lbl, stats, _ = cv2.connectedComponentsWithStats(stacked.reshape(T * (h + 1), w), connectivity=8)
            for t, parts in _objects_of(stats, n, h, min_area, big[ci], span[key]):
                crop, x, y, y0 = _union_crop(lbl, stats, parts, h, span[key])
                area = float(crop.sum())
                if key == FOREIGN and near_known[t, y0:y0 + crop.shape[0], x:x + crop.shape[1]][crop].any() \
                        and area < max_rim * scale ** 2:
                    continue  # a compression/anti-aliasing rim of a probe-coloured object
                d = _describe(t, key, crop, bins[t, y0:y0 + crop.shape[0], x:x + crop.shape[1]], x, y0, (h, w), inv)
                if key == FOREIGN and d.width < min_width:
                    continue  # a thin fringe between two colours, not an object
                out[t].append(d)
        return DetectionResult(frames=out, labels=idx, classes=keys, scale=scale)


def _objects_of(stats: np.ndarray, n: int, h: int, min_area: float, too_big: float,
                span: float) -> list[tuple[int, list[int]]]:
    """(frame, component labels) of each object: components of ``stats`` (stacked frames of
    height ``h`` + 1) at least ``min_area`` and at most ``too_big`` (larger is background), and
    pieces within ``PART_GAP`` x ``span`` of each other that fit in ``PART_SPAN`` x ``span``
    together grouped into one (``span`` 0: no grouping)."""
    by_t: dict[int, list[int]] = {}
    for k in range(1, n):
        area = stats[k, 4]
        if min_area <= area <= too_big:
            by_t.setdefault(int(stats[k, 1]) // (h + 1), []).append(k)
    out: list[tuple[int, list[int]]] = []
    for t, ks in sorted(by_t.items()):
        boxes = {k: [stats[k, 0], stats[k, 1], stats[k, 0] + stats[k, 2], stats[k, 1] + stats[k, 3]] for k in ks}
        groups = [[k] for k in ks]
        merged = span > 0
        while merged and len(groups) > 1:
            merged = False
            for i in range(len(groups)):
                for j in range(i + 1, len(groups)):
                    a = _box(boxes, groups[i])
                    b = _box(boxes, groups[j])
                    gap = max(b[0] - a[2], a[0] - b[2], b[1] - a[3], a[1] - b[3], 0)
                    u = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    if gap <= PART_GAP * span and max(u[2] - u[0], u[3] - u[1]) <= PART_SPAN * span:
                        groups[i] += groups.pop(j)
                        merged = True
                        break
                if merged:
                    break
        out.extend((t, g) for g in groups)
    return out


def _box(boxes: dict[int, list[int]], ks: list[int]) -> list[int]:
    bs = np.array([boxes[k] for k in ks])
    return [int(bs[:, 0].min()), int(bs[:, 1].min()), int(bs[:, 2].max()), int(bs[:, 3].max())]


def _union_crop(lbl: np.ndarray, stats: np.ndarray, parts: list[int], h: int, span: float
                ) -> tuple[np.ndarray, int, int, int]:
    """Mask crop of the union of ``parts`` (gaps between several pieces closed), its left column,
    stacked top row and in-frame top row."""
    x0 = int(min(stats[k, 0] for k in parts))
    y = int(min(stats[k, 1] for k in parts))
    x1 = int(max(stats[k, 0] + stats[k, 2] for k in parts))
    y1 = int(max(stats[k, 1] + stats[k, 3] for k in parts))
    crop = np.isin(lbl[y:y1, x0:x1], parts) if len(parts) > 1 else lbl[y:y1, x0:x1] == parts[0]
    if len(parts) > 1:
        r = max(1, int(math.ceil(PART_GAP * span / 2)))
        pad = np.pad(crop.astype(np.uint8), r)
        closed = cv2.morphologyEx(pad, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
        crop = closed[r:-r, r:-r] > 0
    return crop, x0, y, y % (h + 1)
