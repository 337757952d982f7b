"""The CLIP encoder shared by ``clip.clipsim`` and ``clip.temp``.

Weights come from the registry only (``hf_repo`` entries resolved to a local folder, then
``CLIPModel.from_pretrained(folder)`` / ``CLIPProcessor.from_pretrained(folder)``, both with
``local_files_only=True``).  Which CLIP: ``BENCH_CLIP_MODEL`` (a registry name; default
``clip-vit-base-patch32``, the usual CLIPSIM backbone; ``clip-vit-large-patch14`` is torchmetrics
CLIPScore's default) or the metric's ``model`` option.

Preprocessing is the checkpoint's own ``CLIPProcessor`` fed uint8-range images (CHW uint8
tensors, as torchmetrics passes them): shortest side to the model size (bicubic), centre crop,
/255, CLIP mean/std.  (EvalCrafter fed raw 0–255 pixels without normalisation — a bug we do not
reproduce.)  Prompts are tokenised with truncation at the model's maximum length (77), keeping
the end token; torchmetrics instead cuts the ids and warns, which only differs for longer prompts.
Embeddings are L2-normalised float64.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import UserError
from bench.metrics.base import VideoMetric

DEFAULT = "clip-vit-base-patch32"


def model_from_env() -> str:
    return os.environ.get("BENCH_CLIP_MODEL", DEFAULT)


def _tensor(out: Any) -> Any:
    """``get_*_features`` returns a tensor (transformers 4) or an output whose ``pooler_output`` is
    the projected embedding (transformers 5)."""
    return out if hasattr(out, "norm") else out.pooler_output


class ClipEncoder:
    """A loaded CLIP model + processor; ``images``/``text`` give L2-normalised float64 embeddings."""

    def __init__(self, folder: str | os.PathLike, device: str | None = None, batch: int = 32):
        import torch
        from transformers import CLIPModel, CLIPProcessor

        self.folder = Path(folder)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.batch = batch
        try:
            self.model = CLIPModel.from_pretrained(self.folder, local_files_only=True).eval().to(self.device)
            self.processor = CLIPProcessor.from_pretrained(self.folder, local_files_only=True)
        except (OSError, ValueError) as e:
            raise UserError(f"{self.folder}: not a loadable CLIP model folder ({type(e).__name__}: "
                            f"{str(e).splitlines()[0] if str(e) else ''})") from None
        self.max_len = int(getattr(self.model.config.text_config, "max_position_embeddings", 77))
        self._image_cache: dict[str, np.ndarray] = {}

    def images(self, frames: np.ndarray) -> np.ndarray:
        """uint8 ``[T, H, W, 3]`` → ``[T, D]`` unit vectors.

        The last few results are kept by content hash, so CLIPSIM and CLIP-Temp scoring the same
        decoded video embed its frames once.
        """
        import hashlib

        key = hashlib.sha1(np.ascontiguousarray(frames).tobytes()).hexdigest() + str(frames.shape)
        hit = self._image_cache.get(key)
        if hit is not None:
            return hit
        e = self._embed_images(frames)
        self._image_cache[key] = e
        while len(self._image_cache) > 4:
            self._image_cache.pop(next(iter(self._image_cache)))
        return e

    def _embed_images(self, frames: np.ndarray) -> np.ndarray:
        import torch

        out = []
        x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2)  # T,3,H,W uint8
        with torch.no_grad():
            for i in range(0, x.shape[0], self.batch):
                pv = self.processor(images=list(x[i:i + self.batch]), return_tensors="pt")["pixel_values"]
                out.append(_tensor(self.model.get_image_features(pixel_values=pv.to(self.device))))
        e = torch.cat(out).double()
        return (e / e.norm(dim=-1, keepdim=True)).cpu().numpy()

    def text(self, prompt: str) -> np.ndarray:
        """A prompt → ``[D]`` unit vector."""
        import torch

        tok = self.processor(text=[prompt], return_tensors="pt", padding=True, truncation=True, max_length=self.max_len)
        with torch.no_grad():
            e = _tensor(self.model.get_text_features(input_ids=tok["input_ids"].to(self.device),
                                                     attention_mask=tok["attention_mask"].to(self.device)))
        e = e.double()[0]
        return (e / e.norm()).cpu().numpy()


_encoders: dict[tuple[str, str], ClipEncoder] = {}
_lock = threading.Lock()


def encoder(name: str, path: str | os.PathLike | None = None, needed_by: str = "") -> ClipEncoder:
    """The encoder for registry weight ``name`` (or an explicit folder), loaded once per process."""
    from bench.weights import registry

    folder = registry.resolve(name, path, needed_by=needed_by)
    key = (name, str(folder))
    with _lock:
        if key not in _encoders:
            _encoders[key] = ClipEncoder(folder)
        return _encoders[key]


class ClipOptions:
    """Shared options of the CLIP metrics: ``model`` (registry name) and ``weights`` (a folder)."""

    def __init__(self, model: str | None = None, weights: str | os.PathLike | None = None):
        from bench.weights import registry

        self.model_name = model or model_from_env()
        entry = registry.get(self.model_name)  # unknown name: a UserError listing the known ones
        if entry.kind != "hf_repo":
            raise UserError(f"{self.model_name} is not a CLIP model folder entry (kind {entry.kind})")
        self.weights = weights

    def available(self) -> tuple[bool, str]:
        if self.weights:
            return True, ""
        from bench.weights import registry

        return registry.status(self.model_name)

    def encoder(self, needed_by: str) -> ClipEncoder:
        return encoder(self.model_name, self.weights, needed_by)


class ClipMetric(VideoMetric):
    """Base of the CLIP metrics: options (model name, explicit weights folder) and availability."""

    def __init__(self, model: str | None = None, weights: str | os.PathLike | None = None):
        self.opts = ClipOptions(model, weights)

    def available(self) -> tuple[bool, str]:
        return self.opts.available()
