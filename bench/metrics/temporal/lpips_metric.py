"""``temporal.lpips``: mean LPIPS (AlexNet) between consecutive frames."""

from __future__ import annotations

import threading
import warnings
from typing import Any

import numpy as np

from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample, VideoMetric
from bench.video import Video

WEIGHTS = "torchvision-alexnet"

SPEC = MetricSpec(
    id="temporal.lpips",
    version="1",
    needs=("frames",),
    weights=(WEIGHTS,),
    direction="lower",
    range=(0.0, None),
    kind="standard",
    min_frames=2,
    description=(
        "Mean over consecutive pairs of LPIPS(I_t, I_t+1) with the AlexNet backbone and the v0.1 linear "
        "heads: frames scaled to [-1, 1], unit-normalised features of 5 AlexNet layers, squared "
        "differences weighted by the learned heads, spatially averaged and summed over layers. Lower is "
        "more similar; rewards static video: read beside temporal.motion."
    ),
    reference=(
        "The lpips package, LPIPS(net='alex', version='0.1'): its linear heads ship in the wheel; the "
        "AlexNet backbone (torchvision IMAGENET1K_V1) comes from the weights registry instead of a "
        "download at run time. Otherwise identical."
    ),
)

_models: dict[str, Any] = {}
_lock = threading.Lock()


def build_lpips(alexnet_state_dict: dict[str, Any] | None) -> Any:
    """``lpips.LPIPS(net='alex')`` with its wheel's linear heads and the given torchvision AlexNet
    state_dict as backbone (``None`` keeps random backbone weights: tests only)."""
    import lpips

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchvision's 'pretrained' deprecation inside lpips
        model = lpips.LPIPS(net="alex", version="0.1", pretrained=True, pnet_rand=True, verbose=False)
    if alexnet_state_dict is not None:
        # lpips keeps AlexNet's `features` layers as net.slice{k}.{i}; map features.{i}.* onto them
        own = model.net.state_dict()
        mapped = {}
        for k in own:
            _, idx, param = k.split(".")
            src = f"features.{idx}.{param}"
            if src not in alexnet_state_dict:
                raise KeyError(src)
            mapped[k] = alexnet_state_dict[src]
        model.net.load_state_dict(mapped)
    return model.eval()


def load_model() -> Any:
    import torch

    from bench.weights import registry

    path = registry.resolve(WEIGHTS, needed_by=SPEC.id)
    with _lock:
        if str(path) not in _models:
            sd = torch.load(path, map_location="cpu", weights_only=True)
            _models[str(path)] = build_lpips(sd)
        return _models[str(path)]


def lpips_pairs(model: Any, frames: np.ndarray, batch: int = 16) -> np.ndarray:
    """LPIPS of each consecutive pair of uint8 frames ``[T, H, W, 3]``."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    out = []
    with torch.no_grad():
        for i in range(0, x.shape[0] - 1, batch):
            a = x[i:min(i + batch, x.shape[0] - 1)]
            b = x[i + 1:min(i + batch, x.shape[0] - 1) + 1]
            out.append(model(a, b).reshape(-1).double().numpy())
    return np.concatenate(out) if out else np.zeros(0)


@METRICS.register(SPEC.id)
class TemporalLPIPS(VideoMetric):
    spec = SPEC

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        if video.T < 2:
            return MetricValue(float("nan"), verdict="setup_failed", reason="fewer than 2 frames")
        vals = lpips_pairs(load_model(), video.frames)
        return MetricValue(float(vals.mean()), extra={"max_pair": float(vals.max()), "net": "alex", "version": "0.1"})
