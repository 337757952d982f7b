"""probe.containment — a hidden object is revealed where its container ended up.

``expect.contained = {"object": o, "container": cup}`` (the cup is a probe object).  The object
is hidden under the cup, the cup moves (carrying it) and is lifted.  The hiding is the
object's last run of absence whose start is covered; the reveal is the first frame after it.

- place: at the first fully visible frame after the reveal, r_place = |x_o - x_cup| /
  (0.5 D_cup + 0.05 H), with x_cup the cup's horizontal position at the reveal (nearest frame
  it is seen): the object must come out from under the cup's mouth;
- look: colour, size and shape before vs after (``looks.differences``), r_look.

Never revealed: if, at the last frame, the object's place — under the cup's final position, at
the height where it was hidden — shows bare backdrop, the cup has lifted and the object is gone
(r = inf); if it is still covered, the cup never lifted, a set-up failure (nothing revealed to
judge).  The object never hidden is a set-up failure too.  r = max(r_place, r_look);
value 2^(-r^2); pass iff r <= 1.

Improves on: VLM questions about containment (VBench-2.0): the reveal is located and compared
with the tracked container.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, ObjectTrack
from bench.metrics.probes.base import ProbeCheck, join, result, setup_failed
from bench.metrics.probes.looks import worst_change

PLACE_DIAM, PLACE_FRAC = 0.5, 0.05


def _nearest_seen(obj: ObjectTrack, t: int) -> int | None:
    seen = obj.seen
    if not len(seen):
        return None
    return int(seen[np.argmin(np.abs(seen - t))])


@METRICS.register("probe.containment")
class ContainmentCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.containment", version="4", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="At the reveal, r_place = |x_object - x_container| / (0.5 D_container + 0.05 H), plus the "
                    "look change in tolerances; gone while its place shows backdrop -> 0; value 2^(-r^2), pass "
                    "iff >= 0.5.",
        reference="Improves on VBench-2.0 containment questions (VLM yes/no): the revealed object is located "
                  "against the tracked container.",
    )
    expect_keys = ("contained",)

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        c = probe["expect"]["contained"]
        return [c["object"], c["container"]]

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        c = probe["expect"]["contained"]
        obj, cup = a.objects[c["object"]], a.objects[c["container"]]
        hidden = []
        for s, e in obj.absent_runs():
            p = obj.xy[s - 1] if obj.present[s - 1] else obj.xy[obj.seen[obj.seen < s][-1]]
            if a.absence(obj, s, p) == "covered":
                hidden.append((s, e, p))
        if not hidden:
            return setup_failed(f"{obj.name} is never hidden under the {cup.name}")
        s, e, p_hide = hidden[-1]
        before = [t for t in np.nonzero(obj.full[:s])[0]][-3:]
        if e >= a.T - 1:
            tc = _nearest_seen(cup, a.T - 1)
            where = np.array([cup.xy[tc, 0], p_hide[1]])
            state = a.absence(obj, a.T - 1, where)
            if state == "covered":
                return setup_failed(f"the {cup.name} never lifts off {obj.name} (still covered at the last frame)")
            return result(math.inf, f"{obj.name} is gone: hidden under the {cup.name} at frame {s}, its place under "
                                    f"the cup shows bare backdrop at the end", hidden=s)
        reveal = e + 1
        after = [t for t in np.nonzero(obj.full)[0] if t >= reveal][:3]
        t_obs = after[0] if after else reveal
        tc = _nearest_seen(cup, reveal)
        dx = abs(float(obj.xy[t_obs, 0] - cup.xy[tc, 0]))
        tol = PLACE_DIAM * cup.diameter + PLACE_FRAC * a.H
        rs = {"place": dx / tol}
        why = {"place": (f"{obj.name} is revealed {dx:.0f} px from the {cup.name} at frame {t_obs} "
                         f"(within {tol:.0f} px expected): it was not carried with the cup")}
        change = worst_change((obj.dets[t] for t in before), (obj.dets[t] for t in after))
        if change is not None:
            rs["look"] = change[0]
            why["look"] = f"{obj.name} comes out changed: {change[1]}"
        r = max(rs.values())
        if r > 1:
            reason = join(*(why[k] for k in sorted(rs, key=rs.get, reverse=True) if rs[k] > 1))
        else:
            reason = (f"{obj.name}, hidden under the {cup.name} at frame {s}, is revealed at frame {reveal} "
                      f"{dx:.0f} px from the cup's place, looking the same")
        return result(r, reason, hidden=s, revealed=reveal, **{f"r_{k}": float(v) for k, v in rs.items()})
