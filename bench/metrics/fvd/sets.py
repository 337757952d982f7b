"""Set-level scoring: group a run's videos by (model, suite), compare each group with a reference
set, write ``set_scores.parquet``.

References (``reference`` argument of ``score_sets``):

- ``None`` or ``"oracle-ensemble"`` (the CPU profile): renders of the *same probes* by the oracle
  world, ``K = 2 × (samples per probe)`` renders per probe with seeds derived from
  ``sha256("reference|<probe_id>|<k>")`` (disjoint from any run's seeds in practice), so the
  reference holds 2N videos and the real-vs-real floor can be taken at the same N;
- a folder of real videos (the GPU profile): ``iter_reference_clips`` with the StyleGAN-V clip
  protocol made deterministic — files listed, *shuffled* with a seeded RNG (not the first N in
  sorted order, which is class-biased), videos shorter than the clip skipped, one clip per video
  at a seeded random offset; ``n`` = ``BENCH_FVD_REF_N`` (default 2048);
- a user-named set ``{name: ..., folder: ..., n: N}`` (the GPU profile's headline FVD): the folder
  protocol above with the user's name and ``n`` recorded in the ``reference`` column and, by
  :func:`reference_record`, in ``run.json``;
- a list of ``Video`` objects, a callable ``(suite, probes) -> list[Video]``, or a mapping
  ``suite -> any of these``.

Features are cached in ``run_dir/features/<sha256(cache_key)[:16]>/<video sha256>.npy`` (atomic
writes; the cache key names the extractor, its weights' checksum and the preprocessing mode), so
generated and reference videos are never pushed through I3D twice, and features written by any
rank are reused.  A group whose videos lack features (e.g. other ranks still running) is scored
on what is there and marked ``status='incomplete'``: run ``score_sets`` once, after all ranks.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from bench.atomic import atomic_path
from bench.errors import UserError
from bench.metrics.base import METRICS, SetMetric
from bench.video import Video

SET_SCORE_COLUMNS = ("run_id", "model", "suite", "metric", "metric_version", "n", "n_ref", "value", "std",
                     "floor", "reference", "floor_n", "status", "reason")
VIDEO_EXTS = (".mp4", ".mkv", ".avi", ".mov", ".webm", ".gif", ".m4v", ".mpg", ".mpeg")
ORACLE = "oracle-ensemble"


# ----------------------------------------------------------------------------- feature cache


def cache_dir(run_dir: str | os.PathLike, metric: SetMetric) -> Path:
    key = hashlib.sha256(metric.cache_key().encode()).hexdigest()[:16]
    return Path(run_dir) / "features" / key


def cached_features(run_dir: str | os.PathLike, metric: SetMetric, video: Video | None, sha: str) -> np.ndarray | None:
    """The cached feature of video ``sha``; computed from ``video`` and stored when absent (None
    when absent and no video is given)."""
    d = cache_dir(run_dir, metric)
    p = d / f"{sha}.npy"
    if p.exists():
        try:
            return np.load(p, allow_pickle=False)
        except (OSError, ValueError):
            pass  # a corrupt entry is recomputed
    if video is None:
        return None
    f = np.asarray(metric.features(video), dtype=np.float64)
    key_file = d / "cache_key.txt"
    if not key_file.exists():
        with atomic_path(key_file) as tmp:
            tmp.write_text(metric.cache_key() + "\n")
    with atomic_path(p) as tmp:
        np.save(tmp, f, allow_pickle=False)
    return f


# ----------------------------------------------------------------------------- references


def iter_reference_clips(folder: str | os.PathLike, n: int, frames: int = 16, seed: int = 0) -> Iterator[Video]:
    """Up to ``n`` clips of ``frames`` frames from the videos under ``folder`` (recursive).

    Files are sorted, then shuffled with ``seed``; each video gives one clip at a random offset
    drawn from the same seeded generator; videos shorter than ``frames`` are skipped (StyleGAN-V's
    ``discard_short_videos``).  Decoding goes through ``bench.video.read_video``.
    """
    from bench.video import read_video

    root = Path(folder).expanduser()
    if not root.is_dir():
        raise UserError(f"{root}: reference folder not found")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_EXTS)
    if not files:
        raise UserError(f"{root}: no video files ({', '.join(VIDEO_EXTS)}) in the reference folder")
    rng = np.random.default_rng(seed)
    given = 0
    for i in rng.permutation(len(files)):
        if given >= n:
            return
        v = read_video(files[i])
        if v.T < frames:
            continue
        off = int(rng.integers(0, v.T - frames + 1))
        clip = np.ascontiguousarray(v.frames[off:off + frames])
        yield Video(clip, fps=v.fps, provenance={"file": str(files[i]), "offset": off, "source": "reference"})
        given += 1


def reference_clips(folder: str | os.PathLike, n: int, frames: int = 16, seed: int = 0) -> list[Video]:
    """``list(iter_reference_clips(...))``; raises when no video is long enough."""
    clips = list(iter_reference_clips(folder, n, frames, seed))
    if not clips:
        raise UserError(f"{folder}: no reference video has at least {frames} frames")
    return clips


def reference_seed(probe_id: str, k: int) -> int:
    return int(hashlib.sha256(f"reference|{probe_id}|{k}".encode()).hexdigest()[:8], 16)


def oracle_ensemble(suite: str, probes: Sequence[dict[str, Any]], per_probe: int, min_frames: int = 16) -> list[Video]:
    """``per_probe`` oracle renders of each probe (seeds from ``reference_seed``), at the oracle's
    default settings with at least ``min_frames`` frames."""
    from bench.generators.base import resolve

    gen = resolve("oracle")
    ok, why = gen.available()
    if not ok:
        raise UserError(f"oracle world unavailable for the FVD reference: {why}")
    settings = dict(gen.default_settings())
    if "frames" in settings:
        settings["frames"] = max(int(settings["frames"]), min_frames)
    out = []
    for probe in probes:
        sup, why = gen.supports(probe)
        if not sup:
            continue
        for k in range(per_probe):
            out.append(gen.generate(probe, reference_seed(probe["id"], k), dict(settings)))
    if not out:
        raise UserError(f"suite {suite!r}: the oracle world renders none of its probes, so there is no reference")
    return out


class _Reference:
    """The reference videos of one suite, described for the ``reference`` column."""

    def __init__(self, what: str, videos: Iterable[Video]):
        self.what = what
        self.videos = videos

    @property
    def label(self) -> str:
        n = len(self.videos) if isinstance(self.videos, list) else "?"
        return f"{self.what}: {n} videos"


def _suite_probes(suite: str, probe_ids: Iterable[str]) -> list[dict[str, Any]]:
    from bench.suites import load_suite

    s = load_suite(suite)
    return [s.by_id[p] for p in sorted(set(probe_ids)) if p in s.by_id]


#: The oracle ensemble is a sanity check (flat renders of the probes), never a headline FVD.
ORACLE_LABEL = "SANITY CHECK ONLY, not real video"


def parse_named_reference(spec: Any, where: str = "reference") -> dict[str, Any] | None:
    """``{name, folder, n}`` validated (None when ``spec`` is not such a mapping).  ``UserError``
    naming ``where`` for a bad one.  The folder is checked at scoring time, not here."""
    if not (isinstance(spec, Mapping) and "folder" in spec):
        return None
    extra = sorted(set(spec) - {"name", "folder", "n"})
    if extra:
        raise UserError(f"{where}: unknown key {extra[0]!r} (a named reference set has name, folder, n)")
    name, folder, n = spec.get("name"), spec.get("folder"), spec.get("n")
    if not (isinstance(name, str) and name.strip()):
        raise UserError(f"{where}: 'name' must say which real videos these are (e.g. 'UCF-101 test split')")
    if not (isinstance(folder, str) and folder.strip()):
        raise UserError(f"{where}: 'folder' must be a path to a folder of real videos")
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise UserError(f"{where}: 'n' must be the number of reference clips (an integer >= 2), got {n!r}")
    return {"name": name.strip(), "folder": folder, "n": n}


def reference_record(spec: Any) -> dict[str, Any]:
    """What ``run.json`` records about the FVD reference: a named set (name, folder, n, the files
    found and the sha256 of their sorted relative paths) or the oracle ensemble, labelled."""
    named = parse_named_reference(spec)
    if named is None:
        if spec is None or spec == ORACLE:
            return {"kind": ORACLE, "role": ORACLE_LABEL}
        return {"kind": "other", "spec": str(spec)}
    folder = Path(named["folder"]).expanduser()
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and p.suffix.lower() in VIDEO_EXTS) if folder.is_dir() else []
    return {"kind": "named-set", "role": "headline FVD", **named, "files_found": len(files),
            "files_sha256": hashlib.sha256("\n".join(files).encode()).hexdigest() if files else None}


def _reference_for(reference: Any, suite: str, rows: list[dict[str, Any]], clip_frames: int) -> _Reference:
    named = parse_named_reference(reference)
    if named is not None:
        folder = Path(named["folder"]).expanduser()
        if not folder.is_dir():
            raise UserError(f"reference set {named['name']!r}: folder {folder} not found (put the real videos "
                            f"there, or change reference.folder in the config)")
        return _Reference(f"{named['name']} (folder {folder}, n={named['n']} clips of {clip_frames} frames, "
                          f"shuffled, seed 0)", iter_reference_clips(folder, named["n"], clip_frames, seed=0))
    if isinstance(reference, Mapping):
        if suite not in reference:
            raise UserError(f"no FVD reference given for suite {suite!r} (have: {', '.join(map(str, reference))})")
        reference = reference[suite]
    if reference is None or reference == ORACLE:
        per_probe = defaultdict(set)
        for r in rows:
            per_probe[r["probe_id"]].add((r["model"], int(r["sample"])))
        k = 2 * max(max(len({s for _, s in v}) for v in per_probe.values()), 1)
        probes = _suite_probes(suite, per_probe)
        vids = oracle_ensemble(suite, probes, k, clip_frames)
        return _Reference(f"{ORACLE} [{ORACLE_LABEL}] (suite {suite}, {k} renders/probe, {len(probes)} probes, world seeds "
                          f"from sha256('reference|probe|k'))", vids)
    if isinstance(reference, (str, os.PathLike)):
        n = int(os.environ.get("BENCH_FVD_REF_N", "2048"))
        return _Reference(f"folder {reference} (≤{n} clips of {clip_frames} frames, shuffled, seed 0)",
                          iter_reference_clips(reference, n, clip_frames, seed=0))
    if callable(reference):
        probes = _suite_probes(suite, {r["probe_id"] for r in rows})
        return _Reference(f"callable {getattr(reference, '__name__', 'reference')} (suite {suite})",
                          reference(suite, probes))
    if isinstance(reference, (list, tuple)) and all(isinstance(v, Video) for v in reference):
        return _Reference("given videos", list(reference))
    raise UserError(f"FVD reference must be '{ORACLE}', a folder of videos, a list of Video objects or a "
                    f"callable, got {type(reference).__name__}")


# ----------------------------------------------------------------------------- scoring


def _cached_reference(refs: dict[str, "_Reference | UserError"], reference: Any, suite: str,
                      groups: Mapping[tuple[str, str], list[dict[str, Any]]], clip_frames: int) -> _Reference:
    """The suite's reference, built (and decoded) once per ``score_sets`` call; a failure is
    remembered so every metric of the suite reports the same reason."""
    if suite not in refs:
        rows = [r for (_, su), rr in groups.items() if su == suite for r in rr]
        try:
            ref = _reference_for(reference, suite, rows, clip_frames)
            ref.videos = list(ref.videos)  # a folder iterator: decode once
            refs[suite] = ref
        except UserError as e:
            refs[suite] = e
        except Exception as e:  # e.g. the oracle world failing: recorded on the rows, not fatal
            refs[suite] = UserError(f"reference for suite {suite!r} failed: {type(e).__name__}: {e}")
    got = refs[suite]
    if isinstance(got, UserError):
        raise got
    return got


def _run_id(run_dir: Path) -> str:
    from bench.store.run import RunStore

    if not (run_dir / "run.json").exists():
        return run_dir.name
    return str(RunStore(run_dir).meta().get("run_id") or run_dir.name)  # checked: an object, bounded


def score_sets(run_dir: str | os.PathLike, metric_ids: Sequence[str],
               features: Mapping[str, Mapping[str, np.ndarray]], manifest_rows: Sequence[dict[str, Any]],
               reference: Any = None, *, metrics: Mapping[str, SetMetric] | None = None) -> "Any":
    """Score every (model, suite) group of ``manifest_rows`` with each set metric against the
    reference, write ``run_dir/set_scores.parquet`` atomically, and return the table.

    ``features``: metric id -> {video sha256 -> feature}; rows missing there are looked up in the
    run's feature cache.  ``metrics`` (optional) supplies configured instances by id.
    """
    import pandas as pd

    import bench.metrics.fvd  # noqa: F401  (registers fvd.i3d, kvd.i3d)

    run_dir = Path(run_dir)
    run_id = _run_id(run_dir)
    inst = {mid: (metrics or {}).get(mid) or METRICS.get(mid)() for mid in metric_ids}
    for mid, m in inst.items():
        if not isinstance(m, SetMetric):
            raise UserError(f"{mid} is not a set-level metric")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in manifest_rows:
        if r.get("status", "ok") == "ok" and r.get("sha256"):
            groups[(r["model"], r["suite"])].append(r)
    out: list[dict[str, Any]] = []
    refs: dict[str, _Reference | UserError] = {}
    ref_feats: dict[tuple[str, str], np.ndarray] = {}

    for (model, suite), rows in sorted(groups.items()):
        for mid, m in inst.items():
            base = {"run_id": run_id, "model": model, "suite": suite, "metric": mid,
                    "metric_version": m.spec.version, "n": 0, "n_ref": 0, "value": math.nan, "std": math.nan,
                    "floor": math.nan, "reference": "", "floor_n": 0, "status": "ok", "reason": ""}
            ok, why = m.available()
            if not ok:
                out.append({**base, "status": "unavailable", "reason": why})
                continue
            have = features.get(mid, {})
            feats, missing = [], 0
            # the protocol compares clips of clip_frames frames (16): a shorter generated video would be
            # a shorter clip against 16-frame references (an FVD far above the floor, status ok), so it
            # is excluded and named, as the reference excludes its short videos
            need = max(int(m.spec.min_frames), int(getattr(m, "clip_frames", 16) or 0))
            short = [r for r in rows if isinstance(r.get("frames"), int) and r["frames"] < need]
            for r in rows:
                if r in short:
                    continue
                f = have.get(r["sha256"])
                if f is None:
                    f = cached_features(run_dir, m, None, r["sha256"])
                if f is None:
                    missing += 1
                else:
                    feats.append(np.asarray(f, np.float64))
            try:
                ref = _cached_reference(refs, reference, suite, groups, int(getattr(m, "clip_frames", 16)))
                base["reference"] = ref.label
                rkey = (suite, m.cache_key())
                if rkey not in ref_feats:
                    ref_feats[rkey] = np.stack([cached_features(run_dir, m, v, v.content_hash()) for v in ref.videos])
                if len(feats) < 2:
                    raise UserError(f"{len(feats)} videos with features ({missing} missing); need at least 2")
                res = m.compute_set(np.stack(feats), ref_feats[rkey])
            except UserError as e:
                out.append({**base, "n": len(feats), "status": "error", "reason": str(e)})
                continue
            row = {**base, **{k: res[k] for k in ("value", "std", "n", "n_ref", "floor", "floor_n") if k in res}}
            notes = []
            if short:
                named = ", ".join(f"{r['probe_id']}#{r['sample']} ({r['frames']})" for r in short[:5])
                more = f" and {len(short) - 5} more" if len(short) > 5 else ""
                notes.append(f"{len(short)} videos shorter than {need} frames excluded (the protocol's clip "
                             f"length): {named}{more}")
            if missing:
                row["status"] = "incomplete"
                notes.append(f"{missing} of {len(rows)} videos have no features yet (score all ranks first)")
            row["reason"] = "; ".join(notes)
            out.append(row)
    df = pd.DataFrame(out, columns=list(SET_SCORE_COLUMNS))
    if len(df):
        df = df.astype({"n": "int64", "n_ref": "int64", "floor_n": "int64"})
    with atomic_path(run_dir / "set_scores.parquet") as tmp:
        df.to_parquet(tmp, index=False)
    return df
