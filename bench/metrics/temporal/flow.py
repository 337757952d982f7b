"""Optical flow computed once per video and shared by the flow-based metrics.

``flows(video, pairs)`` returns the flow from frame ``a`` to frame ``b`` for each ``(a, b)`` as
``float32 [K, H, W, 2]`` in **(x, y) pixel order** (OpenCV and RAFT order; scikit-image's would
be (row, col)).  Results are memoised per video in a small LRU keyed by the video's content hash
(computed once per frames array), the flow method and the pair, so ``temporal.warping_error``,
``temporal.motion``, ``temporal.dynamic_degree`` and ``temporal.motion_smoothness_flow`` pay for
each flow field once.

Methods (``BENCH_FLOW`` or the metric's ``flow`` option):

- ``dis`` (default, weight-free): OpenCV DIS optical flow on grayscale frames, preset ``fast``
  (``BENCH_DIS_PRESET``: ``ultrafast`` | ``fast`` | ``medium``; end-point error on a textured
  128² translation ≈ 0.29 / 0.24 / 0.07 px at ≈ 1 : 2 : 7 the cost).  ~0.5 ms a 128² pair on one
  core; the pairs of a video run on ``BENCH_FLOW_THREADS`` threads (default: all cores, ≤ 4).
- ``raft_small`` / ``raft_large``: torchvision RAFT with weights from the registry (``raft-small``
  / ``raft-large``); frames scaled to [-1, 1] and edge-padded to a multiple of 8, 12 updates.

``warp(img, flow)`` is backward warping: ``out(x) = img(x + flow(x))``, bilinear.
"""

from __future__ import annotations

import collections
import os
import threading
import weakref
from typing import Any, Iterable, Sequence

import numpy as np

from bench.errors import UserError
from bench.metrics.base import VideoMetric
from bench.video import Video

METHODS = {"dis": None, "raft_small": "raft-small", "raft_large": "raft-large"}
DIS_PRESETS = ("ultrafast", "fast", "medium")
CACHE_VIDEOS = 4  # enough for a few scoring threads working on different videos
RAFT_MIN_SIDE = 128

_lock = threading.RLock()
_hash_memo: dict[int, tuple[weakref.ref, str]] = {}
_cache: "collections.OrderedDict[tuple[str, str], dict[tuple[int, int], np.ndarray]]" = collections.OrderedDict()
_local = threading.local()


def method_from_env() -> str:
    m = os.environ.get("BENCH_FLOW", "dis")
    if m not in METHODS:
        raise UserError(f"BENCH_FLOW={m!r} is not a flow method (known: {', '.join(METHODS)})")
    return m


def dis_preset() -> str:
    p = os.environ.get("BENCH_DIS_PRESET", "fast")
    if p not in DIS_PRESETS:
        raise UserError(f"BENCH_DIS_PRESET={p!r} is not a DIS preset (known: {', '.join(DIS_PRESETS)})")
    return p


def method_key(method: str) -> str:
    """The method plus everything that changes its numbers (recorded in metric extras)."""
    return f"dis:{dis_preset()}" if method == "dis" else method


def content_hash(video: Video) -> str:
    """``video.content_hash()``, computed once per frames array (memoised by identity)."""
    arr = video.frames
    with _lock:
        hit = _hash_memo.get(id(arr))
        if hit is not None and hit[0]() is arr:
            return hit[1]
    h = video.content_hash()
    with _lock:
        if len(_hash_memo) > 64:
            for k in [k for k, (r, _) in _hash_memo.items() if r() is None]:
                del _hash_memo[k]
        _hash_memo[id(arr)] = (weakref.ref(arr), h)
    return h


# ----------------------------------------------------------------------------- estimators


def _dis() -> Any:
    import cv2

    preset = dis_preset()
    cache = getattr(_local, "dis", None)
    if cache is None or cache[0] != preset:
        code = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
                "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}[preset]
        cache = (preset, cv2.DISOpticalFlow_create(code))
        _local.dis = cache
    return cache[1]


def _gray(frames: np.ndarray) -> np.ndarray:
    import cv2

    return np.stack([cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY) for f in frames])


def flow_threads() -> int:
    """Threads computing DIS flows of one video in parallel (``BENCH_FLOW_THREADS``; default: the
    CPU count, at most 4).  OpenCV releases the GIL, so this uses the cores of a single scoring
    process; set 1 when running one scoring process per core."""
    v = os.environ.get("BENCH_FLOW_THREADS", "")
    try:
        n = int(v) if v else min(os.cpu_count() or 1, 4)
    except ValueError:
        raise UserError(f"BENCH_FLOW_THREADS must be an integer, got {v!r}") from None
    return max(1, n)


_pool: Any = None
_pool_pid = 0


def _dis_flows(gray: np.ndarray, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    out = np.empty((len(pairs), gray.shape[1], gray.shape[2], 2), np.float32)

    def one(i: int) -> None:
        a, b = pairs[i]
        if a != b and np.array_equal(gray[a], gray[b]):
            out[i] = 0.0  # identical frames: the flow is exactly zero (DIS agrees; this skips the work)
        else:
            out[i] = _dis().calc(gray[a], gray[b], None)  # one DIS object per thread

    n = flow_threads()
    if n == 1 or len(pairs) < 2:
        for i in range(len(pairs)):
            one(i)
        return out
    global _pool, _pool_pid
    with _lock:
        # a new pool after a fork too: the parent's worker threads do not exist in the child
        if _pool is None or _pool._max_workers != n or _pool_pid != os.getpid():
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="bench-flow")
            _pool_pid = os.getpid()
        pool = _pool
    list(pool.map(one, range(len(pairs))))
    return out


_raft_models: dict[str, Any] = {}


def load_raft(method: str, path: str | os.PathLike | None = None) -> Any:
    """torchvision RAFT with weights resolved through the registry (weights-only load)."""
    import torch
    from torchvision.models.optical_flow import raft_large, raft_small

    from bench.weights import registry

    p = registry.resolve(METHODS[method], path, needed_by=f"BENCH_FLOW={method}")
    with _lock:
        if str(p) not in _raft_models:
            model = (raft_small if method == "raft_small" else raft_large)(weights=None, progress=False)
            model.load_state_dict(torch.load(p, map_location="cpu", weights_only=True))
            if torch.cuda.is_available():
                model = model.cuda()
            _raft_models[str(p)] = model.eval()
        return _raft_models[str(p)]


def raft_flows(model: Any, frames: np.ndarray, pairs: Sequence[tuple[int, int]], batch: int = 8,
               num_flow_updates: int = 12) -> np.ndarray:
    """RAFT flow for each pair: frames uint8 → [-1, 1], edge-padded to a multiple of 8."""
    import torch
    import torch.nn.functional as F

    t, h, w, _ = frames.shape
    if min(h, w) < RAFT_MIN_SIDE:
        raise UserError(f"RAFT flow needs frames of at least {RAFT_MIN_SIDE}×{RAFT_MIN_SIDE} px (its correlation "
                        f"pyramid), got {h}×{w}; use BENCH_FLOW=dis for small videos")
    ph, pw = (-h) % 8, (-w) % 8
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    dev = next(model.parameters()).device
    out = []
    with torch.no_grad():
        for i in range(0, len(pairs), batch):
            chunk = pairs[i:i + batch]
            a = x[[p[0] for p in chunk]].to(dev)
            b = x[[p[1] for p in chunk]].to(dev)
            f = model(a, b, num_flow_updates=num_flow_updates)[-1]
            out.append(f[:, :, :h, :w].permute(0, 2, 3, 1).float().cpu().numpy())
    return np.concatenate(out, 0) if out else np.zeros((0, h, w, 2), np.float32)


# ----------------------------------------------------------------------------- shared cache


def flows(video: Video, pairs: Iterable[tuple[int, int]], method: str | None = None) -> np.ndarray:
    """Flow fields ``[K, H, W, 2]`` (x, y) from frame ``a`` to frame ``b`` for each pair, memoised."""
    method = method or method_from_env()
    if method not in METHODS:
        raise UserError(f"unknown flow method {method!r} (known: {', '.join(METHODS)})")
    pairs = [(int(a), int(b)) for a, b in pairs]
    key = (content_hash(video), method_key(method))
    with _lock:
        store = _cache.get(key)
        if store is None:
            store = {}
            _cache[key] = store
            while len(_cache) > CACHE_VIDEOS:
                _cache.popitem(last=False)
        else:
            _cache.move_to_end(key)
        todo = [p for p in dict.fromkeys(pairs) if p not in store]
    if todo:
        if method == "dis":
            got = _dis_flows(_gray(video.frames), todo)
        else:
            got = raft_flows(load_raft(method), video.frames, todo)
        with _lock:
            for p, f in zip(todo, got):
                store[p] = f
    h, w = video.H, video.W
    if not pairs:
        return np.zeros((0, h, w, 2), np.float32)
    return np.stack([store[p] for p in pairs])


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def consecutive(t: int, stride: int = 1) -> list[tuple[int, int]]:
    return [(i, i + stride) for i in range(0, t - stride)]


# ----------------------------------------------------------------------------- warping


_grids: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    g = _grids.get((h, w))
    if g is None:
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        g = _grids[(h, w)] = (xs, ys)
    return g


def sample_maps(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Absolute sampling coordinates ``(x + fx, y + fy)`` for backward warping by ``flow``."""
    xs, ys = _grid(flow.shape[0], flow.shape[1])
    return xs + flow[..., 0], ys + flow[..., 1]


def warp(img: np.ndarray, flow: np.ndarray | None = None, border: str = "replicate",
         maps: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Backward warp: ``out(x) = img(x + flow(x))`` with bilinear sampling (OpenCV ``remap``).

    ``img``: ``[H, W]`` or ``[H, W, C]`` (C ≤ 4) float32; ``flow``: ``[H, W, 2]`` (x, y), or the
    precomputed ``maps`` from ``sample_maps``.  ``border``: ``replicate`` or ``constant`` (zeros).
    """
    import cv2

    mx, my = maps if maps is not None else sample_maps(flow)
    mode = cv2.BORDER_REPLICATE if border == "replicate" else cv2.BORDER_CONSTANT
    return cv2.remap(np.ascontiguousarray(img, dtype=np.float32), mx, my, cv2.INTER_LINEAR, borderMode=mode)


def inside(flow: np.ndarray | None = None, maps: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Mask of pixels whose target ``x + flow(x)`` lies inside the frame."""
    mx, my = maps if maps is not None else sample_maps(flow)
    h, w = mx.shape
    return (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)


# ----------------------------------------------------------------------------- metric base


class FlowMetric(VideoMetric):
    """A per-video metric on the shared optical flow.  ``flow``: method (default ``BENCH_FLOW``
    or ``dis``); with a RAFT method the registry's RAFT weights are required."""

    def __init__(self, flow: str | None = None):
        self.flow = flow or method_from_env()
        if self.flow not in METHODS:
            raise UserError(f"unknown flow method {self.flow!r} (known: {', '.join(METHODS)})")

    def available(self) -> tuple[bool, str]:
        name = METHODS[self.flow]
        if name is None:
            return True, ""
        from bench.weights import registry

        return registry.status(name)

    def flows(self, video: Video, pairs: Iterable[tuple[int, int]]) -> np.ndarray:
        return flows(video, pairs, self.flow)

    def flow_info(self) -> dict[str, Any]:
        return {"flow": method_key(self.flow)}
