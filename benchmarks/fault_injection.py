"""Fault injection: SIGKILL `bench generate` and `bench score` at random moments, resume, compare.

Protocol (issue 8):
1. a reference run, uninterrupted: generate + score;
2. a faulted run: start `bench generate`, kill it with SIGKILL after a random delay, start it
   again, ... ``--kills`` times in all (then let it finish); the same for `bench score`;
3. check: every expected video exactly once in the manifest, every lossless file decodes and
   matches its recorded sha256, no temp files left in place of real ones, every (video, metric)
   score exactly once, and the scores equal the reference run's (same values, verdicts, reasons).

Usage: ``python benchmarks/fault_injection.py [--kills 20] [--model oracle] [--limit 3]``.
Writes ``results/perf/faults.json``.  A small version runs in the tests
(``tests/test_hardening.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "bench", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "BENCH_PROGRESS": "0", "HF_HUB_OFFLINE": "1"}


def run_killed(cmd: list[str], kills: int, rng: random.Random, max_delay: float) -> int:
    """Run ``cmd`` and SIGKILL it ``kills`` times at random delays, restarting each time; then run
    it to completion.  Returns how many kills actually landed (the process was still running)."""
    landed = 0
    for _ in range(kills):
        p = subprocess.Popen(cmd, env=_env(), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        time.sleep(rng.uniform(0.05, max_delay))
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            landed += 1
        p.wait()
    r = subprocess.run(cmd, env=_env(), cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"final uninterrupted run failed: {r.stderr.strip().splitlines()[-1:]}")
    return landed


def check_run(run: Path, expected: int) -> dict[str, object]:
    from bench.store.run import RunStore
    from bench.video import read_video, sha256_file

    store = RunStore.open(run)
    rows = store.rows()
    raw = [json.loads(x) for x in store.manifest_path.read_text().splitlines() if x.strip().startswith("{") and x.strip().endswith("}")]
    keys = [(r["model"], r["suite"], r["probe_id"], r["sample"]) for r in rows]
    problems = []
    if len(keys) != len(set(keys)):
        problems.append("duplicate keys after de-duplication")
    if len(rows) != expected:
        problems.append(f"{len(rows)} videos, expected {expected}")
    for r in rows:
        if r.get("status") != "ok":
            continue
        p = store.root / r["path"]
        if not p.exists() or sha256_file(p) != r["sha256"]:
            problems.append(f"{r['path']}: missing or hash mismatch")
            continue
        read_video(p)
    sc = store.scores()
    dup = sc.duplicated(["model", "suite", "probe_id", "sample", "metric"]).sum() if len(sc) else 0
    if dup:
        problems.append(f"{dup} duplicate score rows")
    return {"videos": len(rows), "manifest_lines": len(raw), "score_rows": len(sc), "problems": problems}


def compare_scores(a: Path, b: Path) -> list[str]:
    from bench.store.run import RunStore

    key = ["model", "suite", "probe_id", "sample", "metric"]
    sa = RunStore.open(a).scores().sort_values(key).reset_index(drop=True)
    sb = RunStore.open(b).scores().sort_values(key).reset_index(drop=True)
    cols = key + ["value", "verdict", "reason", "status"]
    sa, sb = sa[cols], sb[cols]
    if len(sa) != len(sb):
        return [f"row counts differ: {len(sa)} vs {len(sb)}"]
    diff = ~((sa == sb) | (sa.isna() & sb.isna())).all(axis=1)
    return [f"{int(diff.sum())} score rows differ from the uninterrupted run"] if diff.any() else []


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--model", default="oracle")
    ap.add_argument("--suite", default="permanence")
    ap.add_argument("--limit", type=int, default=6)
    ap.add_argument("--samples", type=int, default=2)
    ap.add_argument("--max-delay", type=float, default=4.0, help="largest kill delay in seconds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(REPO / "results" / "perf" / "faults.json"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    gen = ["generate", "--model", args.model, "--suite", args.suite, "--limit", str(args.limit),
           "--samples", str(args.samples), "--frames", "16", "--size", "96"]
    ref, bad = work / "reference", work / "faulted"
    t0 = time.perf_counter()
    subprocess.run(_cmd(*gen, "--run", str(ref)), env=_env(), cwd=REPO, check=True, capture_output=True)
    subprocess.run(_cmd("score", str(ref)), env=_env(), cwd=REPO, check=True, capture_output=True)
    t_ref = time.perf_counter() - t0
    landed_g = run_killed(_cmd(*gen, "--run", str(bad)), args.kills, rng, args.max_delay)
    landed_s = run_killed(_cmd("score", str(bad)), args.kills, rng, args.max_delay)
    expected = args.limit * args.samples
    res = {"kills_requested": args.kills, "kills_landed_generate": landed_g, "kills_landed_score": landed_s,
           "reference_seconds": round(t_ref, 2), "reference": check_run(ref, expected),
           "faulted": check_run(bad, expected), "score_differences": compare_scores(ref, bad)}
    res["ok"] = not res["faulted"]["problems"] and not res["score_differences"] and not res["reference"]["problems"]
    from bench.atomic import write_json

    write_json(args.out, res)
    print(json.dumps(res, indent=2))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
