"""Pipeline performance figures (issue 8): decode-once gain, peak memory, scaling with run size.

Writes ``results/perf/pipeline.json`` (atomically) and prints it.  Measurements:

1. **decode-once gain** -- scoring every weight-free metric on N videos at 16x128x128 with one
   decode per video (what ``bench score`` does) versus the layout of suites that load the
   video inside every metric: one pass per metric, each decoding every video again, with the
   shared per-video caches (optical flow, probe analysis) cleared between passes because a
   per-metric pass would not keep them.  Gain = baseline time / decode-once time.
2. **scaling** -- generate + score runs of 100, 1,000 and 10,000 small oracle videos
   (8 frames, 48 px, two cheap metrics) in a fresh process each: wall time per video and peak
   resident memory (``ru_maxrss`` of the child), to show the bookkeeping (manifest, resume
   keys, score parts) stays linear and memory stays flat.
3. **embedded bench** -- wall time of ``bench run --profile cpu`` into a temp folder (only with
   ``--bench``; it takes minutes).

Usage: ``python benchmarks/perf_pipeline.py [--n 64] [--scales 100,1000,10000] [--bench]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("BENCH_PROGRESS", "0")


def _machine() -> dict[str, object]:
    from bench.provenance import hardware

    hw = hardware()
    return {"cpu": hw.get("cpu"), "cores": os.cpu_count(), "platform": platform.platform(),
            "load_avg_1m": os.getloadavg()[0]}


def decode_once_gain(n: int) -> dict[str, object]:
    from bench import plugins
    from bench.cli.pipeline import open_or_create_run
    from bench.metrics.base import METRICS, Sample
    from bench.runner import generate
    from bench.suites import load_suites
    from bench.video import read_video

    plugins.load()
    work = Path(tempfile.mkdtemp(prefix="bench-perf-"))
    suites = load_suites(["physics", "permanence", "identity"])
    store = open_or_create_run(str(work / "run"), {"purpose": "perf"}, suites, "perf")
    per = max(1, n // 3)
    generate(store, ["oracle"], suites, samples=1, global_seed=0, settings={"frames": 16, "size": 128}, limit=per)
    rows = store.video_rows()
    probes = {p["id"]: p for s in suites for p in s.probes}
    metrics = [cls() for _, cls in METRICS.items()]
    metrics = [m for m in metrics if m.available()[0] and m.spec.level == "video"]

    def clear_caches() -> None:
        from bench.metrics.probes import analysis
        from bench.metrics.temporal import flow

        analysis.clear_cache()
        flow._cache.clear()

    def sample(r: dict) -> Sample:
        p = probes[r["probe_id"]]
        return Sample(model=r["model"], probe_id=r["probe_id"], sample=0, prompt=p["prompt"], probe=p, row=r)

    # warm-up (untimed): lazy imports, OpenCV/DIS objects and allocator growth would otherwise be
    # charged to whichever layout is timed first
    for r in rows[:3]:
        v = read_video(store.root / r["path"])
        s = sample(r)
        for m in metrics:
            if m.applies(s):
                m.compute(v, s)
    clear_caches()
    t0 = time.perf_counter()
    decodes_once = 0
    for r in rows:
        v = read_video(store.root / r["path"])
        decodes_once += 1
        s = sample(r)
        for m in metrics:
            if m.applies(s):
                m.compute(v, s)
    t_once = time.perf_counter() - t0

    clear_caches()
    t0 = time.perf_counter()
    decodes_base = 0
    for m in metrics:
        for r in rows:
            s = sample(r)
            if not m.applies(s):
                continue
            v = read_video(store.root / r["path"])
            decodes_base += 1
            m.compute(v, s)
        clear_caches()
    t_base = time.perf_counter() - t0
    return {"videos": len(rows), "metrics": [m.spec.id for m in metrics], "size": "16x128x128",
            "decode_once_seconds": round(t_once, 3), "decode_once_videos_per_s": round(len(rows) / t_once, 2),
            "decodes_once": decodes_once, "per_metric_seconds": round(t_base, 3), "decodes_per_metric": decodes_base,
            "gain": round(t_base / t_once, 2), "target_gain": 3.0}


_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from bench.cli.pipeline import open_or_create_run
from bench.runner import generate
from bench.scoring import score_run
from bench.suites import load_suites
n, run = int(sys.argv[1]), sys.argv[2]
suites = load_suites(["physics", "permanence", "identity"])
models = ["oracle", "oracle~noise", "oracle~jitter", "oracle~texture", "oracle+teleport:1", "oracle+flicker:1"]
store = open_or_create_run(run, {"purpose": "perf-scale"}, suites, "perf")
per_suite = -(-n // (len(models) * len(suites)))      # probes per suite when n is small
samples = max(1, -(-per_suite // 40))                  # then seeds per probe
limit = -(-per_suite // samples)
t0 = time.perf_counter()
g = generate(store, models, suites, samples=samples, global_seed=0, settings={"frames": 8, "size": 48}, limit=limit)
t1 = time.perf_counter()
rows = store.video_rows()
s = score_run(store, ["temporal.flicker", "temporal.psnr"])
t2 = time.perf_counter()
print(json.dumps({"videos": len(rows), "generate_s": t1 - t0, "score_s": t2 - t1,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def scaling(scales: list[int]) -> list[dict[str, object]]:
    out = []
    for n in scales:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as d:
            t0 = time.perf_counter()
            r = subprocess.run([sys.executable, "-c", _CHILD, str(n), str(Path(d) / "run")], cwd=REPO,
                               capture_output=True, text=True, env={**os.environ, "BENCH_PROGRESS": "0"})
            if r.returncode != 0:
                raise SystemExit(f"scale {n} failed: {r.stderr.strip().splitlines()[-1:]}")
            res = json.loads(r.stdout.strip().splitlines()[-1])
            res["requested"] = n
            res["wall_s"] = round(time.perf_counter() - t0, 2)
            res["ms_per_video"] = round(1000 * (res["generate_s"] + res["score_s"]) / res["videos"], 2)
            for k in ("generate_s", "score_s", "peak_rss_mb"):
                res[k] = round(res[k], 2)
            out.append(res)
            print(f"scale {n}: {res}", file=sys.stderr)
    return out


def embedded_bench() -> dict[str, object]:
    import yaml

    cfg = yaml.safe_load((REPO / "configs" / "cpu.yaml").read_text())
    with tempfile.TemporaryDirectory(prefix="bench-embedded-") as d:
        cfg["report"] = {"out": str(Path(d) / "results")}
        cpath = Path(d) / "cpu.yaml"
        cpath.write_text(yaml.safe_dump(cfg))
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "bench", "run", "--config", str(cpath), "--run", str(Path(d) / "run")],
                           cwd=REPO, capture_output=True, text=True, env={**os.environ, "BENCH_PROGRESS": "0"})
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            raise SystemExit(f"bench run failed: {r.stderr.strip().splitlines()[-1:]}")
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": round(wall, 1), "target_s": 300, "children_cpu_s": round(child.ru_utime + child.ru_stime, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=60, help="videos for the decode-once measurement")
    ap.add_argument("--scales", default="100,1000,10000", help="run sizes; '' keeps the previous file's figures")
    ap.add_argument("--bench", action="store_true", help="also time the embedded `bench run --profile cpu`")
    ap.add_argument("--out", default=str(REPO / "results" / "perf" / "pipeline.json"))
    args = ap.parse_args(argv)
    prev = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    res: dict[str, object] = dict(prev)  # sections not measured this time keep their earlier figures
    res["machine"] = _machine()
    res["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    res["decode_once"] = decode_once_gain(args.n)
    print(json.dumps(res["decode_once"], indent=1), file=sys.stderr)
    scales = [int(x) for x in args.scales.split(",") if x]
    if scales:
        res["scaling"] = scaling(scales)
    if args.bench:
        res["embedded_bench"] = embedded_bench()
    res["machine_after"] = {"load_avg_1m": os.getloadavg()[0]}
    from bench.atomic import write_json

    write_json(args.out, res)
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
