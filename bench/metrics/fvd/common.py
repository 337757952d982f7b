"""What ``fvd.i3d`` and ``kvd.i3d`` share: options, the I3D extractor, availability, cache key."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from bench.errors import UserError
from bench.metrics.base import Sample, SetMetric
from bench.metrics.fvd import extractor as ext
from bench.video import Video

#: random disjoint reference splits averaged for the real-vs-real floor
FLOOR_REPEATS = 5
FLOOR_SEED = 0


class I3DSetMetric(SetMetric):
    """A set metric on I3D logits.  Options (constructor, else environment):

    extractor: ``torchscript`` (StyleGAN-V's ``i3d_torchscript.pt``, default) or ``state_dict``
        (``i3d_pretrained_400.pt``); env ``BENCH_FVD_EXTRACTOR``.
    mode: preprocessing mode, ``styleganv`` (default), ``tf_legacy``, ``center_crop``;
        env ``BENCH_FVD_MODE``.
    clip_frames: frames per clip (first frames of each video), default 16; env ``BENCH_FVD_FRAMES``.
    weights: an explicit weights path (else the registry's search order).
    """

    def __init__(self, extractor: str | None = None, mode: str | None = None, clip_frames: int | None = None,
                 weights: str | os.PathLike | None = None):
        env = ext.options_from_env()
        self.extractor = extractor or env["extractor"]
        self.mode = mode or env["mode"]
        self.clip_frames = int(clip_frames or env["clip_frames"])
        if self.extractor not in ext.EXTRACTORS:
            raise UserError(f"unknown I3D extractor {self.extractor!r} (known: {', '.join(ext.EXTRACTORS)})")
        self.weights = weights
        self._feat: ext.I3DFeatures | None = None

    @property
    def weight_name(self) -> str:
        return ext.EXTRACTORS[self.extractor]

    def available(self) -> tuple[bool, str]:
        from bench.weights import registry

        if self.weights:
            try:
                registry.resolve(self.weight_name, self.weights, needed_by=self.spec.id)
            except UserError as e:
                return False, str(e)
            return True, ""
        return registry.status(self.weight_name)

    def applies(self, sample: Sample) -> bool:
        """Videos the manifest says are shorter than 9 frames cannot enter an I3D set (they are
        counted and named in ``set_scores``' reason column instead)."""
        frames = (sample.row or {}).get("frames")
        return not (isinstance(frames, int) and frames < self.spec.min_frames)

    @property
    def feat(self) -> ext.I3DFeatures:
        if self._feat is None:
            self._feat = ext.shared(self.extractor, self.mode, self.clip_frames, self.weights)
        return self._feat

    def features(self, video: Video) -> np.ndarray:
        """400-d I3D logits (averaged over time) of the video's first ``clip_frames`` frames."""
        return self.feat.features(video.frames, what=f"{self.spec.id}: {video.provenance.get('file', 'video')}")

    def cache_key(self) -> str:
        """Shared by fvd.i3d and kvd.i3d: the features are the same."""
        return self.feat.cache_key()

    def options(self) -> dict[str, Any]:
        return {"extractor": self.extractor, "mode": self.mode, "clip_frames": self.clip_frames}

    @staticmethod
    def _check(feats: np.ndarray, ref_feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(feats, np.float64)
        y = np.asarray(ref_feats, np.float64)
        if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
            raise UserError(f"feature sets must be N×d with the same d, got {x.shape} and {y.shape}")
        if x.shape[0] < 2 or y.shape[0] < 2:
            raise UserError(f"a set metric needs at least 2 videos on each side, got {x.shape[0]} and {y.shape[0]}")
        return x, y
