"""An object's look (colour, size, shape) over a few frames, and how far two looks differ.

A ``Look`` is the per-attribute median over a handful of detections:

- colour: mean Lab and the a*b* histogram;
- size: width (minor axis; blur-invariant) in px;
- shape: circularity and rectangularity (``detect.Detection``).

``differences(x, y)`` gives each attribute's difference *in tolerances* (r = 1 at the
tolerance):

- colour: max(dE_w / 12, (1 - BC) / 0.6), with dE_w the shading-tolerant Lab distance of the
  detector (L weighted 0.5) and BC the Bhattacharyya coefficient of the a*b* histograms.
  12 is about a third of the closest palette pair (blue/purple, 30) and well above what H.264
  re-encoding and +-10 % brightness jitter shift a mean colour (< 5); a histogram straddling a
  bin edge loses up to half its overlap under such shifts, hence the lenient 0.6;
- size: |log(w_x / w_y)| / log(1.25);
- shape: sqrt((c_x - c_y)^2 + (q_x - q_y)^2) / 0.15 (a 12 px disc and square differ by about
  (0.12, 0.15), i.e. 0.19; rescaling and compression move a 10 px blob by up to about 0.13,
  mostly in rectangularity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from bench.metrics.probes.detect import W_L, Detection

COLOUR_TOL = 12.0
HIST_TOL = 0.6
SIZE_TOL = math.log(1.25)
SHAPE_TOL = 0.15
ATTRIBUTES = ("colour", "size", "shape")


@dataclass
class Look:
    lab: np.ndarray
    hist: np.ndarray
    width: float
    circularity: float
    rectangularity: float
    colour_name: str

    def describe(self, attr: str) -> str:
        if attr == "colour":
            return f"{self.colour_name} (Lab {self.lab[0]:.0f}/{self.lab[1]:.0f}/{self.lab[2]:.0f})"
        if attr == "size":
            return f"{self.width:.1f} px wide"
        return f"circularity {self.circularity:.2f}, rectangularity {self.rectangularity:.2f}"


def look(dets: Iterable[Detection]) -> Look | None:
    ds = list(dets)
    if not ds:
        return None
    lab = np.median(np.array([d.lab for d in ds]), axis=0)
    hist = np.mean(np.stack([d.hist for d in ds]), axis=0)
    names = [d.colour_name for d in ds]
    return Look(lab=lab, hist=hist, width=float(np.median([d.width for d in ds])),
                circularity=float(np.median([d.circularity for d in ds])),
                rectangularity=float(np.median([d.rectangularity for d in ds])),
                colour_name=max(set(names), key=names.count))


def differences(x: Look, y: Look) -> dict[str, float]:
    """Per-attribute difference in tolerances (see the module docstring)."""
    d = x.lab - y.lab
    de = math.sqrt((W_L * d[0]) ** 2 + d[1] ** 2 + d[2] ** 2)
    bc = float(np.sum(np.sqrt(x.hist * y.hist)))
    return {
        "colour": max(de / COLOUR_TOL, (1.0 - bc) / HIST_TOL),
        "size": abs(math.log(max(x.width, 1e-6) / max(y.width, 1e-6))) / SIZE_TOL,
        "shape": math.hypot(x.circularity - y.circularity, x.rectangularity - y.rectangularity) / SHAPE_TOL,
    }


def worst_change(before: Iterable[Detection], after: Iterable[Detection]) -> tuple[float, str] | None:
    """The attribute that changed most between two sets of detections: ``(r, "attr old → new")``
    with r in tolerances (``differences``); ``None`` when either set is empty."""
    lb, la = look(before), look(after)
    if lb is None or la is None:
        return None
    diffs = differences(lb, la)
    k = max(diffs, key=diffs.get)
    return diffs[k], f"{k} {lb.describe(k)} → {la.describe(k)}"
