"""The run directory (``results/runs/<run_id>/``), exactly as ARCHITECTURE.md describes.

```
run.json             config, profile, versions, git commit, hardware, start/end, suite hashes
manifest.jsonl       one row per video (or per skipped job), appended under a file lock
videos/<model>/<suite>/<probe_id>-<sample>.<hash12>.mkv  lossless FFV1 copy: what metrics read
videos/<model>/<suite>/<probe_id>-<sample>.<hash12>.mp4  H.264 preview for people (never scored)
videos/<model>/<suite>/<probe_id>-<sample>.<hash12>.c2pa C2PA manifest of the .mkv (sidecar; the
                                                        .mp4 embeds its own; bench.credentials)
videos/<model>/<suite>/<probe_id>-<sample>.<hash12>.<x>  artifacts (oracle ground truth ...)
  (<hash12> = first 12 hex digits of the decoded pixels' sha256)
scores.parquet       long format, one row per (video, metric)
set_scores.parquet   set-level metrics (FVD, KVD) keyed by model, suite, sample size
features/            cached set-metric features, by extractor key and video hash
```

Crash safety.  Every file is written to a temp name and renamed (``bench.atomic``).  A video
counts as done only when its manifest row exists *and* its lossless file exists with the
recorded sha256; the manifest row is appended (one ``write`` of one line, under ``flock``)
after the files are in place.  A killed process can leave at most a torn last line, which
the reader skips, and orphan files, which the next attempt overwrites.  Rows are keyed by
``(model, suite, probe_id, sample)``; when two rows share a key (two shards raced) the
reader keeps the first complete one, so the manifest stays consistent.

Scores are written per shard as ``scores.parts/<part>.parquet`` and consolidated into
``scores.parquet`` (atomic rename), de-duplicated by (video key, metric).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from bench.atomic import atomic_path, write_bytes, write_json
from bench.errors import UserError
from bench.video import Video, sha256_file, synthetic_tags, write_video

#: Bump when the layout of a run directory changes; older runs are refused with a message.
RUN_FORMAT = 1

MANIFEST_FIELDS = (
    "model", "suite", "probe_id", "category", "sample", "seed", "path", "preview", "sha256",
    "content_sha256", "frames", "fps", "height", "width", "params", "seconds", "created_at",
    "source", "revision", "prompt", "status", "reason", "artifacts", "random_weights", "rank",
    "credentials", "audio",
)

_SAFE = re.compile(r"[^A-Za-z0-9._+~:=-]")


def safe_name(s: str) -> str:
    """A file-system safe, collision-free folder name for a model name (``oracle+vanish:0.5``
    stays readable as ``oracle+vanish=0.5``).  Valid model names (``bench.ids.model_name``) map
    one to one; any other string gets a hash of its exact spelling appended, so ``"vx a"`` and
    ``"vx_a"`` never share a folder."""
    from bench.ids import model_name

    try:
        model_name(s)
        return s.replace(":", "=")
    except UserError:
        import hashlib

        return _SAFE.sub("_", s)[:64].lstrip(".") + "=" + hashlib.sha256(s.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def job_key(model: str, suite: str, probe_id: str, sample: int) -> tuple[str, str, str, int]:
    return (model, suite, probe_id, int(sample))


@dataclass
class RunStore:
    root: Path

    # ------------------------------------------------------------------ open / create
    @classmethod
    def create(cls, root: str | Path, meta: dict[str, Any]) -> "RunStore":
        """Create (or reopen for resume) a run directory; ``run.json`` is written if absent,
        otherwise its config must match ``meta['config']`` where both define it."""
        root = Path(root)
        try:
            root.mkdir(parents=True, exist_ok=True)
            (root / "videos").mkdir(exist_ok=True)
        except OSError as e:
            raise UserError(f"{root}: cannot create run directory ({e.strerror})") from None
        if not os.access(root, os.W_OK):
            raise UserError(f"{root}: run directory is not writable")
        store = cls(root)
        rj = root / "run.json"
        if rj.exists():
            store.check_format()
        else:
            meta = dict(meta)
            meta.setdefault("run_id", root.name)
            meta.setdefault("format", RUN_FORMAT)
            meta.setdefault("created_at", now_iso())
            with _locked(root / ".run.lock"):
                if not rj.exists():
                    write_json(rj, meta)
        return store

    @classmethod
    def open(cls, root: str | Path) -> "RunStore":
        root = Path(root)
        if not root.is_dir():
            raise UserError(f"{root}: run directory not found")
        if not (root / "run.json").exists():
            raise UserError(f"{root}: not a run directory (no run.json)")
        store = cls(root)
        store.check_format()
        return store

    def check_format(self) -> None:
        meta = self.meta()
        fmt = meta.get("format")
        if fmt != RUN_FORMAT:
            raise UserError(
                f"{self.root}/run.json: run format {fmt!r} is not the supported format {RUN_FORMAT} "
                "(made by another version of bench; re-run it, or use that version)")

    @property
    def run_id(self) -> str:
        return self.root.name

    def meta(self) -> dict[str, Any]:
        from bench.safeio import read_bytes

        try:
            meta = json.loads(read_bytes(self.root / "run.json", "run.json"))
        except (OSError, ValueError) as e:
            raise UserError(f"{self.root}/run.json: unreadable ({e})") from None
        if not isinstance(meta, dict):
            raise UserError(f"{self.root}/run.json: unreadable (a JSON object is expected, found a "
                            f"{type(meta).__name__})")
        for k in ("config", "suites", "suite_paths"):
            if k in meta and meta[k] is not None and not isinstance(meta[k], dict):
                raise UserError(f"{self.root}/run.json: {k!r} must be an object, found a {type(meta[k]).__name__}")
        return meta

    def update_meta(self, **fields: Any) -> None:
        """Merge ``fields`` into run.json (locked, atomic).  Dict values are merged one level."""
        with _locked(self.root / ".run.lock"):
            meta = self.meta()
            for k, v in fields.items():
                if isinstance(v, dict) and isinstance(meta.get(k), dict):
                    meta[k] = {**meta[k], **v}
                else:
                    meta[k] = v
            write_json(self.root / "run.json", meta)

    # ------------------------------------------------------------------ manifest
    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.jsonl"

    def rows(self) -> list[dict[str, Any]]:
        """Manifest rows, one per job key (first complete row wins).

        Only a torn *last* line (no final newline: a writer killed mid-append) is skipped; a
        malformed line anywhere else, or a row without its key fields, is a corrupt manifest
        and raises ``UserError`` naming the line.
        """
        from bench.safeio import read_bytes

        out: dict[tuple, dict[str, Any]] = {}
        p = self.manifest_path
        if not p.exists():
            return []
        data = read_bytes(p, "manifest")
        lines = data.split(b"\n")
        torn = lines[-1] if lines and lines[-1].strip() else None   # no trailing newline
        body = lines[:-1]
        for lineno, line in enumerate(body, 1):
            if not line.strip():
                continue
            row = _manifest_row(p, lineno, line)
            key = job_key(row["model"], row["suite"], row["probe_id"], row["sample"])
            if key not in out:
                out[key] = row
        if torn is not None:
            try:
                row = _manifest_row(p, len(body) + 1, torn)
            except UserError:
                row = None  # a torn final line from a killed writer
            if row is not None:
                out.setdefault(job_key(row["model"], row["suite"], row["probe_id"], row["sample"]), row)
        return list(out.values())

    def video_rows(self) -> list[dict[str, Any]]:
        return [r for r in self.rows() if r.get("status", "ok") == "ok"]

    def done_keys(self, verify: bool = True) -> set[tuple]:
        """Keys whose row exists and whose lossless file is present with the recorded size/hash.

        ``verify=True`` checks each file's existence and (cheaply) its size; the sha256 is
        checked when the scorer reads the file.
        """
        keys = set()
        for r in self.rows():
            key = job_key(r["model"], r["suite"], r["probe_id"], r["sample"])
            if r.get("status", "ok") != "ok":
                keys.add(key)
                continue
            if verify:
                p = self.video_path(r)
                if not p.exists() or (r.get("bytes") is not None and p.stat().st_size != r["bytes"]):
                    continue
            keys.add(key)
        return keys

    def append_row(self, row: dict[str, Any]) -> None:
        line = (json.dumps(row, sort_keys=True, default=str) + "\n").encode("utf-8")
        with _locked(self.root / ".manifest.lock"):
            fd = os.open(self.manifest_path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
            try:
                size = os.fstat(fd).st_size
                if size:
                    # a writer killed mid-append left a line without its newline: drop that torn
                    # tail (we hold the lock, so nobody is writing it) before appending
                    tail = os.pread(fd, min(size, 1 << 16), max(0, size - (1 << 16)))
                    if not tail.endswith(b"\n"):
                        cut = tail.rfind(b"\n")
                        os.ftruncate(fd, size - len(tail) + (cut + 1 if cut >= 0 else 0))
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)

    # ------------------------------------------------------------------ videos
    def video_stem(self, model: str, suite: str, probe_id: str, sample: int) -> Path:
        from bench.ids import probe_id as probe_id_problem
        from bench.ids import sample_index, suite_name

        why = probe_id_problem(probe_id)
        if why:
            raise UserError(f"probe {probe_id!r}: {why}")
        return (Path("videos") / safe_name(model) / suite_name(suite) /
                f"{probe_id}-{sample_index(int(sample))}")

    def video_path(self, row: dict[str, Any]) -> Path:
        """The file a manifest row points at; it must be a relative path inside the run (a row
        naming ``/dev/zero`` or ``../../x`` is refused, never read)."""
        from bench.safeio import inside

        return inside(self.root, row.get("path"), "manifest path")

    def lock(self, name: str) -> Any:
        """An exclusive ``flock`` on ``.<name>.lock`` in the run (a context manager)."""
        return _locked(self.root / f".{name}.lock")

    def add_video(self, row: dict[str, Any], video: Video, *, preview: bool = True,
                  preview_crf: int = 18) -> dict[str, Any]:
        """Write the lossless copy, the preview and any artifacts, then append the manifest row.

        ``row`` must hold model, suite, probe_id, sample (the key) plus whatever the caller
        knows (seed, params, prompt, seconds...).  Returns the completed row.
        """
        prov = dict(video.provenance)
        artifacts: dict[str, bytes] = prov.pop("artifacts", {}) or {}
        from bench.watermark import mark_video, watermark_enabled

        marked = None
        if watermark_enabled():  # BENCH_WATERMARK=1: the invisible frame watermark (off by default)
            video, marked = mark_video(video)
        # the content hash in the name means two racing writers of one job never overwrite each
        # other's file: each row points at the bytes it describes (first complete row wins)
        content = video.content_hash()
        base = self.video_stem(row["model"], row["suite"], row["probe_id"], row["sample"])
        stem = base.with_name(f"{base.name}.{content[:12]}")
        rel = Path(f"{stem}.mkv")
        tag_prov = {**prov, "model": row["model"], "probe_id": row["probe_id"],
                    "prompt": row.get("prompt", prov.get("prompt", "")), "seed": row.get("seed"),
                    "source": row.get("source", prov.get("source", "generated"))}
        tags = synthetic_tags(tag_prov)
        cred = {**tag_prov, "suite": row["suite"], "sample": row["sample"],
                "revision": row.get("revision", prov.get("revision", ""))}
        signed = {"video": write_video(video, self.root / rel, lossless=True, tags=tags, credentials=cred)}
        prev_rel = None
        if preview:
            prev_rel = Path(f"{stem}.mp4")
            signed["preview"] = write_video(video, self.root / prev_rel, lossless=False, crf=preview_crf,
                                            tags=tags, credentials=cred)
        art_rel = {}
        for suffix, data in sorted(artifacts.items()):
            p = Path(f"{stem}.{suffix}")
            write_bytes(self.root / p, data)
            art_rel[suffix] = str(p)
        full = self.root / rel
        out = {
            **row,
            "path": str(rel),
            "preview": str(prev_rel) if prev_rel else None,
            "sha256": sha256_file(full),
            "bytes": full.stat().st_size,
            "content_sha256": content,
            "frames": video.T, "height": video.H, "width": video.W, "fps": video.fps,
            "artifacts": art_rel,
            "credentials": signed,
            **({"watermark": marked} if marked else {}),
            "status": "ok",
            "created_at": now_iso(),
        }
        if video.audio is not None:  # audio hook: presence, codec, rate, channels, duration
            out["audio"] = {**video.audio.info(), "codec": "flac"}
        out.setdefault("source", prov.get("source", "generated"))
        out.setdefault("params", prov.get("params", {}))
        out.setdefault("revision", prov.get("revision", ""))
        out.setdefault("random_weights", bool(prov.get("random_weights", False)))
        extra = {k: v for k, v in prov.items()
                 if k not in ("params", "revision", "random_weights", "source", "prompt", "model",
                              "probe_id", "seed", "file", "container_metadata")}
        if extra:
            out.setdefault("provenance", extra)
        self.append_row(out)
        return out

    def add_file(self, row: dict[str, Any], src: Path, video: Video | None = None, *,
                 decode: Any = None, expect_sha256: str | None = None) -> dict[str, Any]:
        """Adopt an already-encoded file (imports): copy it byte for byte (the user's file is
        never modified) as the scored file; the decoded pixels are what metrics see.

        Transactional: the copy is hashed as it is written; when ``expect_sha256`` is given and
        the copy differs (the file changed while being imported) nothing is kept.  ``decode``
        (``Path -> Video``) is called on the verified copy, before it is renamed into place, so
        the pixels recorded are those of the bytes kept.  The manifest row is written last.
        """
        import hashlib

        from bench.safeio import open_regular

        stem = self.video_stem(row["model"], row["suite"], row["probe_id"], row["sample"])
        rel = Path(f"{stem}{src.suffix.lower()}")
        with atomic_path(self.root / rel) as tmp:
            h = hashlib.sha256()
            n = 0
            with open_regular(src, "video file") as fi, open(tmp, "wb") as fo:
                while True:
                    b = fi.read(1 << 20)
                    if not b:
                        break
                    h.update(b)
                    n += len(b)
                    fo.write(b)
            sha = h.hexdigest()
            if expect_sha256 is not None and sha != expect_sha256:
                raise UserError(f"{src}: the file changed while being imported (sha256 {sha[:12]}… now, "
                                f"{expect_sha256[:12]}… when first read); import it again once it is complete")
            if decode is not None:
                video = decode(tmp)
            if video is None:
                raise TypeError("add_file needs a decoded video or a decode function")
        out = {
            **row,
            "path": str(rel),
            "preview": str(rel),
            "sha256": sha,
            "bytes": n,
            "content_sha256": video.content_hash(),
            "frames": video.T, "height": video.H, "width": video.W, "fps": video.fps,
            "artifacts": {},
            "status": "ok",
            "created_at": now_iso(),
        }
        if video.audio is not None:  # audio hook: the user's track, as decoded from their file
            out["audio"] = video.audio.info()
        out.setdefault("source", "imported")
        self.append_row(out)
        return out

    def sweep_temp(self, older_than_s: float = 0.0, under: str | Path | None = None) -> int:
        """Delete temp files (``.tmp-*``) left by killed writers (below ``under``, a folder of the
        run, when given).  Call it only when no other process writes there (single rank), or
        with ``older_than_s`` well above a write."""
        import time

        n, now = 0, time.time()
        top = self.root / under if under is not None else self.root
        for p in top.rglob(".tmp-*"):
            with contextlib.suppress(FileNotFoundError):
                if now - p.stat().st_mtime >= older_than_s:
                    p.unlink()
                    n += 1
        return n

    def add_skipped(self, row: dict[str, Any], reason: str) -> None:
        """Record a job that cannot run (generator does not support the probe)."""
        self.append_row({**row, "status": "skipped", "reason": reason, "path": None,
                         "created_at": now_iso()})

    # ------------------------------------------------------------------ scores
    @property
    def scores_path(self) -> Path:
        return self.root / "scores.parquet"

    @property
    def parts_dir(self) -> Path:
        return self.root / "scores.parts"

    def write_score_part(self, df: "Any", name: str) -> Path:
        p = self.parts_dir / f"{name}.parquet"
        with atomic_path(p) as tmp:
            df.to_parquet(tmp, index=False)
        return p

    def scores(self) -> "Any":
        """All score rows: the consolidated file plus any parts not yet consolidated.

        Reads under a shared lock so that a concurrent ``consolidate_scores`` (another rank
        finishing) cannot delete a part between the listing and the read.
        """
        with _locked(self.root / ".scores.lock", shared=True):
            return self._scores_unlocked()

    def _scores_unlocked(self) -> "Any":
        import pandas as pd

        frames = []
        if self.scores_path.exists():
            frames.append(_read_parquet(self.scores_path))
        if self.parts_dir.exists():
            for p in sorted(self.parts_dir.glob("*.parquet")):
                if p.name.startswith(".tmp-"):
                    continue
                frames.append(_read_parquet(p))
        if not frames:
            return pd.DataFrame()
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True)
        key = ["model", "suite", "probe_id", "sample", "metric"]
        return df.drop_duplicates(subset=key, keep="last").reset_index(drop=True)

    def consolidate_scores(self) -> int:
        """Merge parts into scores.parquet (atomic), then remove the merged parts."""
        with _locked(self.root / ".scores.lock"):
            parts = sorted(p for p in self.parts_dir.glob("*.parquet")
                           if not p.name.startswith(".tmp-")) if self.parts_dir.exists() else []
            df = self._scores_unlocked()
            if len(df):
                key = ["model", "suite", "probe_id", "sample", "metric"]
                df = df.sort_values(key, kind="mergesort").reset_index(drop=True)
                with atomic_path(self.scores_path) as tmp:
                    df.to_parquet(tmp, index=False)
            for p in parts:
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
            return len(df)


#: Columns every scores file must have (its key: what de-duplication and resuming read).
SCORE_KEY_COLUMNS = ("model", "suite", "probe_id", "sample", "metric")


def _read_parquet(p: Path) -> "Any":
    import pandas as pd

    from bench.safeio import LIMITS, regular_file

    regular_file(p, "scores file", LIMITS["scores"])
    try:
        df = pd.read_parquet(p)
    except Exception as e:
        raise UserError(f"{p}: unreadable scores file ({type(e).__name__}: {e})") from None
    missing = [c for c in SCORE_KEY_COLUMNS if c not in df.columns]
    if len(df.columns) and missing:
        raise UserError(f"{p}: not a bench scores file (missing column(s) {', '.join(missing)})")
    return df


def _manifest_row(p: Path, lineno: int, line: bytes) -> dict[str, Any]:
    """One parsed, checked manifest line (``UserError`` naming ``file:line`` otherwise)."""
    try:
        row = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"{p}:{lineno}: corrupt manifest line ({e}); only a torn last line is skipped") from None
    if not isinstance(row, dict):
        raise UserError(f"{p}:{lineno}: corrupt manifest line (a JSON object is expected)")
    for k in ("model", "suite", "probe_id"):
        if not isinstance(row.get(k), str) or not row[k]:
            raise UserError(f"{p}:{lineno}: manifest row has no valid {k!r} (got {row.get(k)!r})")
    smp = row.get("sample")
    if isinstance(smp, bool) or not isinstance(smp, int) or smp < 0:
        raise UserError(f"{p}:{lineno}: manifest row has no valid 'sample' (got {smp!r})")
    if row.get("status", "ok") == "ok" and (not isinstance(row.get("path"), str) or not row["path"]):
        raise UserError(f"{p}:{lineno}: manifest row for {row['probe_id']} has no 'path'")
    return row


@contextlib.contextmanager
def _locked(path: Path, shared: bool = False) -> Iterator[None]:
    """``flock`` on ``path`` (exclusive, or shared for readers).

    A reader of a run it may not write to (read-only copy of a published run) cannot create
    the lock file; nobody can be consolidating there, so it reads without the lock.
    """
    if shared:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                fd = None
        if fd is None:
            yield
            return
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def iter_runs(root: Path) -> Iterator[Path]:
    for p in sorted(root.glob("*/run.json")):
        yield p.parent
