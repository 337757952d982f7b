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
Probes name every object's colour (``bench.suites.palette.OBJECT_COLOURS``, far apart in CIE
Lab) on grey scenes.  A pixel (after a 3x3 Gaussian blur against sensor noise) is converted to
Lab (through a 5-bit-per-channel lookup table, ``lab_lut``) and compared with the probe's
colours by a shading-tolerant distance

    d_w(p, c) = sqrt((w_L (L_p - L_c))^2 + (a_p - a_c)^2 + (b_p - b_c)^2),   w_L = 0.5

(lightness is down-weighted because shading, brightness jitter and compression move L far more
than hue).  The pixel belongs to the nearest probe colour c* when

    d_w(p, c*) <= tau_c* = min(40, 0.75 C_c*)   and   C_p >= 12

where C = sqrt(a^2 + b^2) is the chroma.  Justification: 40 accepts an object shaded down to
~60 % of its lightness (d_w ~ 30 for red and orange), while the closest pair of palette colours
(blue/purple) is 30 apart and is separated by the nearest-colour rule; the cap 0.75 C keeps a
dark-grey pixel (chroma 0) from being taken for brown (C = 35); the chroma floor 12 keeps every
scene grey (chroma 0, noise adds < 8) out.  A pixel with chroma >= 20 that matches no probe
colour is *foreign* (class ``FOREIGN``): something coloured the prompt never asked for, e.g. a red
cube that came back blue.  Each class mask is split into 8-connected components; components
smaller than ``MIN_AREA_FRAC`` of the smallest expected object area (and 4 px) are noise.

Frames larger than ``WORK_SIDE`` on their long side are analysed downscaled (INTER_AREA);
every coordinate and area in a ``Detection`` is in the *original* frame's pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, Protocol, Sequence

import cv2
import numpy as np

from bench.registry import Registry
from bench.suites.palette import OBJECT_COLOURS, srgb_to_lab

#: Long side (px) above which frames are analysed downscaled.
WORK_SIDE = 192
#: Lightness weight in the colour distance (shading tolerance).
W_L = 0.5
#: Acceptance radius cap, and its fraction of the class colour's chroma.
TAU_MAX, TAU_CHROMA = 40.0, 0.75
#: Chroma floor of an object pixel; chroma above which an unmatched pixel is foreign.
CHROMA_MIN, CHROMA_FOREIGN = 12.0, 20.0
#: Hue tolerance (degrees) within which a desaturated pixel counts as a blend of a probe colour.
BLEND_HUE_DEG = 25.0
#: Components below this fraction of the smallest expected object area are noise.
MIN_AREA_FRAC = 0.06
#: A foreign component narrower than this fraction of the smallest object's side is an edge fringe.
FOREIGN_WIDTH_FRAC = 0.3
#: A foreign component touching a probe-coloured one and smaller than this fraction of the
#: smallest expected object area is that object's rim (H.264 chroma bleeding at 4:2:0).
RIM_AREA_FRAC = 0.5
#: The class key of coloured pixels that match none of the probe's colours.
FOREIGN = "foreign"

_PALETTE_LAB = {k: srgb_to_lab(np.array(v, np.uint8)).astype(np.float32) for k, v in OBJECT_COLOURS.items()}


@dataclass(frozen=True)
class ObjectSpec:
    """A probe object (``objects[i]`` of the schema): size is a fraction of the frame height."""

    name: str
    colour: str
    shape: str
    size: float

    @classmethod
    def from_probe(cls, probe: dict[str, Any]) -> list["ObjectSpec"]:
        return [cls(o["name"], o["colour"], o["shape"], float(o["size"])) for o in probe.get("objects") or []]

    def expected_area(self, height: int) -> float:
        """Expected visible area in px: a disc/ring/cup of diameter size*H, a box or triangle side size*H."""
        d = self.size * height
        if self.shape == "box":
            return d * d
        if self.shape == "triangle":
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
               extra_colours: Sequence[str] = ()) -> DetectionResult:
        """Detect every object class in every frame independently (``extra_colours``: classes
        to report that no object names, e.g. the colour ``expect.count`` counts)."""


DETECTORS: Registry[type] = Registry("probe detector")


#: Colours are looked up at 5 bits per channel: 32768 bins whose centres are converted to Lab
#: once (bin half-width 4 grey levels: < 2.5 Lab units, far inside every tolerance below).
LUT_BITS = 5


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
    """Name of the palette object colour nearest (ΔE76) to one Lab value."""
    return min(_PALETTE_LAB, key=lambda k: float(np.sum((_PALETTE_LAB[k] - lab) ** 2)))


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


@lru_cache(maxsize=64)
def _class_lut(colours: tuple[str, ...]) -> np.ndarray:
    """``ColourDetector.classify`` of every LUT bin, for one set of probe colours."""
    return ColourDetector.classify(lab_lut(), colours)


@DETECTORS.register("colour")
class ColourDetector:
    """The weight-free default: probe colours in CIE Lab, connected components, descriptors."""

    name: ClassVar[str] = "colour"

    def class_of(self, obj: ObjectSpec) -> str:
        return obj.colour

    @staticmethod
    def classify(lab: np.ndarray, colours: Sequence[str]) -> np.ndarray:
        """Class index of Lab values (..., 3): ``i`` for ``colours[i]``, ``len(colours)`` foreign,
        -1 scene.  ``detect`` applies it to the 32768 bins of ``lab_lut`` once per colour set."""
        L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
        chroma = np.hypot(a, b)
        refs = [_PALETTE_LAB[c] for c in colours]
        if not refs:
            return np.where(chroma >= CHROMA_FOREIGN, 0, -1).astype(np.int16)
        d2 = np.stack([(W_L * (L - r[0])) ** 2 + (a - r[1]) ** 2 + (b - r[2]) ** 2 for r in refs])
        near = d2.argmin(axis=0)
        dmin = np.take_along_axis(d2, near[None], axis=0)[0]
        tau2 = np.array([min(TAU_MAX, TAU_CHROMA * float(np.hypot(r[1], r[2]))) ** 2 for r in refs],
                        np.float32)
        idx = np.where((dmin <= tau2[near]) & (chroma >= CHROMA_MIN), near, -1).astype(np.int16)
        # Foreign: clearly coloured, yet not a probe colour nor a blend of one with a grey (an
        # anti-aliased or blurred edge keeps the hue of its colour at lower chroma).
        blend = np.zeros(L.shape, bool)
        hue = np.arctan2(b, a)
        for r in refs:
            dh = np.abs((hue - math.atan2(r[2], r[1]) + np.pi) % (2 * np.pi) - np.pi)
            blend |= (dh <= math.radians(BLEND_HUE_DEG)) & (chroma <= 1.15 * float(np.hypot(r[1], r[2])))
        idx[(idx < 0) & (chroma >= CHROMA_FOREIGN) & ~blend] = len(colours)
        return idx

    def detect(self, frames: np.ndarray, objects: Sequence[ObjectSpec],
               extra_colours: Sequence[str] = ()) -> DetectionResult:
        H = frames.shape[1]
        small, scale = downscale(frames)
        inv = 1.0 / scale
        blurred = np.stack([cv2.GaussianBlur(f, (3, 3), 0) for f in small])
        bins = lut_index(blurred)
        colours = tuple(dict.fromkeys([o.colour for o in objects] + list(extra_colours)))
        idx = _class_lut(colours)[bins]
        min_exp = min((o.expected_area(H) for o in objects), default=0.01 * H * H)
        min_area = max(4.0, MIN_AREA_FRAC * min_exp * scale * scale)
        min_width = max(2.0 * inv, FOREIGN_WIDTH_FRAC * math.sqrt(min_exp))
        max_rim = RIM_AREA_FRAC * min_exp
        keys = list(colours) + [FOREIGN]
        T, h, w = idx.shape
        kernel = np.ones((5, 5), np.uint8)
        near_known = np.stack([cv2.dilate(((f >= 0) & (f < len(colours))).astype(np.uint8), kernel) for f in idx])
        out: list[list[Detection]] = [[] for _ in range(T)]
        for ci, key in enumerate(keys):
            # one labelling per class for the whole video: frames stacked with a blank row between
            # them, so no component crosses from one frame into the next
            stacked = np.zeros((T, h + 1, w), np.uint8)
            stacked[:, :h] = idx == ci
            if not stacked.any():
                continue
            n, lbl, stats, _ = cv2.connectedComponentsWithStats(stacked.reshape(T * (h + 1), w), connectivity=8)
            for k in range(1, n):
                x, y, bw, bh, area = stats[k]
                if area < min_area:
                    continue
                t, y0 = divmod(int(y), h + 1)
                crop = lbl[y:y + bh, x:x + bw] == k
                if key == FOREIGN and near_known[t, y0:y0 + bh, x:x + bw][crop].any() and area < max_rim * scale ** 2:
                    continue  # a compression/anti-aliasing rim of a probe-coloured object
                d = _describe(t, key, crop, bins[t, y0:y0 + bh, x:x + bw], x, y0, (h, w), inv)
                if key == FOREIGN and d.width < min_width:
                    continue  # a thin fringe between two colours, not an object
                out[t].append(d)
        return DetectionResult(frames=out, labels=idx, classes=keys, scale=scale)
