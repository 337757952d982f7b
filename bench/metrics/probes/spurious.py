"""probe.spurious — nothing appears, disappears, fuses or splits without a cause.

Objects may be hidden (behind an occluder, inside a container, behind another object) or leave
through the frame edge; anything else is spurious.  Events, each a set of frames:

- **disappearance** of a named object: frames of an absence run in which its position shows
  bare backdrop (``Analysis.absence`` = "open").  The position is carried along with the named
  object that hid it, if one did (a ball under a moving cup, ``_carrier``), else linear between
  the last sighting before and the first after, or extrapolated at constant velocity if it
  never returns.  When an object of
  the same colour sits there, the object has *fused* with it: allowed while it later separates
  again (a pass in front), spurious if it never does.
- **appearance** of a named object first seen after the set-up window, neither entering at the
  frame edge nor emerging from cover (its back-extrapolated position one frame earlier open).
- **fission / duplicates**: frames, in runs of >= 2, with more components of a colour than the
  probe has objects of that colour (named ones, or ``expect.count.n``); pieces of one object
  cut by a thin occluder (gap < D/2, total area < 1.3 A) are merged first.
- **foreign objects**: components of colours the probe never names (``detect.FOREIGN``) lasting
  >= 2 frames, e.g. a red cube that turned blue.

Single-frame foreign/duplicate blobs are ignored (compression makes such blips); a one-frame
disappearance (flicker) is not.  r = (number of spurious frames) / 0.5, so any fails;
value 2^(-r^2).

Improves on: VBench-2.0's identity/permanence questions, which drop a video from the
denominator when the subject is missing, and on frame-similarity consistency scores that a
flickering object barely moves.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, ObjectTrack, frame_span, runs
from bench.metrics.probes.base import ProbeCheck, join, result
from bench.metrics.probes.detect import Detection, ObjectSpec
from bench.metrics.probes.kinematics import extrapolate, extrapolate_back

MIN_BLOB_RUN = 2
PIECE_GAP, PIECE_AREA = 0.5, 1.3


def _same_class_at(a: Analysis, obj: ObjectTrack, t: int, x: float, y: float) -> Detection | None:
    for d in a.frames[t]:
        if d.cls == obj.cls and obj.dets[t] is not d and d.bbox[0] <= x <= d.bbox[2] and d.bbox[1] <= y <= d.bbox[3]:
            return d
    return None


def _carrier(a: Analysis, obj: ObjectTrack, s: int, where: np.ndarray) -> ObjectTrack | None:
    """The named object that hides ``obj`` when it disappears at frame ``s`` (its bounding box
    holds the position ``obj`` was due at), if any: a cup over a ball, a box in front of it."""
    x, y = a.image_xy(s, where)
    for o in a.objects.values():
        d = o.dets[s]
        if o is not obj and d is not None and d.bbox[0] <= x <= d.bbox[2] and d.bbox[1] <= y <= d.bbox[3]:
            return o
    return None


def _pieces_merged(ds: list[Detection], diam: float, area: float) -> int:
    """Number of objects among same-colour components, merging pieces of one cut object."""
    parent = list(range(len(ds)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(ds)):
        for j in range(i + 1, len(ds)):
            a, b = ds[i].bbox, ds[j].bbox
            gap = max(a[0] - b[2], b[0] - a[2], a[1] - b[3], b[1] - a[3], 0.0)
            if gap < PIECE_GAP * diam and ds[i].area + ds[j].area < PIECE_AREA * area:
                parent[find(i)] = find(j)
    return len({find(i) for i in range(len(ds))})


@METRICS.register("probe.spurious")
class SpuriousCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.spurious", version="4", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Frames with an unexplained disappearance (object missing over bare backdrop), "
                    "appearance, fusion, fission/duplicate or foreign object (>= 2 frames for blobs); "
                    "r = frames/0.5; value 2^(-r^2), pass iff >= 0.5 (no spurious frame).",
        reference="Improves on VBench-2.0 (missing subject dropped from the denominator) and frame-similarity "
                  "consistency scores: per-frame independent detection with every absence explained or counted.",
    )
    expect_keys = ()

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        return [o["name"] for o in probe.get("objects") or []]

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        events: list[tuple[str, list[int]]] = []
        for name in self.subjects(probe):
            events.extend(self._named(a, a.objects[name]))
        events.extend(self._duplicates(a, probe))
        events.extend(self._foreign(a, probe))
        frames = sorted({t for _, ts in events for t in ts})
        r = len(frames) / 0.5
        if r > 1:
            reason = join(*(msg for msg, _ in events[:3]))
            if len(events) > 3:
                reason += f"; and {len(events) - 3} more event(s)"
        else:
            reason = "every disappearance is behind cover or through the frame edge; nothing appears from nowhere"
        return result(r, reason, spurious_frames=frames)

    def _named(self, a: Analysis, obj: ObjectTrack) -> list[tuple[str, list[int]]]:
        out: list[tuple[str, list[int]]] = []
        first = int(obj.seen[0])
        if first >= a.setup_frames:
            d = obj.dets[first]
            back = extrapolate_back(obj, first)
            if not d.edge and back is not None and a.absence(obj, first - 1, back.at(first - 1)) == "open":
                out.append((f"{obj.name} appears from nowhere at frame {first}", [first]))
        for s, e in obj.absent_runs():
            returns = e < a.T - 1
            before = extrapolate(obj, s)
            p_prev = obj.xy[s - 1] if obj.present[s - 1] else before.at(s - 1)
            carrier = _carrier(a, obj, s, before.at(s))
            open_t, fused_t, partner = [], [], None
            for t in range(s, e + 1):
                if carrier is not None and carrier.present[t]:
                    # inside (behind) the object that covered it: it travels with that object
                    p = before.at(s) + carrier.xy[t] - carrier.xy[s]
                elif returns:
                    w = (t - (s - 1)) / (e + 1 - (s - 1))
                    p = (1 - w) * p_prev + w * obj.xy[e + 1]
                else:
                    p = before.at(t)
                if a.absence(obj, t, p) != "open":
                    continue
                x, y = a.image_xy(t, p)
                other = _same_class_at(a, obj, t, x, y)
                if other is not None:
                    fused_t.append(t)
                    partner = partner or next((o.name for o in a.objects.values() if o.dets[t] is other),
                                              f"another {obj.cls} object")
                else:
                    open_t.append(t)
            if open_t:
                spans = ", ".join(frame_span(i, j) for i, j in runs(np.isin(np.arange(a.T), open_t)))
                out.append((f"{obj.name} vanishes in the open in {spans} (nothing stands in front of the place where it should be)", open_t))
            if fused_t and not returns:
                out.append((f"{obj.name} fuses with {partner} from frame {fused_t[0]} on", fused_t))
        return out

    def _expected(self, probe: dict[str, Any], cls: str) -> int:
        named = sum(o["colour"] == cls for o in probe.get("objects") or [])
        c = (probe.get("expect") or {}).get("count")
        return max(named, int(c["n"]) if isinstance(c, dict) and c.get("colour") == cls else 0)

    def _duplicates(self, a: Analysis, probe: dict[str, Any]) -> list[tuple[str, list[int]]]:
        out: list[tuple[str, list[int]]] = []
        classes = {o.cls for o in a.objects.values()}
        c = (probe.get("expect") or {}).get("count")
        if isinstance(c, dict):
            classes.add(c["colour"])
        for cls in sorted(classes):
            n = self._expected(probe, cls)
            objs = [o for o in a.objects.values() if o.cls == cls]
            diam = max((o.diameter for o in objs), default=0.1 * a.H)
            area = max((o.ref_area for o in objs), default=diam * diam)
            if not objs:
                early = [d.area for ds in a.frames[: a.setup_frames] for d in ds if d.cls == cls]
                area = float(np.median(early)) if early else area
                diam = 2 * math.sqrt(area / math.pi)
            excess = np.array([_pieces_merged([d for d in ds if d.cls == cls], diam, area) > n for ds in a.frames])
            for s, e in runs(excess):
                if e - s + 1 >= MIN_BLOB_RUN:
                    out.append((f"an extra {cls} object (a duplicate or a split piece) in {frame_span(s, e)}",
                                list(range(s, e + 1))))
        return out

    def _foreign(self, a: Analysis, probe: dict[str, Any]) -> list[tuple[str, list[int]]]:
        specs = ObjectSpec.from_probe(probe)
        min_area = 0.25 * min((s.expected_area(a.H) for s in specs), default=0.0)
        out: list[tuple[str, list[int]]] = []
        for k in a.foreign:
            ts = sorted(k.dets)
            if len(ts) < MIN_BLOB_RUN or np.median([d.area for d in k.dets.values()]) < min_area:
                continue
            name = k.dets[ts[0]].colour_name
            out.append((f"a {name} object the prompt never mentions appears in {frame_span(ts[0], ts[-1])}", ts))
        return out
