"""Oracle-world rendering throughput on this machine -> ``results/perf/render.json``.

Renders every probe with a scene from the three suites, round-robin, through the same path as
the ``oracle`` generator (``OracleGenerator.generate``: perturb, simulate, render, ground truth,
and ``truth.to_bytes()`` for the artifacts), and reports videos per second:

- at 16 x 128 x 128 (the throughput target: >= 20 videos/s on 2 cores) and at the default
  24 x 128 x 128;
- in one process, and in ``cores`` worker processes (each renders its share; the rate is
  total videos / wall time of the slowest worker);
- for the clean world and for a violation variant (``oracle+vanish``), which simulates twice
  (clean plan, violated world) and renders the clean truth for the record.

Usage: ``.venv/bin/python benchmarks/perf_render.py [--seconds S]``.  The JSON is written
atomically and printed; it records the load average before and after, since processes
sharing the cores lower every rate.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _probes() -> list[dict[str, Any]]:
    from bench.suites import load_suites

    return [p for s in load_suites(None) for p in s.probes if p.get("scene") is not None]


def _run(model: str, frames: int, seconds: float, offset: int = 0, stride: int = 1) -> tuple[int, float]:
    """Render probes offset, offset + stride, ... for about ``seconds``; (videos, elapsed)."""
    from bench.generators.base import resolve

    gen = resolve(model)
    probes = [p for p in _probes() if gen.supports(p)[0]]
    settings = {"frames": frames, "size": 128}
    gen.generate(probes[offset % len(probes)], 0, settings)          # warm-up (imports, caches)
    n, t0 = 0, time.perf_counter()
    i = offset
    while time.perf_counter() - t0 < seconds or n == 0:
        gen.generate(probes[i % len(probes)], n, settings)
        n += 1
        i += stride
    return n, time.perf_counter() - t0


def _worker(args: tuple[str, int, float, int, int]) -> tuple[int, float]:
    return _run(*args)


def measure(model: str, frames: int, seconds: float, workers: int) -> dict[str, Any]:
    if workers == 1:
        n, dt = _run(model, frames, seconds)
    else:
        with mp.get_context("fork").Pool(workers) as pool:
            res = pool.map(_worker, [(model, frames, seconds, w, workers) for w in range(workers)])
        n, dt = sum(r[0] for r in res), max(r[1] for r in res)
    return {"model": model, "frames": frames, "height": 128, "width": 128, "workers": workers,
            "videos": n, "seconds": round(dt, 3), "videos_per_s": round(n / dt, 2)}


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy

    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": numpy.__version__, "platform": platform.platform()}


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages: other processes sharing the cores slow every rate."""
    return [round(x, 2) for x in os.getloadavg()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="timing window per measurement (default 8)")
    ap.add_argument("--out", default=str(ROOT / "results" / "perf" / "render.json"))
    args = ap.parse_args(argv)
    from bench.atomic import write_json
    from bench.world import WORLD_VERSION

    cores = os.cpu_count() or 1
    load_before = load_average()
    runs = []
    for model in ("oracle", "oracle+vanish"):
        for frames in (16, 24):
            for workers in sorted({1, cores}):
                runs.append(measure(model, frames, args.seconds, workers))
                print(json.dumps(runs[-1]), file=sys.stderr)
    target = next(r for r in runs if r["model"] == "oracle" and r["frames"] == 16 and r["workers"] == cores)
    out = {"benchmark": "oracle world render throughput (generator path: render + ground truth + artifacts)",
           "world_version": WORLD_VERSION, "machine": machine(), "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
           "load_average": {"before": load_before, "after": load_average()},
           "target": {"frames": 16, "size": 128, "videos_per_s": 20.0, "workers": cores,
                      "met": target["videos_per_s"] >= 20.0},
           "runs": runs}
    write_json(args.out, out)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
