"""Weight-free probe checks: physics, permanence, identity.

Where a probe's expectation is checked: one module per check, each a ``VideoMetric`` registered
under its ``bench.suites.schema.PROBE_CHECKS`` id.  They share one analysis per video
(``analysis.analyse``: per-frame colour detection, association, camera motion, cover map) and
one score scale (``base``: value = 2^(-r^2) for the worst error r in tolerances; pass iff r <= 1).

physics      gravity, bounce, continuity, rigidity, collision, friction, support
permanence   reappearance, containment, count, spurious
identity     attributes, crossing

Detectors are pluggable (``detect.DETECTORS``; the colour detector is the default).
"""

from bench.metrics.probes import (  # noqa: F401  (importing registers each check)
    attributes,
    bounce,
    collision,
    containment,
    continuity,
    count,
    crossing,
    friction,
    gravity,
    reappearance,
    rigidity,
    spurious,
    support,
)
from bench.metrics.probes.analysis import Analysis, ObjectTrack, analyse
from bench.metrics.probes.detect import DETECTORS, ColourDetector, Detection, Detector, ObjectSpec

__all__ = ["Analysis", "ObjectTrack", "analyse", "DETECTORS", "ColourDetector", "Detection", "Detector",
           "ObjectSpec"]
