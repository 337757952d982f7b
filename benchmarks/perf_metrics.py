"""Throughput of the weight-free per-video metrics on this machine -> ``results/perf/metrics.json``.

The weight-free set: ``temporal.flicker``, ``temporal.ssim``, ``temporal.psnr``,
``temporal.warping_error``, ``temporal.motion_smoothness_flow``, ``temporal.dynamic_degree``,
``temporal.motion`` — all seven on each video, the optical flow (OpenCV DIS) computed once per
video and shared, exactly as ``bench score`` runs them.

Videos: 16 × 128 × 128 at 8 fps, synthetic smooth colour patterns translating with random
velocities (−3…3 px/frame) plus mild noise — textured everywhere, so the flow has work to do on
every pixel (harder than the oracle world's flat backgrounds).  Seeded.

Reported (videos per second; the target is ≥ 20 on 2 cores for the set together):

- ``decode excluded``: frames already in memory (the metrics alone);
- ``decode included``: each video read from a lossless FFV1 ``.mkv`` with ``bench.video.read_video``
  (what ``bench score`` does, once per video) and then scored;
- in 1 process (DIS flows of a video computed on ``BENCH_FLOW_THREADS`` threads, default all
  cores), and in ``cores`` processes each scoring its share with one thread (as ``bench score``
  shards by rank); the rate is total videos / wall time of the slowest worker, after a warm-up.

Per-metric milliseconds per video come from the 1-process, decode-excluded pass (the flow is
charged to whichever flow metric runs first for a video).  The machine is shared, so the JSON
also records the load average and the CPU time per video; ``cores / CPU-seconds per video``
estimates the rate the cores would give with nothing else running.

Usage: ``.venv/bin/python benchmarks/perf_metrics.py [--videos N]``.  The JSON is written
atomically and printed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WEIGHT_FREE = ("temporal.dynamic_degree", "temporal.flicker", "temporal.motion", "temporal.motion_smoothness_flow",
               "temporal.psnr", "temporal.ssim", "temporal.warping_error")
T, H, W, FPS = 16, 128, 128, 8.0


def make_frames(i: int) -> np.ndarray:
    rng = np.random.default_rng(1000 + i)
    dx, dy = rng.uniform(-3, 3, 2)
    phase = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    out = []
    for k in range(T):
        x, y = xx - dx * k, yy - dy * k
        img = np.stack([127 + 100 * np.sin(x / 7.0 + phase) * np.cos(y / 9.0),
                        127 + 100 * np.cos(x / 5.0 + y / 11.0 + phase),
                        127 + 60 * np.sin(y / 4.0 + x / 13.0)], -1)
        out.append(img + rng.normal(0, 2.0, img.shape))
    return np.clip(np.rint(np.stack(out)), 0, 255).astype(np.uint8)


def _metrics() -> list[Any]:
    import bench.metrics.temporal  # noqa: F401
    from bench.metrics.base import METRICS

    ms = [METRICS.get(m)() for m in WEIGHT_FREE]
    for m in ms:
        ok, why = m.available()
        if not ok:
            raise SystemExit(f"{m.spec.id} unavailable: {why}")
    return ms


def _score(ms: list[Any], video: Any, per: dict[str, float] | None) -> None:
    from bench.metrics.base import Sample

    s = Sample(model="bench", probe_id="perf", sample=0, prompt="")
    for m in ms:
        t0 = time.perf_counter()
        m.compute(video, s)
        if per is not None:
            per[m.spec.id] += time.perf_counter() - t0


def _worker(args: tuple[list[int], str | None, int, bool]) -> tuple[int, float, dict[str, float], float]:
    """Score videos ``idx`` (from memory, or decoded from ``folder``); returns (count, wall seconds,
    per-metric wall seconds, CPU seconds of the whole process incl. its flow threads)."""
    idx, folder, cv_threads, warm = args
    import cv2

    from bench.metrics.temporal import flow
    from bench.video import Video, read_video

    if cv_threads:
        cv2.setNumThreads(cv_threads)
        os.environ["BENCH_FLOW_THREADS"] = str(cv_threads)
    ms = _metrics()
    frames = {i: make_frames(i) for i in idx} if folder is None else {}

    def get(i: int) -> Video:
        if folder is None:
            return Video(frames[i], FPS)
        return read_video(Path(folder) / f"v{i:04d}.mkv")

    if warm:  # imports, DIS object creation, first-call allocations
        _score(ms, Video(make_frames(99_999), FPS), None)
    flow.clear_cache()
    per = {m: 0.0 for m in WEIGHT_FREE}
    t0, c0 = time.perf_counter(), time.process_time()
    for i in idx:
        _score(ms, get(i), per)
    return len(idx), time.perf_counter() - t0, per, time.process_time() - c0


def run(n: int, procs: int, folder: str | None) -> tuple[float, dict[str, float], float]:
    """(videos per wall second, per-metric ms per video, CPU ms per video)."""
    shares = [list(range(n))[r::procs] for r in range(procs)]
    if procs == 1:
        results = [_worker((shares[0], folder, 0, True))]
    else:
        with mp.get_context("spawn").Pool(procs) as pool:
            results = pool.map(_worker, [(s, folder, 1, True) for s in shares])
    total = sum(r[0] for r in results)
    wall = max(r[1] for r in results)
    per = {m: sum(r[2][m] for r in results) / total * 1e3 for m in WEIGHT_FREE}
    return total / wall, per, sum(r[3] for r in results) / total * 1e3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", type=int, default=64, help="videos per configuration (default 64)")
    ap.add_argument("--out", default=str(ROOT / "results" / "perf" / "metrics.json"))
    args = ap.parse_args()

    import cv2
    import scipy
    import skimage

    from bench.atomic import write_json
    from bench.metrics.temporal import flow
    from bench.video import Video, write_video

    cores = os.cpu_count() or 1
    load0 = os.getloadavg()[0]
    rates: dict[str, Any] = {}
    cpu_ms: dict[str, float] = {}
    rate1, per, cpu_ms["decode_excluded"] = run(args.videos, 1, None)
    rates["decode_excluded"] = {"1_process": round(rate1, 2)}
    with tempfile.TemporaryDirectory(prefix="bench-perf-") as tmp:
        for i in range(args.videos):
            write_video(Video(make_frames(i), FPS), Path(tmp) / f"v{i:04d}.mkv", lossless=True)
        rate, _, cpu_ms["decode_included"] = run(args.videos, 1, tmp)
        rates["decode_included"] = {"1_process": round(rate, 2)}
        if cores > 1:
            rates["decode_excluded"][f"{cores}_processes"] = round(run(args.videos, cores, None)[0], 2)
            rates["decode_included"][f"{cores}_processes"] = round(run(args.videos, cores, tmp)[0], 2)
    try:
        import subprocess

        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                                check=False).stdout.strip()
    except OSError:
        commit = ""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    report = {
        "what": "weight-free per-video metrics, all together, flow shared (bench score's path)",
        "metrics": list(WEIGHT_FREE),
        "video": {"frames": T, "height": H, "width": W, "fps": FPS,
                  "content": "synthetic textured patterns, random translation -3..3 px/frame, noise sigma 2"},
        "flow": flow.method_key("dis"),
        "videos_per_second": rates,
        "target": ">= 20 videos/s on 2 cores (set together)",
        "ms_per_video_1_process_decode_excluded": {k: round(v, 2) for k, v in per.items()},
        "cpu_ms_per_video_1_process": {k: round(v, 2) for k, v in cpu_ms.items()},
        "estimated_videos_per_second_on_idle_cores": {
            k: round(cores * 1e3 / v, 2) for k, v in cpu_ms.items()},
        "estimate_note": ("cores / CPU-seconds per video: what the cores would give if nothing else ran "
                          "(CPU time is far less sensitive to other processes than wall time)"),
        "videos_per_configuration": args.videos,
        "machine": {"cpu": cpu, "cores": cores, "python": platform.python_version(), "platform": platform.platform()},
        "versions": {"numpy": np.__version__, "opencv": cv2.__version__, "scikit-image": skimage.__version__,
                     "scipy": scipy.__version__},
        "git_commit": commit,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_1min_before_after": [round(load0, 2), round(os.getloadavg()[0], 2)],
        "note": ("Shared machine: other processes may have been running (see the load average; "
                 "2 cores); the rates are lower bounds."),
    }
    write_json(args.out, report)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
