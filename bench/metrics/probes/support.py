"""probe.support — objects resting on a support stay where they are.

For each object in ``expect.at_rest``, its rest position p_0 is the median of its first 3
fully visible positions (world coordinates, camera compensated).  Two errors:

- drift: r_move = max_t |p_t - p_0| / max(0.03 H, 0.3 D) over its fully visible detections
  (a partly hidden object's centroid shifts to its visible part)
  (3 % of the frame or a third of its diameter: centroid jitter under compression and noise
  is < 1 px; a nudge by a neighbour's collision is not "at rest");
- vanishing: frames in which it is missing while its place shows bare backdrop
  (``Analysis.absence`` = "open"), r_gone = n / 0.5 (any such frame fails; hidden behind a
  passing object or an occluder is fine).

r = the worst over objects; value 2^(-r^2); pass iff r <= 1.  Counterfactual probes are judged
the same way: "at rest" is what the probe states, whatever its gravity.

Improves on: VBench-2.0's VLM questions on stability (substring-parsed yes/no) and Physics-IQ
motion masks that cannot tell which object moved.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, frame_span, runs
from bench.metrics.probes.base import ProbeCheck, join, result

MOVE_FRAC, MOVE_DIAM = 0.03, 0.3


@METRICS.register("probe.support")
class SupportCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.support", version="4", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="at_rest objects: drift max|p_t - p_0| / max(0.03 H, 0.3 D) and frames missing over "
                    "bare backdrop / 0.5; value 2^(-r^2) of the worst, pass iff >= 0.5.",
        reference="Improves on VBench-2.0 stability questions (VLM yes/no) and Physics-IQ motion masks "
                  "(object-blind): the named supported object's tracked displacement.",
    )
    expect_keys = ("at_rest",)

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        return list(probe["expect"]["at_rest"])

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        worst, bad, good = 0.0, [], []
        for name in self.subjects(probe):
            obj = a.objects[name]
            ts = np.nonzero(obj.full)[0]
            if not len(ts):
                ts = np.nonzero(obj.present)[0]
            p0 = np.median(obj.xy[ts[:3]], axis=0)
            tol = max(MOVE_FRAC * a.H, MOVE_DIAM * obj.diameter)
            inner = np.nonzero(obj.full)[0] if obj.full.any() else np.nonzero(obj.present)[0]
            dist = np.linalg.norm(obj.xy[inner] - p0, axis=1)
            i = int(np.argmax(dist))
            r_move = float(dist[i]) / tol
            gone = [t for t in range(int(ts[0]), a.T) if not obj.present[t] and a.absence(obj, t, p0) == "open"]
            r_gone = len(gone) / 0.5
            r = max(r_move, r_gone)
            if r_move > 1:
                bad.append(f"{name} moves {dist[i]:.0f} px from its rest position by frame {int(inner[i])} "
                           f"(tolerance {tol:.0f} px)")
            if r_gone > 1:
                spans = ", ".join(frame_span(s, e) for s, e in runs(np.isin(np.arange(a.T), gone)))
                bad.append(f"{name} vanishes from its resting place in {spans}")
            if r <= 1:
                good.append(f"{name} stays within {dist[i]:.1f} px of its rest position")
            worst = max(worst, r)
        return result(worst, join(*(bad or good)))
