"""probe.friction — an object sliding or rolling with friction never speeds up.

The object in ``expect.decelerate`` gets a per-frame speed v_t from a linear fit over a centred
5-frame window (``kinematics.speeds``; fitting, not differencing, keeps position noise from
doubling into speed noise).  Friction only takes energy away, so the speed may never rise
above its running minimum:

    rise_t = v_t - min_{s <= t} v_s,   r = max_t rise_t / (0.1 v_max + 3 sigma_v + 0.05 px)

with sigma_v = sigma / sqrt(10) the noise of a 5-point slope fit given position noise sigma
(sum of squared centred times is 10), and 10 % of the peak speed for the sampling of a
decelerating motion.  The check starts at the first frame the object moves (speed
>= 0.005 H per frame), so a push or release is not counted as a gain; an object that never moves
fails, r = 2 (the slide the probe expects never happens).

Kinetic friction decelerates at a steady rate (mu g), so the object may not halt from speed in
one frame.  With d_t the per-frame step lengths over consecutive fully visible frames, the stop
is the first step after which every step stays below 15 % of the fastest so far; the step before
it must be explainable by the deceleration seen until then:

    r_stop = d_before_stop / (2 median(max(d_{t-1} - d_t, 0)) + 0.1 max d + 3 sqrt(2) sigma)

(a frozen object halts dead from full speed; a real slide ends with a step no longer than about
one frame's deceleration).
r = max(r_rise, r_stop); value 2^(-r^2); pass iff r <= 1.

Improves on: VLM questions about friction (WorldModelBench) and optical-flow magnitude
statistics (VBench dynamic degree), which do not follow one object's speed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue
from bench.metrics.probes.analysis import Analysis, ObjectTrack
from bench.metrics.probes.base import ProbeCheck, result
from bench.metrics.probes.kinematics import speeds

PEAK_FRAC = 0.1
NOISE_K = 3.0
MOVING_FRAC = 0.005
#: r of an expected slide that never happens.
NEVER_R = 2.0
STOP_FRAC = 0.15


@METRICS.register("probe.friction")
class FrictionCheck(ProbeCheck):
    spec = MetricSpec(
        id="probe.friction", version="4", needs=("frames", "probe"), kind="probe", direction="higher",
        range=(0.0, 1.0),
        description="Speed from 5-frame linear fits; rise above the running minimum / (0.1 v_max + "
                    "3 sigma_v + 0.05 px); last step before a stop / (2 median deceleration + 0.1 max step + "
                    "noise); value 2^(-r^2) of the largest, pass iff >= 0.5.",
        reference="Improves on WorldModelBench friction questions (VLM) and VBench dynamic degree (flow "
                  "magnitude, object-blind): the named object's speed must be non-increasing.",
    )
    expect_keys = ("decelerate",)

    def subjects(self, probe: dict[str, Any]) -> list[str]:
        return [probe["expect"]["decelerate"]]

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:
        name = probe["expect"]["decelerate"]
        obj = a.objects[name]
        ts, v, sigma = speeds(obj)
        moving = np.nonzero(v >= MOVING_FRAC * a.H)[0]
        if not len(moving):
            return result(NEVER_R, f"{name} never moves, though the prompt says it slides or rolls and slows down")
        ts, v = ts[moving[0]:], v[moving[0]:]
        tol = PEAK_FRAC * float(v.max()) + NOISE_K * sigma / math.sqrt(10) + 0.05
        rise = v - np.minimum.accumulate(v)
        i = int(np.argmax(rise))
        r_rise = float(rise[i]) / tol
        r_stop, stop_msg = _abrupt_stop(obj, int(ts[0]), sigma)
        if r_rise > 1:
            j = int(np.argmin(v[: i + 1]))
            reason = (f"{name} speeds up from {v[j]:.2f} px/frame at frame {int(ts[j])} to {v[i]:.2f} at "
                      f"frame {int(ts[i])} (tolerance {tol:.2f}): friction cannot add speed")
        elif r_stop > 1:
            reason = stop_msg
        else:
            reason = (f"{name} slows from {v[0]:.2f} to {v[-1]:.2f} px/frame without speeding up or halting "
                      f"dead (largest rise {rise[i]:.2f}, tolerance {tol:.2f})")
        return result(max(r_rise, r_stop), reason, v_start=float(v[0]), v_end=float(v[-1]))


def _abrupt_stop(obj: ObjectTrack, start: int, sigma: float) -> tuple[float, str]:
    """How much faster the object was going when it stopped than its deceleration explains."""
    ts = np.nonzero(obj.full)[0]
    ts = ts[ts >= start]
    pairs = [(p, t) for p, t in zip(ts[:-1], ts[1:]) if t == p + 1]
    if len(pairs) < 3:
        return 0.0, ""
    d = np.array([np.linalg.norm(obj.xy[t] - obj.xy[p]) for p, t in pairs])
    k = next((i for i in range(2, len(d)) if (d[i:] < STOP_FRAC * d[:i].max()).all()), None)
    if k is None:
        return 0.0, ""
    decel = float(np.median(np.maximum(d[:k - 1] - d[1:k], 0.0)))
    allowed = 2.0 * decel + PEAK_FRAC * float(d[:k].max()) + NOISE_K * math.sqrt(2) * sigma
    t = pairs[k][1]
    return float(d[k - 1]) / allowed, (f"{obj.name} halts dead at frame {t} from {d[k - 1]:.1f} px/frame "
                                       f"(its friction decelerates it by {decel:.1f} px/frame per frame; "
                                       f"a stop from at most {allowed:.1f} is explained)")
