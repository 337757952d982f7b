"""Audio validity and cost: AUROC per audio violation, offset error on clean renders, nuisance
flips, and the scoring-time overhead of audio.  Writes results/perf/audio.json.

    PYTHONPATH=. python benchmarks/perf_audio.py [--every 4] [--out results/perf/audio.json]

Oracle renders with sound (``audio: true``) of every ``--every``-th scene probe of the physics,
permanence and identity suites, seed 1.  For av.sync: AUROC of clean vs each violation at full
magnitude over the probes where it changed the sound (Mann-Whitney, ties 1/2, higher =
better), its detection rate (share not passing)
and the clean failure rate; nuisance flips (clean passes, nuisance fails) / pairs.  Offset
error: |offset_ms| of av.sync on clean renders at 24 fps (frames = 24 x scene duration), vs
the ground truth 0.  Overhead: scoring a video with sound and the av.* metrics vs the same
video silent without them, every other applicable video metric included (``overhead``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.errors import UserError
from bench.generators.oracle.generator import OracleGenerator
from bench.metrics.base import METRICS, Sample
from bench.plugins import load as load_plugins
from bench.suites import load_suite

VIOLATIONS = ["av_early", "av_late", "av_drift", "av_missing", "av_extra", "av_foreign"]
REPEATS = 3
NUISANCES = ["aac:32", "resample:8000", "anoise:-40", "gain:-12", "mono"]


def auroc(clean: list[float], bad: list[float]) -> float:
    c, b = np.asarray(clean), np.asarray(bad)
    if not len(c) or not len(b):
        return math.nan
    return float(((c[:, None] > b[None]).sum() + 0.5 * (c[:, None] == b[None]).sum()) / (len(c) * len(b)))


def score(name: str, probe: dict, settings: dict) -> dict | None:
    try:
        v = OracleGenerator(name).generate(probe, 1, settings)
    except UserError:
        return None
    s = Sample(name, probe["id"], 0, probe["prompt"], probe, {"audio": {}})
    out: dict = {"audio_sha": v.audio.content_hash() if v.audio is not None else None}
    for mid in ("av.sync", "av.silence_when_still", "av.av_align"):
        r = METRICS.get(mid)().compute(v, s)
        out[mid] = {"value": r.value, "verdict": r.verdict, "offset_ms": r.extra.get("offset_ms")}
    return out


def _clear_caches() -> None:
    from bench.audio import onsets
    from bench.metrics.probes import analysis
    from bench.metrics.temporal import flow

    analysis._cache.clear()
    flow._cache.clear()
    onsets._cache.clear()


def overhead(probes: list[dict]) -> dict:
    """Marginal cost of audio per video, as ``bench score`` pays it: (decode with sound + every
    applicable, available video metric, av.* included) minus (the same without sound and
    without av.*), over the latter; shared caches (analysis, flow, onsets) emptied before each
    pass; CPU time of this process (all its threads), each pass ``REPEATS`` times, interleaved,
    keeping the least (the machine is shared, so wall time mostly measures the neighbours);
    the first video is a warm-up (imports), not counted."""
    from bench.metrics.base import VideoMetric
    from bench.video import read_video, write_video

    base = total = 0.0
    with tempfile.TemporaryDirectory() as d:
        for n, p in enumerate(probes):
            v = OracleGenerator("oracle").generate(p, 1, {"audio": True})
            loud, silent = Path(d) / "a.mkv", Path(d) / "s.mkv"
            write_video(v, loud, lossless=True)
            v.audio = None
            write_video(v, silent, lossless=True)
            s = Sample("oracle", p["id"], 0, p["prompt"], p, {"audio": {"codec": "flac"}})
            times = [math.inf, math.inf]
            for _ in range(REPEATS):           # interleaved; the minimum of each (a shared machine)
                for k, (path, with_av) in enumerate(((silent, False), (loud, True))):
                    _clear_caches()
                    t = time.process_time()
                    w = read_video(path)
                    for mid, cls in METRICS.items():
                        m = cls()
                        if (not isinstance(m, VideoMetric) or (mid.startswith("av.") and not with_av)
                                or not m.available()[0] or not m.applies(s)):
                            continue
                        m.compute(w, s)
                    times[k] = min(times[k], time.process_time() - t)
            if n:
                base, total = base + times[0], total + times[1]
    return {"videos": len(probes) - 1, "repeats": REPEATS, "base_s": base, "with_audio_s": total,
            "overhead": (total - base) / base if base else math.nan}


def _provenance(load0: tuple[float, float, float]) -> dict:
    import datetime
    import platform
    import subprocess

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {"benchmark": "audio validity and scoring cost (av.sync, av.silence_when_still, av.av_align)",
            "created_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "git_commit": commit, "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                              "python": platform.python_version()},
            "load_average_before": list(load0), "load_average_after": list(os.getloadavg())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=int, default=4)
    ap.add_argument("--out", default="results/perf/audio.json")
    args = ap.parse_args()
    load0 = os.getloadavg()
    load_plugins()
    probes = [p for su in ("physics", "permanence", "identity") for p in load_suite(su).probes if p.get("scene")]
    probes = probes[:: args.every]
    res: dict = {"probes": len(probes)}
    clean = {p["id"]: score("oracle", p, {"audio": True}) for p in probes}
    cv = [c["av.sync"]["value"] for c in clean.values() if c]
    res["clean_fail_rate"] = float(np.mean([c["av.sync"]["verdict"] != "pass" for c in clean.values() if c]))
    res["violations"] = {}
    for name in VIOLATIONS:
        # pairs where the violation changed the sound (as the validity study pairs them)
        got = [g for p in probes if (g := score(f"oracle+{name}:1.0", p, {})) and clean[p["id"]]
               and g["audio_sha"] != clean[p["id"]]["audio_sha"]]
        vals = [g["av.sync"]["value"] for g in got if g]
        res["violations"][name] = {
            "n": len(vals), "auroc": auroc(cv, vals),
            "detection": float(np.mean([g["av.sync"]["verdict"] != "pass" for g in got if g])) if vals else math.nan,
            "silence_when_still_detection": float(np.mean([g["av.silence_when_still"]["verdict"] != "pass"
                                                           for g in got if g])) if vals else math.nan}
    res["nuisances"] = {}
    for name in NUISANCES:
        flips = pairs = 0
        for p in probes:
            c, g = clean[p["id"]], score(f"oracle~{name}", p, {})
            if c and g:
                pairs += 1
                flips += c["av.sync"]["verdict"] == "pass" and g["av.sync"]["verdict"] != "pass"
        res["nuisances"][name] = {"pairs": pairs, "flip_rate": flips / pairs if pairs else math.nan}
    errs = []
    for p in probes:
        frames = int(round(24 * float(p["scene"]["duration"])))
        r = score("oracle", p, {"audio": True, "frames": frames, "fps": 24.0})
        if r and r["av.sync"]["offset_ms"] is not None and math.isfinite(r["av.sync"]["offset_ms"]):
            errs.append(abs(r["av.sync"]["offset_ms"]))
    res["offset_error_ms_24fps"] = {"n": len(errs), "median": float(np.median(errs)) if errs else math.nan,
                                    "p90": float(np.percentile(errs, 90)) if errs else math.nan,
                                    "max": float(np.max(errs)) if errs else math.nan,
                                    "within_42ms": float(np.mean(np.asarray(errs) <= 42.0)) if errs else math.nan}
    res["overhead"] = overhead(probes[: max(4, len(probes) // 4)])
    res["targets"] = {"auroc_at_full_magnitude": 0.95, "offset_error_ms": 42.0, "nuisance_flip_rate": 0.05,
                      "scoring_overhead": 0.20}
    res["meets_target"] = {
        "auroc": all(v["auroc"] >= 0.95 for v in res["violations"].values()),
        "offset": res["offset_error_ms_24fps"]["max"] <= 42.0,
        "nuisance_flips": all(v["flip_rate"] <= 0.05 for v in res["nuisances"].values()),
        "overhead": res["overhead"]["overhead"] <= 0.20}
    res.update(_provenance(load0))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2, sort_keys=True) + "\n")
    print(json.dumps(res, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
