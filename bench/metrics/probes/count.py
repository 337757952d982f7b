"""probe.count — the number of objects of a colour is the same after an occluder sweep as before.

``expect.count = {"colour": c, "n": n}`` (or, without it, objects with a ``count``: the colour of
the first and the number of objects of that colour the probe describes, ``analysis.count_target``).  In every frame the components of colour c are
counted, a component counting round(A / A_1) (at least 1) so that objects touching one another
and merged into one blob still count as two; A_1 is the median single-object area, the median
component area over the set-up window (the first quarter of the video).  Partly hidden objects
count as 1.

    before = mode of the count over the set-up window's frames that show any (all if none do)
    after  = mode of the count over the last quarter of the video

(objects the probe lists in ``expect.leaves_frame`` that left through the frame's edge still
count after; the mode ignores frames in which the sweeping occluder hides some of them; a set-up window
whose first frames are empty takes its count from the frames where the objects have come in).
``before != n`` is a set-up failure (the generator did not draw n objects); otherwise
r = |after - before| / 0.5, i.e. any change fails; value 2^(-r^2).

Improves on: VLM counting questions (VBench-2.0, saturated and substring-parsed) and on
per-frame detector counts without a before/after design.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample
from bench.metrics.probes.analysis import Analysis, frame_span
from bench.metrics.probes.base import ProbeCheck, result, setup_failed
from bench.metrics.probes.expect import count_target


def counts(a: Analysis, colour: str) -> tuple[np.ndarray, float]:
    """Per-frame object count of ``colour`` (area-aware, see the module docstring) and A_1."""
    early = [d.area for ds in a.frames[: a.setup_frames] for d in ds if d.cls == colour and not d.edge]
    unit = float(np.median(early)) if early else math.nan
    out = np.zeros(a.T, int)
    for t, ds in enumerate(a.frames):
        for d in ds:
            if d.cls == colour:
                out[t] += max(1, round(d.area / unit)) if early else 1
    return out, unit


def exits(a: Analysis, probe: dict[str, Any], colour: str) -> list[str]:
    """Objects of ``colour`` in ``expect.leaves_frame`` that left through the frame's edge: last
    seen touching it or within a diameter of it, and absent from then to the end."""
    out = []
    for name in (probe.get("expect") or {}).get("leaves_frame") or []:
        o = a.objects.get(name)
        if o is None or o.cls != colour or not len(o.seen) or o.seen[-1] >= a.T - 1:
            continue
        d = o.dets[int(o.seen[-1])]
        x0, y0, x1, y1 = d.bbox
        margin = o.diameter
        if o.edge[o.seen[-1]] or min(x0, y0, a.W - x1, a.H - y1) <= margin:
            out.append(name)
    return out


def _n(n: int, colour: str) -> str:
    return f"{n} {colour} object" + ("" if n == 1 else "s")


def mode(x: np.ndarray) -> int:
    """Most frequent value; ties go to the larger count."""
    c = Counter(x.tolist())
    return max(c, key=lambda k: (c[k], k))


@METRICS.register("probe.count")
class CountCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.count", version="4", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Area-aware count of the colour per frame; mode over the first quarter's non-empty frames "
                    "(must equal expect.count.n, else setup_failed) vs mode over the last quarter; r = |diff|/0.5; "
                    "value 2^(-r^2), pass iff >= 0.5.",
        reference="Improves on VBench-2.0 counting questions (VLM yes/no): per-frame detection counts "
                  "compared before and after the occluder sweep.",
    )
    expect_keys = ()

    def applies(self, sample: Sample) -> bool:
        p = sample.probe
        return bool(p) and self.spec.id in (p.get("checks") or []) and count_target(p) is not None

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        return []

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        target = count_target(probe) or {}
        colour, n = target["colour"], int(target["n"])
        c, _ = counts(a, colour)
        q = max(1, math.ceil(a.T / 4))
        early = c[: a.setup_frames]
        before, after = mode(early[early > 0] if (early > 0).any() else early), mode(c[a.T - q:])
        span_b, span_a = frame_span(0, a.setup_frames - 1), frame_span(a.T - q, a.T - 1)
        if before != n:
            return setup_failed(f"{before} {colour} object(s) at the start ({span_b}); the prompt asks for {n}",
                                counts=c.tolist())
        gone = exits(a, probe, colour)
        after += len(gone)
        r = abs(after - before) / 0.5
        if r > 1:
            reason = (f"{_n(before, colour)} before ({span_b}), {after} after ({span_a}): "
                      f"the number of {colour} objects changes")
        else:
            reason = f"{_n(before, colour)} before ({span_b}) and after ({span_a})"
        if gone:
            reason += f" (counting {', '.join(gone)}, which left the frame as the prompt says)"
        return result(r, reason, before=before, after=after, counts=c.tolist())
