"""probe.attributes — an object keeps its colour, shape and size through motion and occlusion.

``expect.persist = {"object": o, "attributes": [...]}``, optionally ``expect.distractor``.
The object's look (``looks.Look``) over its first 3 reliable frames (whole outline seen:
``rigidity.reliable_frames``, which unlike "fully visible" does not depend on the size staying
the same) is compared with its look over its last 3 ("before" and "after" the motion or
occlusion).  If the object stops being
detected for good before the end, whatever takes its place (``Analysis.impostor``: a component
of another colour, bound to no named object, on its extrapolated path) is its "after" look: a
red cube that comes back from behind a wall blue is an identity change, not an absence.  With
no such component, an object whose path shows bare backdrop at some point has vanished and
r = inf (a missing detection is a failure); one still hidden, or gone through the frame edge,
keeps the look of its last fully visible frames.

- attribute change: r_attr = max over the listed attributes of ``looks.differences`` (colour
  12 dE, width 25 %, circularity/rectangularity 0.15 are r = 1);
- verification against a distractor (I2): with d(x, y) the sum of the listed attributes'
  differences in tolerances, r_ver = d(after, before) / d(after, distractor's before): the
  object after must look more like itself before than like the look-alike.

r = max(r_attr, r_ver); value 2^(-r^2); pass iff r <= 1.  When r > 1, a change point names
the frame: the first fully visible frame from which the per-frame difference of the worst
attribute stays above its tolerance in at least 2/3 of the later frames.

Improves on: VBench subject consistency and ArcFace-to-frame-0 thresholds (absolute cosines,
frames without the subject skipped): a verification margin against a distractor, with a
missing object counted and the swap frame located.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, ObjectTrack
from bench.metrics.probes.base import ProbeCheck, join, result, setup_failed
from bench.metrics.probes.detect import Detection
from bench.metrics.probes.kinematics import extrapolate
from bench.metrics.probes.looks import ATTRIBUTES, Look, differences, look
from bench.metrics.probes.rigidity import reliable_frames

N_LOOK = 3
#: Floor of the distractor distance (tolerances) in the verification ratio.
MIN_DISTANCE = 0.1


def after_detections(a: Analysis, obj: ObjectTrack) -> tuple[list[Detection], str]:
    """Detections that show the object "after", and a note when they are not its own.

    Its last fully visible frames, unless it stopped being detected for good before the end:
    then the first component of another colour on its extrapolated path (an identity swap:
    that component's track), else, if its path shows bare backdrop at some point (it should
    have been seen), nothing (it vanished), else (hidden or gone through the edge) its own."""
    full = reliable_frames(a, obj)
    own = [obj.dets[t] for t in full[-N_LOOK:]]
    last = int(obj.seen[-1])
    if last >= a.T - 1:
        return own, ""
    path = extrapolate(obj, last + 1)
    d = a.impostor(obj, path.at, last + 1)
    if d is not None:
        track = [x for x in a.track_of(d) if not x.edge]
        return track[:N_LOOK] or [d], f"{obj.name} turns into a {d.colour_name} object at frame {d.t}"
    if any(a.absence(obj, t, path.at(t)) == "open" for t in range(last + 1, a.T)):
        return [], f"{obj.name} vanishes after frame {last}"
    return own, ""


def change_point(a: Analysis, obj: ObjectTrack, ref: Look, attr: str) -> int | None:
    """First reliable frame from which ``attr`` stays off ``ref`` in >= 2/3 of later frames."""
    ts = reliable_frames(a, obj)
    r = np.array([differences(ref, look([obj.dets[t]]))[attr] for t in ts])
    for i in range(len(ts)):
        if r[i] > 1 and np.mean(r[i:] > 1) >= 2 / 3:
            return int(ts[i])
    return None


def _distance(x: Look, y: Look, attrs: list[str]) -> float:
    d = differences(x, y)
    return sum(d[k] for k in attrs)


@METRICS.register("probe.attributes")
class AttributesCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.attributes", version="4", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Look (colour dE_w/12 and histogram, width log/log 1.25, circularity/rectangularity "
                    "/0.15) of the first vs last 3 visible frames (or of what took the object's place); "
                    "with a distractor r_ver = d(after, self) / d(after, distractor); value 2^(-r^2) of the "
                    "worst, pass iff >= 0.5.",
        reference="Improves on VBench subject consistency and ArcFace-to-frame-0 thresholds (absolute, "
                  "subject-less frames skipped): a verification margin against a distractor.",
    )
    expect_keys = ("persist",)

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        e = probe["expect"]
        return [e["persist"]["object"]] + ([e["distractor"]] if e.get("distractor") else [])

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        e = probe["expect"]
        obj = a.objects[e["persist"]["object"]]
        attrs = [k for k in ATTRIBUTES if k in (e["persist"].get("attributes") or ATTRIBUTES)]
        full = reliable_frames(a, obj)
        if len(full) < 2:
            return setup_failed(f"{obj.name} is fully visible in fewer than 2 frames")
        before = look(obj.dets[t] for t in full[:N_LOOK])
        after_dets, note = after_detections(a, obj)
        if not after_dets:
            return result(math.inf, f"{note}: its {', '.join(attrs)} after cannot be verified")
        after = look(after_dets)
        diffs = differences(before, after)
        k = max(attrs, key=lambda x: diffs[x])
        r_attr = diffs[k]
        rs = {"attr": r_attr}
        msgs = []
        if r_attr > 1:
            at = change_point(a, obj, before, k) if not note else None
            when = f" at frame {at}" if at is not None else ""
            msgs.append(f"{obj.name}'s {k} changes{when}: {before.describe(k)} → {after.describe(k)}")
        if e.get("distractor"):
            dis = a.objects[e["distractor"]]
            dfull = reliable_frames(a, dis)
            dlook = look(dis.dets[t] for t in dfull[:N_LOOK])
            if dlook is not None:
                d_self, d_dis = _distance(after, before, attrs), _distance(after, dlook, attrs)
                rs["ver"] = d_self / max(d_dis, MIN_DISTANCE)
                if rs["ver"] > 1:
                    msgs.append(f"afterwards {obj.name} looks more like the {dis.name} than like itself "
                                f"(difference {d_self:.1f} vs {d_dis:.1f} tolerances)")
        r = max(rs.values())
        if r > 1:
            reason = join(note, *msgs)
        else:
            margin = f", margin against the {e['distractor']} {1 - rs['ver']:.0%}" if "ver" in rs else ""
            reason = join(note, f"{obj.name} keeps its {', '.join(attrs)} (largest change {r_attr:.2f} "
                                f"tolerances, in {k}){margin}")
        return result(r, reason, **{f"r_{n}": float(v) for n, v in rs.items()})
