"""The metric contract: a declared spec beside the code, one registry, two kinds of metric.

Every metric module defines one class with a ``spec`` (``MetricSpec``) and registers it with
``@METRICS.register(spec.id)``.  Two kinds:

- ``VideoMetric``: one value per video, ``compute(video, sample) -> MetricValue``.  Probe checks
  are video metrics whose ``MetricValue`` carries a ``verdict`` (pass / fail / setup_failed)
  and a human-readable ``reason``.
- ``SetMetric``: one value per (model, suite) set versus a reference set (FVD, KVD).  It maps
  each video to a feature vector (``features``, cached by video hash + extractor + mode) and
  computes the set value from mergeable sufficient statistics.

``available()`` says whether the metric can run here and, if not, why (missing weights,
missing package).  ``bench score`` records unavailable metrics with that reason, never a number.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

from bench.registry import Registry
from bench.video import Video

Direction = Literal["higher", "lower", "none"]
Verdict = Literal["pass", "fail", "setup_failed"]
VERDICTS = ("pass", "fail", "setup_failed")

#: What a metric may need from a sample (``needs`` entries).
NEEDS = {
    "frames",      # the decoded frames (every metric)
    "prompt",      # the prompt text as used
    "probe",       # the probe's structured fields (objects, expect, scene)
    "reference",   # a reference set (set-level metrics)
}


@dataclass(frozen=True)
class MetricSpec:
    """What a metric is, declared beside its code.

    id: stable dotted id (``temporal.flicker``, ``probe.gravity``, ``fvd.i3d``).
    version: bump whenever the numbers can change.
    needs: subset of ``NEEDS``.
    weights: weights-registry names this metric cannot run without.
    direction: ``higher``/``lower`` is better, or ``none`` (a covariate such as motion).
    range: (low, high), ``None`` for unbounded.
    level: ``video`` (one value per video) or ``set`` (FVD-like).
    kind: ``probe`` (a check with a verdict), ``standard`` (a mainstream metric), ``covariate``.
    reference: the de-facto reference implementation it follows, and where it differs.
    """

    id: str
    version: str
    needs: tuple[str, ...]
    weights: tuple[str, ...] = ()
    direction: Direction = "higher"
    range: tuple[float | None, float | None] = (None, None)
    level: Literal["video", "set"] = "video"
    kind: Literal["probe", "standard", "covariate"] = "standard"
    description: str = ""
    reference: str = ""
    min_frames: int = 2

    def __post_init__(self) -> None:
        unknown = set(self.needs) - NEEDS
        if unknown:
            raise ValueError(f"metric {self.id}: unknown needs {sorted(unknown)}")
        if self.direction not in ("higher", "lower", "none"):
            raise ValueError(f"metric {self.id}: bad direction {self.direction!r}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["needs"] = list(self.needs)
        d["weights"] = list(self.weights)
        d["range"] = list(self.range)
        return d


@dataclass
class Sample:
    """Everything a metric may read about one video besides its frames.

    ``probe`` is the probe dict from the suite (id, suite, category, prompt, objects, expect,
    checks, scene).  ``row`` is the manifest row.  ``prompt`` is the prompt text as used.
    """

    model: str
    probe_id: str
    sample: int
    prompt: str
    probe: dict[str, Any] | None = None
    row: dict[str, Any] = field(default_factory=dict)


@dataclass
class MetricValue:
    """A per-video result.  ``value`` is NaN only together with ``verdict='setup_failed'``."""

    value: float
    verdict: Verdict | None = None
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict is not None and self.verdict not in VERDICTS:
            raise ValueError(f"bad verdict {self.verdict!r}")
        self.value = float(self.value)


class Metric:
    """Common base.  Subclasses set ``spec`` as a class attribute."""

    spec: ClassVar[MetricSpec]

    def available(self) -> tuple[bool, str]:
        """(True, "") when the metric can run here, else (False, why and how to enable)."""
        if not self.spec.weights:
            return True, ""
        from bench.weights import registry as wreg

        for name in self.spec.weights:
            ok, why = wreg.status(name)
            if not ok:
                return False, why
        return True, ""

    def applies(self, sample: Sample) -> bool:
        """Whether the metric applies to this sample (probe checks apply to listed probes)."""
        return True


class VideoMetric(Metric):
    def compute(self, video: Video, sample: Sample) -> MetricValue:  # pragma: no cover - abstract
        raise NotImplementedError


class SetMetric(Metric):
    """FVD-like metrics: per-video features, then a set value against a reference."""

    def features(self, video: Video) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def cache_key(self) -> str:
        """Everything that changes the features: extractor, weights checksum, preprocessing mode."""
        return f"{self.spec.id}@{self.spec.version}"

    def compute_set(self, feats: np.ndarray, ref_feats: np.ndarray) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError


METRICS: Registry[type[Metric]] = Registry("metric")
