"""What every probe check shares: applicability, set-up failure, and the score scale.

Score scale (all thirteen checks)
---------------------------------
A check measures one or more errors e_i, each with a tolerance tau_i justified in its module,
and reports the worst normalised error r = max_i e_i / tau_i as

    value = 2 ** (-r^2)          verdict = pass  iff  value >= 0.5  (iff every e_i <= tau_i)

so 1 is perfect, 0.5 sits exactly on the tolerance, and the score falls smoothly beyond it
(r = 2 -> 0.06).  One scale makes checks comparable, keeps the verdict a documented threshold
on the value, and lets a reader turn a value back into "how many tolerances off" (r).

Set-up failure
--------------
Each check names the probe objects it needs (``subjects``).  If one of them is not found in the
set-up window (the first quarter of the video, at least 3 frames), the probe's precondition is
unmet: the result is ``value = NaN``, ``verdict = "setup_failed"`` and a reason naming what was
missing.  It is never dropped from a denominator; reports count it as its own outcome.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from bench.metrics.base import MetricValue, Sample, VideoMetric
from bench.metrics.probes.analysis import Analysis, analyse
from bench.video import Video

PASS_AT = 0.5


def score(r: float) -> float:
    """The common scale: ``2 ** (-r^2)`` for a normalised error ``r >= 0`` (``inf`` -> 0)."""
    if not math.isfinite(r):
        return 0.0
    return float(2.0 ** (-(max(r, 0.0) ** 2)))


def result(r: float, reason: str, **extra: Any) -> MetricValue:
    """A pass/fail ``MetricValue`` from the worst normalised error ``r``."""
    v = score(r)
    return MetricValue(v, "pass" if v >= PASS_AT else "fail", reason, {"r": float(r), **extra})


def setup_failed(reason: str, **extra: Any) -> MetricValue:
    return MetricValue(math.nan, "setup_failed", reason, extra)


def join(*parts: str) -> str:
    """Sentences joined with '; ', empty parts dropped."""
    return "; ".join(p for p in parts if p)


class ProbeCheck(VideoMetric):
    """Base of the probe checks.

    Subclasses set ``spec`` and ``expect_keys`` (the ``expect`` keys the check needs; all must
    be present) and implement ``subjects`` (object names needed at set-up) and ``judge``.
    """

    expect_keys: ClassVar[tuple[str, ...]] = ()

    def applies(self, sample: Sample) -> bool:
        p = sample.probe
        if not p or self.spec.id not in (p.get("checks") or []):
            return False
        expect = p.get("expect") or {}
        return all(k in expect for k in self.expect_keys)

    def subjects(self, probe: dict[str, Any]) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def judge(self, a: Analysis, probe: dict[str, Any]) -> MetricValue:  # pragma: no cover - abstract
        raise NotImplementedError

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        probe = sample.probe or {}
        _check_scorable(video, probe)
        a = analyse(video, probe)
        names = self.subjects(probe)
        missing = a.missing(names)
        if missing:
            return setup_failed(
                f"{', '.join(missing)} not found in the first {a.setup_frames} frames "
                f"(looked for {', '.join(_describe(probe, n) for n in missing)})",
                missing=missing)
        out = self.judge(a, probe)
        note = a.camera.describe()
        if note and out.verdict != "setup_failed":
            out.reason = join(out.reason, note)
        out.extra.setdefault("camera", a.camera.status)
        return out


#: Smallest object, in pixels across, a check can find.  Below it a probe is *unscorable* at this
#: frame size: the check raises (recorded as ``status = error`` with the reason, counted as
#: missing) instead of returning ``setup_failed``, which would charge the model for our limit.
MIN_OBJECT_PX = 4.0


def _check_scorable(video: Video, probe: dict[str, Any]) -> None:
    from bench.errors import UserError

    sizes = [float(o["size"]) for o in probe.get("objects") or []
             if isinstance(o, dict) and isinstance(o.get("size"), (int, float))]
    if not sizes:
        return
    px = min(sizes) * min(video.H, video.W)
    if px < MIN_OBJECT_PX:
        raise UserError(f"unscorable: at {video.W}x{video.H} the smallest probe object is {px:.1f} px across, "
                        f"below the {MIN_OBJECT_PX:g} px a check can find (not charged to the model)")


def _describe(probe: dict[str, Any], name: str) -> str:
    for o in probe.get("objects") or []:
        if o.get("name") == name:
            return f"a {o['colour']} {o['shape']} about {o['size']:.2f} of the frame height"
    return repr(name)
