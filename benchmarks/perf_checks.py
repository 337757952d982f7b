"""Throughput of the weight-free probe checks: videos per second, all checks together.

Renders oracle videos (16 frames, 128 x 128) of the suites' probes, then times scoring each
video with every probe check that applies to it (the shared analysis once per video, as
``bench score`` does).  Scoring runs in ``--workers`` processes (default 2, the target machine's
cores), each taking every ``workers``-th video; the wall-clock time of the whole batch gives the
throughput.  Rendering is not timed.  Writes ``results/perf/checks.json`` atomically and prints
it.

    python benchmarks/perf_checks.py [--videos 64] [--workers 2] [--frames 16] [--out results/perf/checks.json]

Target: >= 20 videos/s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FRAMES, SIZE = 16, 128
TARGET = 20.0


def _probes() -> list[dict]:
    from bench.suites import load_suite

    out = []
    for name in ("physics", "permanence", "identity"):
        out += [p for p in load_suite(name).probes
                if p.get("scene") and any(c.startswith("probe.") for c in p.get("checks") or [])]
    return out


def _videos(n: int, frames: int = FRAMES) -> list[tuple[dict, object]]:
    from bench.world.pipeline import render_probe

    probes = _probes()
    return [(p, render_probe(p, i // len(probes), frames=frames, size=SIZE)[0])
            for i, p in ((i, probes[i % len(probes)]) for i in range(n))]


def _score(batch: list[tuple[dict, object]]) -> tuple[int, int, float]:
    """(videos, check results, seconds) for scoring ``batch`` in this process."""
    from bench.metrics.base import METRICS, Sample
    from bench.metrics.probes.analysis import clear_cache
    from bench.suites.schema import PROBE_CHECKS

    import bench.metrics.probes  # noqa: F401  (registers the checks)

    checks = [METRICS.get(c)() for c in PROBE_CHECKS]
    clear_cache()
    n = 0
    t0 = time.perf_counter()
    for p, v in batch:
        s = Sample("oracle", p["id"], 0, p["prompt"], p)
        for m in checks:
            if m.applies(s):
                m.compute(v, s)
                n += 1
    return len(batch), n, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--frames", type=int, default=FRAMES, help=f"frames per video (default {FRAMES})")
    ap.add_argument("--out", default=str(ROOT / "results" / "perf" / "checks.json"))
    args = ap.parse_args(argv)
    from bench.atomic import write_json

    videos = _videos(args.videos, args.frames)
    _score(videos[:2])                              # warm-up: imports, lookup tables
    batches = [videos[i::args.workers] for i in range(args.workers)]
    t0 = time.perf_counter()
    if args.workers == 1:
        parts = [_score(batches[0])]
    else:
        with mp.get_context("fork").Pool(args.workers) as pool:
            parts = pool.map(_score, batches)
    wall = time.perf_counter() - t0
    n_videos = sum(p[0] for p in parts)
    n_results = sum(p[1] for p in parts)
    report = {
        "benchmark": "probe checks, all together, per video",
        "frames": args.frames, "height": SIZE, "width": SIZE,
        "videos": n_videos, "check_results": n_results, "workers": args.workers,
        "seconds": round(wall, 3),
        "videos_per_second": round(n_videos / wall, 2),
        "ms_per_video_per_worker": round(1000 * sum(p[2] for p in parts) / n_videos, 1),
        "target_videos_per_second": TARGET,
        "meets_target": n_videos / wall >= TARGET,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    write_json(args.out, report)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
