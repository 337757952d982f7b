"""Render every probe with a scene (prompts/*.jsonl, or the files given) in the 3-D world.

For each probe: a clean render (24 x 64 x 64) must succeed, its ground truth must have one
track per probe object, every object that exists must be projected inside or near the frame
at some point, and the truth must round-trip through ``truth.to_bytes()``.  Prints one line
per failure and a summary; exits 1 if any probe fails.

    python tools/check_world3d_all.py [prompts/physics.jsonl ...]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    from bench.world.truth import Truth
    from bench.world3d import render_probe3d

    files = [Path(a) for a in argv] or sorted((ROOT / "prompts").glob("*.jsonl"))
    probes = [json.loads(line) for f in files for line in f.read_text().splitlines() if line.strip()]
    probes = [p for p in probes if p.get("scene") is not None]
    bad, t0 = 0, time.perf_counter()
    for p in probes:
        try:
            video, truth = render_probe3d(p, 0, frames=24, size=64)
            files_ = truth.to_bytes()
            back = Truth.from_bytes(files_["truth.npz"], files_["truth.json"])
            assert len(truth.names) == len(p["objects"]) == len(back.names), "object count"
            assert video.frames.shape == (24, 64, 64, 3), "frame shape"
            px = truth.pixel
            seen = ((px[..., 0] > -16) & (px[..., 0] < 80) & (px[..., 1] > -16) & (px[..., 1] < 80)).any(1)
            assert seen.all(), f"never near the frame: {[n for n, s in zip(truth.names, seen) if not s]}"
        except Exception as e:  # report every failure, keep going
            bad += 1
            print(f"FAIL {p.get('id')}: {type(e).__name__}: {e}")
    print(f"{len(probes) - bad}/{len(probes)} probes render in 3-D ({time.perf_counter() - t0:.1f} s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
