"""Fault injection: SIGKILL `bench generate`, `score`, `import` and `report` at random moments, resume, compare.

Protocol (issue 8):
1. a reference run, uninterrupted: generate + score;
2. a faulted run: start `bench generate`, kill it with SIGKILL after a random delay, start it
   again, ... ``--kills`` times in all (then let it finish); the same for `bench score`;
3. check: every expected video exactly once in the manifest, every lossless file decodes and
   matches its recorded sha256, no temp files left in place of real ones, every (video, metric)
   score exactly once, and the scores equal the reference run's (same values, verdicts, reasons);
4. `bench import` (issue 14): the reference run's lossless files, exported as
   ``<probe_id>-<k>.mkv``, are imported once uninterrupted and once with ``--kills`` SIGKILLs;
   the faulted run must hold every file exactly once, with the same file and pixel hashes as
   the uninterrupted import, and no temp file;
5. `bench report --no-notebooks` on the reference run, once uninterrupted and once killed
   ``--kills`` times: every output file (md, csv, html, plots) must be byte-identical to the
   uninterrupted report's, with no temp file left in the output folder.

Usage: ``python benchmarks/fault_injection.py [--kills 20] [--model oracle] [--limit 3]
[--phases generate,score,import,report]``.
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


def check_import(ref: Path, bad: Path) -> dict[str, object]:
    """The faulted import against the uninterrupted one: same (probe, sample) -> hashes, each once."""
    from bench.store.run import RunStore
    from bench.video import sha256_file

    problems = []
    rows = {}
    for run in (ref, bad):
        store = RunStore.open(run)
        raw = [x for x in store.manifest_path.read_text().splitlines() if x.strip()]
        got = {(r["probe_id"], r["sample"]): (r["sha256"], r["content_sha256"]) for r in store.rows()}
        if len(raw) != len(got):
            problems.append(f"{run.name}: {len(raw)} manifest lines for {len(got)} videos")
        for r in store.rows():
            p = store.video_path(r)
            if not p.is_file() or sha256_file(p) != r["sha256"]:
                problems.append(f"{run.name}: {r['path']} missing or hash mismatch")
        temps = [str(p.relative_to(run)) for p in run.rglob(".tmp-*")]
        if temps:
            problems.append(f"{run.name}: temp files left: {temps[:3]}")
        rows[run.name] = got
    if rows[ref.name] != rows[bad.name]:
        problems.append("the faulted import differs from the uninterrupted one")
    return {"videos": len(rows[bad.name]), "problems": problems}


def check_report(ref: Path, bad: Path) -> dict[str, object]:
    """Every file of the uninterrupted report, byte-identical in the faulted one; no temp files."""
    problems = []
    files = sorted(p.relative_to(ref) for p in ref.rglob("*") if p.is_file())
    for rel in files:
        b = bad / rel
        if not b.is_file():
            problems.append(f"{rel}: missing")
        elif b.read_bytes() != (ref / rel).read_bytes():
            problems.append(f"{rel}: differs from the uninterrupted report")
    extra = sorted(str(p.relative_to(bad)) for p in bad.rglob("*") if p.is_file() and not (ref / p.relative_to(bad)).exists())
    if extra:
        problems.append(f"files the uninterrupted report does not have: {extra[:3]}")
    return {"files": len(files), "problems": problems}


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
    ap.add_argument("--phases", default="generate,score,import,report",
                    help="comma-separated phases to kill (generate and score always run)")
    args = ap.parse_args(argv)
    phases = set(args.phases.split(","))
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
    if "import" in phases:
        from bench.store.run import RunStore

        exports = work / "exports"
        exports.mkdir()
        for r in RunStore.open(ref).video_rows():
            shutil.copyfile(ref / r["path"], exports / f"{r['probe_id']}-{r['sample']}.mkv")
        imp = ["import", "--model", "vendor-x", "--videos", str(exports), "--suite", args.suite]
        t0 = time.perf_counter()
        subprocess.run(_cmd(*imp, "--run", str(work / "import-reference")), env=_env(), cwd=REPO, check=True,
                       capture_output=True)
        res["import_reference_seconds"] = round(time.perf_counter() - t0, 2)
        res["kills_landed_import"] = run_killed(_cmd(*imp, "--run", str(work / "import-faulted")), args.kills, rng,
                                                min(args.max_delay, 2 * res["import_reference_seconds"] + 0.5))
        res["import"] = check_import(work / "import-reference", work / "import-faulted")
        res["ok"] = res["ok"] and not res["import"]["problems"]
    if "report" in phases:
        rep = ["report", str(ref), "--no-notebooks"]
        t0 = time.perf_counter()
        subprocess.run(_cmd(*rep, "--out", str(work / "report-reference")), env=_env(), cwd=REPO, check=True,
                       capture_output=True)
        res["report_reference_seconds"] = round(time.perf_counter() - t0, 2)
        res["kills_landed_report"] = run_killed(_cmd(*rep, "--out", str(work / "report-faulted")), args.kills, rng,
                                                min(args.max_delay, 2 * res["report_reference_seconds"] + 0.5))
        res["report"] = check_report(work / "report-reference", work / "report-faulted")
        res["ok"] = res["ok"] and not res["report"]["problems"]
    from bench.atomic import write_json

    write_json(args.out, res)
    print(json.dumps(res, indent=2))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
