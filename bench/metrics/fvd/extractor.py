"""I3D feature extraction for FVD/KVD: preprocessing modes and the two ways to load the detector.

Features are the **400-d Kinetics logits of I3D, averaged over time** (as google-research
``frechet_video_distance`` and StyleGAN-V use them; not the 1024-d pool).

Extractors (weights come only from ``bench.weights.registry``):

- ``torchscript`` (default): StyleGAN-V's ``i3d_torchscript.pt``, converted from the TF-Hub model.
  It is called as StyleGAN-V calls it: ``detector(x, rescale=…, resize=…, return_features=True)``.
  In mode ``styleganv`` we hand it uint8 ``[B, 3, T, H, W]`` with ``rescale=True, resize=True``
  and let it do its own preprocessing (exactly the StyleGAN-V protocol).  In the other modes we
  preprocess ourselves and pass float ``[-1, 1]`` 224×224 with ``rescale=False, resize=False``.
- ``state_dict``: ``i3d_pretrained_400.pt`` (VideoGPT/TATS/cd-FVD) loaded into
  ``bench.metrics.fvd.i3d.InceptionI3d``; we always preprocess ourselves.

Preprocessing modes (the resize filter changes the number, so the mode is part of the cache key):

- ``styleganv``: uint8 → [-1, 1] (2x/255 − 1) → bilinear straight to 224×224 (no crop, no aspect
  keep; PyTorch ``interpolate``, ``align_corners=False``, no antialias).  With the TorchScript
  extractor the detector's own internal resize is used instead.
- ``tf_legacy``: as the TF original: TF1 ``resize_bilinear`` (``align_corners=False``,
  ``half_pixel_centers=False``: source = destination × in/out) straight to 224×224, then [-1, 1].
- ``center_crop``: shorter side to 224 (bilinear), centre crop 224×224, [-1, 1]: the TATS /
  cd-FVD ``preprocess_single`` with VideoGPT's [-0.5, 0.5] bug fixed.

Clips: the first ``clip_frames`` (default 16, as ``fvd2048_16f``) frames of each video; shorter
videos are used whole; fewer than 9 frames is a ``UserError`` (I3D cannot pool them).
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import UserError
from bench.metrics.fvd.i3d import MIN_FRAMES

EXTRACTORS = {"torchscript": "i3d-styleganv-torchscript", "state_dict": "i3d-pretrained-400"}
MODES = ("styleganv", "tf_legacy", "center_crop")
SIZE = 224
FEATURE_DIM = 400


def check_frames(frames: np.ndarray, what: str = "video") -> None:
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise UserError(f"{what}: expected uint8 T×H×W×3 frames, got {frames.dtype} {frames.shape}")
    if frames.shape[0] < MIN_FRAMES:
        raise UserError(f"{what}: {frames.shape[0]} frames; I3D (FVD/KVD) needs at least {MIN_FRAMES} "
                        f"(its temporal stride is 8 and its last pool spans 2 steps)")


def _tf_legacy_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Interpolation matrix of TF1 ``resize_bilinear(align_corners=False, half_pixel_centers=False)``."""
    scale = n_in / n_out
    m = np.zeros((n_out, n_in), np.float64)
    for i in range(n_out):
        src = i * scale
        lo = int(math.floor(src))
        hi = min(lo + 1, n_in - 1)
        frac = src - lo
        m[i, lo] += 1.0 - frac
        m[i, hi] += frac
    return m


def preprocess(frames: np.ndarray, mode: str) -> "Any":
    """uint8 ``[T, H, W, 3]`` → float32 tensor ``[1, 3, T, 224, 224]`` in [-1, 1] for ``mode``."""
    import torch
    import torch.nn.functional as F

    if mode not in MODES:
        raise UserError(f"unknown FVD preprocessing mode {mode!r} (known: {', '.join(MODES)})")
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).to(torch.float32)  # T,3,H,W
    t, _, h, w = x.shape
    if mode == "styleganv":
        x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
    elif mode == "tf_legacy":
        ry = torch.from_numpy(_tf_legacy_matrix(h, SIZE)).to(torch.float32)
        rx = torch.from_numpy(_tf_legacy_matrix(w, SIZE)).to(torch.float32)
        x = ry @ x @ rx.T
    else:  # center_crop
        scale = SIZE / min(h, w)
        size = (SIZE, math.ceil(w * scale)) if h < w else (math.ceil(h * scale), SIZE)
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        top, left = (x.shape[2] - SIZE) // 2, (x.shape[3] - SIZE) // 2
        x = x[:, :, top:top + SIZE, left:left + SIZE]
    x = x * (2.0 / 255.0) - 1.0
    return x.permute(1, 0, 2, 3).unsqueeze(0).contiguous()  # 1,3,T,224,224


def load_state_dict_model(path: str | os.PathLike, device: str = "cpu") -> "Any":
    """``InceptionI3d(400)`` with the state_dict at ``path`` (``weights_only`` load, strict keys)."""
    import torch

    from bench.metrics.fvd.i3d import InceptionI3d

    path = Path(path)
    try:
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise UserError(f"{path}: cannot load as a weights-only state_dict ({type(e).__name__}: {e})") from None
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict):
        raise UserError(f"{path}: not a state_dict (got {type(sd).__name__})")
    sd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}
    model = InceptionI3d(400)
    result = model.load_state_dict(sd, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        raise UserError(f"{path}: not an InceptionI3d(400) state_dict (missing {missing[:3]}, "
                        f"unexpected {result.unexpected_keys[:3]})")
    return model.eval().to(device)


def load_torchscript(path: str | os.PathLike, device: str = "cpu") -> "Any":
    """StyleGAN-V's TorchScript detector (``torch.jit.load``; TorchScript archives hold no pickled code)."""
    import torch

    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return torch.jit.load(str(path), map_location=device).eval()
    except Exception as e:
        raise UserError(f"{path}: cannot load as a TorchScript detector ({type(e).__name__}: {e})") from None


class I3DFeatures:
    """Loads the chosen detector once and maps uint8 clips to 400-d float64 features."""

    def __init__(self, extractor: str = "torchscript", mode: str = "styleganv", clip_frames: int = 16,
                 path: str | os.PathLike | None = None, device: str | None = None):
        if extractor not in EXTRACTORS:
            raise UserError(f"unknown I3D extractor {extractor!r} (known: {', '.join(EXTRACTORS)})")
        if mode not in MODES:
            raise UserError(f"unknown FVD preprocessing mode {mode!r} (known: {', '.join(MODES)})")
        if clip_frames < MIN_FRAMES:
            raise UserError(f"FVD clip_frames must be at least {MIN_FRAMES}, got {clip_frames}")
        self.extractor = extractor
        self.weight_name = EXTRACTORS[extractor]
        self.mode = mode
        self.clip_frames = int(clip_frames)
        self.explicit = path
        self._device = device
        self._model: Any = None
        self._path: Path | None = None
        self._sha: str | None = None
        self._lock = threading.Lock()

    # -- weights
    @property
    def path(self) -> Path:
        if self._path is None:
            from bench.weights import registry

            self._path = registry.resolve(self.weight_name, self.explicit, needed_by="fvd.i3d/kvd.i3d")
        return self._path

    @property
    def weights_sha256(self) -> str:
        if self._sha is None:
            from bench.weights import registry

            self._sha = registry.sha256_of(self.path)
        return self._sha

    @property
    def device(self) -> str:
        if self._device is None:
            import torch

            self._device = "cuda" if torch.cuda.is_available() else "cpu"
        return self._device

    def cache_key(self) -> str:
        """Everything that changes the features (shared by ``fvd.i3d`` and ``kvd.i3d``)."""
        return (f"i3d-logits400@1|extractor={self.extractor}|weights={self.weight_name}:"
                f"{self.weights_sha256[:16]}|mode={self.mode}|clip_frames={self.clip_frames}")

    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                if self.extractor == "torchscript":
                    self._model = load_torchscript(self.path, self.device)
                else:
                    self._model = load_state_dict_model(self.path, self.device)
            return self._model

    # -- features
    def clip(self, frames: np.ndarray, what: str = "video") -> np.ndarray:
        check_frames(frames, what)
        return frames[: self.clip_frames]

    def features(self, frames: np.ndarray, what: str = "video") -> np.ndarray:
        """400-d float64 feature of one video (uint8 ``[T, H, W, 3]``)."""
        import torch

        clip = self.clip(frames, what)
        model = self.model()
        with torch.no_grad():
            if self.extractor == "torchscript" and self.mode == "styleganv":
                x = torch.from_numpy(np.ascontiguousarray(clip)).permute(3, 0, 1, 2).unsqueeze(0).contiguous()  # 1,3,T,H,W uint8
                y = model(x.to(self.device), rescale=True, resize=True, return_features=True)
            else:
                x = preprocess(clip, self.mode).to(self.device)
                if self.extractor == "torchscript":
                    y = model(x, rescale=False, resize=False, return_features=True)
                else:
                    y = model(x)
        y = y.detach().to("cpu", torch.float64).numpy().reshape(-1)
        if y.shape != (FEATURE_DIM,):
            raise UserError(f"{self.path}: the detector returned {y.shape[0]} features, expected {FEATURE_DIM} "
                            f"(Kinetics-400 logits)")
        if not np.isfinite(y).all():
            raise UserError(f"{what}: I3D features are not finite")
        return y


_SHARED: dict[tuple, I3DFeatures] = {}
_SHARED_LOCK = threading.Lock()


def shared(extractor: str, mode: str, clip_frames: int, path: str | os.PathLike | None = None) -> I3DFeatures:
    """One loaded extractor per configuration, shared by ``fvd.i3d`` and ``kvd.i3d``."""
    from bench.weights import registry

    key = (extractor, mode, int(clip_frames), str(path) if path else "", str(registry.weights_dir()))
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = I3DFeatures(extractor, mode, clip_frames, path)
        return _SHARED[key]


def options_from_env() -> dict[str, Any]:
    """``BENCH_FVD_EXTRACTOR`` (torchscript|state_dict), ``BENCH_FVD_MODE``, ``BENCH_FVD_FRAMES``."""
    frames = os.environ.get("BENCH_FVD_FRAMES", "16")
    try:
        clip_frames = int(frames)
    except ValueError:
        raise UserError(f"BENCH_FVD_FRAMES must be an integer, got {frames!r}") from None
    return {
        "extractor": os.environ.get("BENCH_FVD_EXTRACTOR", "torchscript"),
        "mode": os.environ.get("BENCH_FVD_MODE", "styleganv"),
        "clip_frames": clip_frames,
    }
