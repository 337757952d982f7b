"""What C2PA signing adds to render time -> ``results/perf/provenance.json``.

Render time here is what the suite spends per oracle-world video in ``bench run``'s generate
phase: the render (``oracle`` generator, cpu-profile settings 24 frames x 128 x 128) plus writing
the lossless ``.mkv`` and the ``.mp4`` preview (``bench.video.write_video``).  The signing cost is
the difference between writing both files with credentials (embedded manifest in the MP4,
sidecar ``.c2pa`` for the MKV) and without (``sign=False``), on the same videos, interleaved so
that machine load hits both alike; the first video of each kind is a warm-up (it creates the
signer).  Target: ``overhead = signing / (render + unsigned writes) <= 10 %``.

Also recorded: the watermark (``BENCH_WATERMARK=1``) embed cost per video, for the same frames,
and the load average (the machine is shared).

Usage: ``.venv/bin/python benchmarks/perf_provenance.py [--videos N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def measure(n: int) -> dict:
    from bench.generators.base import resolve
    from bench.suites import load_suites
    from bench.video import write_video
    from bench.watermark import embed

    probes = [p for s in load_suites(["physics", "permanence", "identity"]) for p in s.probes][: n + 1]
    g = resolve("oracle")
    settings = {**g.default_settings(), "frames": 24, "size": 128}
    t = {"render": [], "write_unsigned": [], "write_signed": [], "watermark": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i, probe in enumerate(probes):
            t0 = time.perf_counter()
            v = g.generate(probe, 1000 + i, settings)
            t1 = time.perf_counter()
            v.provenance.update(model="oracle", prompt=probe["prompt"], seed=1000 + i)
            times = {}
            for sign in ((False, True) if i % 2 else (True, False)):
                a = time.perf_counter()
                for lossless, ext in ((True, ".mkv"), (False, ".mp4")):
                    write_video(v, Path(tmp) / f"{i}-{sign}{ext}", lossless=lossless, sign=sign)
                times[sign] = time.perf_counter() - a
            w0 = time.perf_counter()
            embed(v.frames)
            w1 = time.perf_counter()
            if i == 0:
                continue  # warm-up: signer creation, codec start-up
            t["render"].append(t1 - t0)
            t["write_unsigned"].append(times[False])
            t["write_signed"].append(times[True])
            t["watermark"].append(w1 - w0)
    ms = {k: 1000.0 * sum(v) / len(v) for k, v in t.items()}
    base = ms["render"] + ms["write_unsigned"]
    sign_ms = ms["write_signed"] - ms["write_unsigned"]
    return {
        "videos": n, "video": "oracle world, 24 frames x 128 x 128, .mkv + .mp4",
        "ms_per_video": {k: round(v, 2) for k, v in ms.items()},
        "signing_ms_per_video": round(sign_ms, 2),
        "render_ms_per_video_unsigned": round(base, 2),
        "signing_overhead": round(sign_ms / base, 4),
        "target_overhead": 0.10,
        "meets_target": bool(sign_ms / base <= 0.10),
        "watermark_overhead": round(ms["watermark"] / base, 4),
        "loadavg": os.getloadavg(), "cpu_count": os.cpu_count(), "python": platform.python_version(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--videos", type=int, default=30)
    ap.add_argument("--out", default=str(REPO / "results" / "perf" / "provenance.json"))
    a = ap.parse_args()
    from bench.atomic import write_json

    res = measure(a.videos)
    write_json(a.out, res)
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
