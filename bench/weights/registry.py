"""The weights registry: the one place in ``bench`` that finds, fetches and verifies model weights.

No metric or generator downloads anything itself.  Each weight is a ``WeightEntry`` (a single file,
or a Hugging Face hub snapshot folder) registered by name; ``resolve(name)`` returns a local path
or raises ``WeightsMissing`` with a one-line message saying what is missing, what needs it, where
we looked and how to get it.

Resolution order (``resolve``):

1. an explicit path the caller passes (a file, or a folder holding the file / the snapshot);
2. ``$BENCH_WEIGHTS_DIR/<name>/`` (default ``~/.cache/bench/weights``): a folder holding the
   snapshot, or holding ``entry.filename`` for single-file entries;
3. the Hugging Face cache (``huggingface_hub`` with ``local_files_only=True`` at the pinned
   revision) for hub sources; the torch hub checkpoint folder (``$TORCH_HOME/hub/checkpoints``,
   where torchvision and ``lpips`` keep their downloads) for URL sources;
4. a download, only when online (``HF_HUB_OFFLINE`` unset) **and** allowed
   (``allow_download=True`` or ``BENCH_ALLOW_DOWNLOAD=1``), into ``$BENCH_WEIGHTS_DIR/<name>/``.

Checksums.  ``entry.sha256`` maps a file (relative path inside the snapshot, or ``filename`` /
``""`` for single files) to its sha256.  A value shorter than 64 hex digits is a *prefix*: this
is how torchvision publishes its checksums (the first hex digits of the sha256 sit in the file
name, e.g. ``alexnet-owt-7be5be79.pth``).  Where no checksum is published, the sha256 of each file
is recorded on the first ``fetch`` (or ``verify``) in ``$BENCH_WEIGHTS_DIR/weights.lock.json``
and verified on every later resolve.  Hash results are cached by (path, size, mtime) in memory
and in ``$BENCH_WEIGHTS_DIR/.sha256-cache.json`` so large files are not re-hashed on every run.

Environment: ``BENCH_WEIGHTS_DIR``, ``BENCH_ALLOW_DOWNLOAD``, ``HF_HUB_OFFLINE``, ``HF_HUB_CACHE``
(or ``HF_HOME``), ``TORCH_HOME``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from bench.atomic import atomic_path, write_json
from bench.errors import UserError, WeightsMissing
from bench.weights.content import check_download

LOCK_NAME = "weights.lock.json"
HASH_CACHE_NAME = ".sha256-cache.json"
KINDS = ("file", "hf_repo")


class WeightsChecksumError(WeightsMissing):
    """A weight file was found but its sha256 does not match the recorded one."""


@dataclass(frozen=True)
class WeightEntry:
    """One weight: where it comes from, what it is, who needs it.

    name: registry name (``i3d-styleganv-torchscript``, ``clip-vit-base-patch32``).
    kind: ``file`` (one file) or ``hf_repo`` (a hub snapshot folder).
    source: hub repo id (``openai/clip-vit-base-patch32``) or an https URL.
    revision: pinned hub revision (commit sha) where known; ``""`` means the default branch at
        fetch time (the commit actually fetched is recorded in the lock file).
    filename: ``kind="file"``: the file name (in the hub repo, or the URL's basename).
    sha256: relative path -> sha256 (a shorter hex string is a prefix, torchvision-style).
    licence, size (human-readable), used_by (metric ids / model names), description.
    min_bytes: ``file``: smallest plausible size; a smaller download is refused (see
        :func:`check_download`).
    allow_patterns: ``hf_repo``: the files to fetch (``fnmatch`` patterns).  A pattern written
        ``a|b`` means "the first of ``a``, ``b`` that the repo has" (e.g. prefer
        ``model.safetensors`` over ``pytorch_model.bin``); it is required at resolve time.
        Other patterns without wildcards are required; patterns with wildcards are optional.
    """

    name: str
    kind: str
    source: str
    revision: str = ""
    filename: str = ""
    sha256: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    licence: str = ""
    size: str = ""
    used_by: tuple[str, ...] = ()
    description: str = ""
    allow_patterns: tuple[str, ...] = ()
    #: ``file`` entries: the smallest plausible size of the file in bytes (0: any non-empty file);
    #: a download smaller than this is refused before its hash is recorded.
    min_bytes: int = 0

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name or self.name.startswith("."):
            raise ValueError(f"weight name must be a plain non-empty name, got {self.name!r}")
        if self.kind not in KINDS:
            raise ValueError(f"weight {self.name}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "file" and not self.filename:
            raise ValueError(f"weight {self.name}: kind='file' needs a filename")
        if self.kind == "hf_repo" and self.is_url:
            raise ValueError(f"weight {self.name}: kind='hf_repo' needs a hub repo id, not a URL")
        # freeze the mapping so the frozen dataclass really is immutable
        object.__setattr__(self, "sha256", MappingProxyType(dict(self.sha256)))
        object.__setattr__(self, "used_by", tuple(self.used_by))
        object.__setattr__(self, "allow_patterns", tuple(self.allow_patterns))

    @property
    def is_url(self) -> bool:
        return self.source.startswith(("https://", "http://"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "source": self.source, "revision": self.revision,
            "filename": self.filename, "sha256": dict(self.sha256), "licence": self.licence,
            "size": self.size, "used_by": list(self.used_by), "description": self.description,
            "allow_patterns": list(self.allow_patterns),
        }


_ENTRIES: dict[str, WeightEntry] = {}


def register(entry: WeightEntry) -> WeightEntry:
    """Add ``entry`` to the registry; a second entry with the same name raises ``ValueError``."""
    if not isinstance(entry, WeightEntry):
        raise TypeError("register() takes a WeightEntry")
    if entry.name in _ENTRIES:
        raise ValueError(f"duplicate weight name {entry.name!r}")
    _ENTRIES[entry.name] = entry
    return entry


def _unregister(name: str) -> None:
    """Remove an entry (tests only)."""
    _ENTRIES.pop(name, None)


def get(name: str) -> WeightEntry:
    """The entry called ``name``; an unknown name is a ``UserError`` listing the known ones."""
    try:
        return _ENTRIES[name]
    except KeyError:
        known = ", ".join(sorted(_ENTRIES)) or "none"
        raise UserError(f"unknown weight {name!r} (known: {known}; see `bench weights list`)") from None


def entries() -> list[WeightEntry]:
    return [_ENTRIES[k] for k in sorted(_ENTRIES)]


# ----------------------------------------------------------------------------- locations


def weights_dir() -> Path:
    """``$BENCH_WEIGHTS_DIR``, else ``~/.cache/bench/weights``."""
    d = os.environ.get("BENCH_WEIGHTS_DIR")
    if d:
        return Path(d).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bench" / "weights"


def hf_cache_dir() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "huggingface" / "hub"


def torch_hub_checkpoints() -> Path:
    """Where ``torch.hub`` (torchvision, lpips) keeps downloads, computed without importing torch."""
    if os.environ.get("TORCH_HOME"):
        return Path(os.environ["TORCH_HOME"]).expanduser() / "hub" / "checkpoints"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "torch" / "hub" / "checkpoints"


def _truthy(v: str | None) -> bool:
    return (v or "").strip().lower() in ("1", "true", "yes", "on")


def offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) asks for no network."""
    return _truthy(os.environ.get("HF_HUB_OFFLINE")) or _truthy(os.environ.get("TRANSFORMERS_OFFLINE"))


def downloads_allowed(allow_download: bool | None = None) -> bool:
    if offline():
        return False
    if allow_download is None:
        return _truthy(os.environ.get("BENCH_ALLOW_DOWNLOAD"))
    return bool(allow_download)


# ----------------------------------------------------------------------------- hashing


_HASH_MEMO: dict[tuple[str, int, int], str] = {}


def _stat_key(p: Path) -> tuple[str, int, int]:
    rp = p.resolve()
    st = rp.stat()
    return (str(rp), int(st.st_size), int(st.st_mtime_ns))


def _load_hash_cache() -> dict[str, str]:
    p = weights_dir() / HASH_CACHE_NAME
    try:
        data = json.loads(p.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def sha256_of(path: str | os.PathLike) -> str:
    """sha256 of a file, cached by (resolved path, size, mtime) in memory and on disk."""
    p = Path(path)
    key = _stat_key(p)
    if key in _HASH_MEMO:
        return _HASH_MEMO[key]
    skey = "|".join(map(str, key))
    disk = _load_hash_cache()
    if skey in disk:
        _HASH_MEMO[key] = disk[skey]
        return disk[skey]
    from bench.safeio import open_regular

    h = hashlib.sha256()
    with open_regular(p, "weight file") as f:  # a FIFO or device named as weights never hangs
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    _HASH_MEMO[key] = digest
    # persist only for big files (small ones are cheap to re-hash); never fail on a read-only dir
    if key[1] >= (1 << 20):
        with contextlib.suppress(OSError):
            disk[skey] = digest
            write_json(weights_dir() / HASH_CACHE_NAME, disk)
    return digest


def _matches(expected: str, actual: str) -> bool:
    expected = expected.strip().lower()
    return bool(expected) and actual.lower().startswith(expected)


# ----------------------------------------------------------------------------- lock file


def _lock_path() -> Path:
    return weights_dir() / LOCK_NAME


def read_lock() -> dict[str, Any]:
    try:
        data = json.loads(_lock_path().read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _record_lock(name: str, files: Mapping[str, str], **info: Any) -> None:
    """Record sha256s (trust on first use) for files of ``name`` that have no published checksum."""
    lock = read_lock()
    rec = dict(lock.get(name) or {})
    rec_files = dict(rec.get("files") or {})
    rec_files.update(files)
    rec.update({k: v for k, v in info.items() if v})
    rec["files"] = dict(sorted(rec_files.items()))
    rec.setdefault("recorded_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    lock[name] = rec
    write_json(_lock_path(), lock)


def expected_checksums(entry: WeightEntry) -> dict[str, tuple[str, str]]:
    """file -> (sha256 or prefix, origin) where origin is ``published`` or ``lock``."""
    out: dict[str, tuple[str, str]] = {}
    for f, s in (read_lock().get(entry.name) or {}).get("files", {}).items():
        out[f] = (s, "lock")
    for f, s in entry.sha256.items():
        out[f or entry.filename] = (s, "published")
    return out


# ----------------------------------------------------------------------------- candidates


def _alternatives(pattern: str) -> list[str]:
    return [a for a in pattern.split("|") if a]


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _folder_missing(entry: WeightEntry, folder: Path) -> list[str]:
    """Required files of an ``hf_repo`` entry absent from ``folder`` (empty = complete)."""
    if not folder.is_dir():
        return [str(folder)]
    missing = []
    for pat in entry.allow_patterns:
        alts = _alternatives(pat)
        if len(alts) == 1 and _is_glob(alts[0]):
            continue
        if not any((folder / a).is_file() for a in alts):
            missing.append(" or ".join(alts))
    for rel in entry.sha256:
        if rel and not (folder / rel).is_file() and not any(rel in _alternatives(p) for p in entry.allow_patterns):
            missing.append(rel)
    if not entry.allow_patterns and not entry.sha256 and not any(folder.iterdir()):
        missing.append("(any file)")
    return missing


def _file_in(entry: WeightEntry, base: Path) -> Path | None:
    """For a ``file`` entry: ``base`` itself if it is the file, else ``base/filename``."""
    if base.is_file():
        return base
    cand = base / entry.filename
    return cand if cand.is_file() else None


def _hf_cached(entry: WeightEntry) -> Path | None:
    """The entry from the local Hugging Face cache (no network), or None."""
    if entry.is_url:
        return None
    try:
        from huggingface_hub import hf_hub_download, snapshot_download
    except ImportError:  # pragma: no cover - huggingface_hub is a dependency
        return None
    rev = entry.revision or None
    cache = hf_cache_dir()
    try:
        if entry.kind == "file":
            return Path(hf_hub_download(entry.source, entry.filename, revision=rev, cache_dir=cache,
                                        local_files_only=True))
        patterns = [a for p in entry.allow_patterns for a in _alternatives(p)] or None
        folder = Path(snapshot_download(entry.source, revision=rev, cache_dir=cache,
                                        local_files_only=True, allow_patterns=patterns))
    except Exception:  # LocalEntryNotFoundError, OfflineModeIsEnabled, validation errors ...
        return None
    return folder if not _folder_missing(entry, folder) else None


def _locations(entry: WeightEntry) -> list[str]:
    where = [f"$BENCH_WEIGHTS_DIR/{entry.name}/ ({weights_dir() / entry.name})"]
    if entry.is_url:
        where.append(f"the torch hub cache ({torch_hub_checkpoints()})")
    else:
        where.append(f"the Hugging Face cache ({hf_cache_dir()})")
    return where


def _find(entry: WeightEntry) -> tuple[Path | None, str, list[str]]:
    """(path, where-label, notes) from the local places, cheapest first; no hashing, no network."""
    notes: list[str] = []
    base = weights_dir() / entry.name
    if entry.kind == "file":
        p = _file_in(entry, base) if base.exists() else None
        if p is not None:
            return p, "BENCH_WEIGHTS_DIR", notes
        if base.is_dir():
            notes.append(f"{base} has no {entry.filename}")
    else:
        if base.is_dir():
            missing = _folder_missing(entry, base)
            if not missing:
                return base, "BENCH_WEIGHTS_DIR", notes
            notes.append(f"{base} lacks {', '.join(missing)}")
    if entry.is_url:
        p = torch_hub_checkpoints() / entry.filename
        if p.is_file():
            return p, "torch hub cache", notes
    else:
        p = _hf_cached(entry)
        if p is not None:
            return p, "Hugging Face cache", notes
    return None, "", notes


def _how_to_get(entry: WeightEntry) -> str:
    what = f"put {entry.filename} in" if entry.kind == "file" else "put the snapshot files in"
    return (f"run `bench weights fetch {entry.name}` on a machine with a network, "
            f"or {what} {weights_dir() / entry.name}/")


def _missing_message(entry: WeightEntry, needed_by: str, notes: list[str], extra: str = "") -> str:
    """One line: what is missing and for what, how to get it, then where we looked and details."""
    need = needed_by or ", ".join(entry.used_by) or "bench"
    msg = (f"weights {entry.name!r} not found (needed by {need}): {_how_to_get(entry)}; "
           f"looked in {' and '.join(_locations(entry))}")
    if notes:
        msg += f" ({'; '.join(notes)})"
    if extra:
        msg += f"; {extra}"
    return f"{msg}; source {entry.source} ({entry.size or 'size unknown'})"


# ----------------------------------------------------------------------------- verification


def _files_to_check(entry: WeightEntry, path: Path) -> dict[str, Path]:
    """Relative name -> file for everything the entry's checksums (published or locked) cover."""
    exp = expected_checksums(entry)
    if entry.kind == "file":
        return {entry.filename: path}
    return {rel: path / rel for rel in exp}


def _verify_path(entry: WeightEntry, path: Path) -> list[tuple[str, bool, str]]:
    """(file, ok, message) for every file with a known checksum.  Hashes (cached)."""
    exp = expected_checksums(entry)
    out = []
    for rel, fp in _files_to_check(entry, path).items():
        if rel not in exp:
            continue
        want, origin = exp[rel]
        if not fp.is_file():
            if origin == "published":  # a file recorded from another copy may legitimately be absent
                out.append((rel, False, f"{fp} is missing"))
            continue
        got = sha256_of(fp)
        if _matches(want, got):
            out.append((rel, True, f"sha256 ok ({origin})"))
        else:
            out.append((rel, False, f"sha256 mismatch: expected {want[:16]}… ({origin}), got {got[:16]}…"))
    return out


def _check_or_raise(entry: WeightEntry, path: Path) -> None:
    for rel, ok, msg in _verify_path(entry, path):
        if not ok:
            raise WeightsChecksumError(
                f"weights {entry.name!r}: {path if entry.kind == 'file' else path / rel} {msg}; "
                f"delete it and run `bench weights fetch {entry.name}` (or put the right file in "
                f"{weights_dir() / entry.name}/)")


# ----------------------------------------------------------------------------- public API


def resolve(name: str, explicit: str | os.PathLike | None = None, *, allow_download: bool | None = None,
            needed_by: str = "") -> Path:
    """A verified local path for weight ``name`` (a file for ``file`` entries, a folder for
    ``hf_repo`` entries), searched in the documented order; ``WeightsMissing`` otherwise."""
    entry = get(name)
    if explicit is not None and str(explicit) != "":
        base = Path(explicit).expanduser()
        if entry.kind == "file":
            p = _file_in(entry, base) if base.exists() else None
            if p is None:
                raise WeightsMissing(
                    f"weights {name!r}: the given path {base} is not {entry.filename} or a folder holding it"
                    f"{' (needed by ' + needed_by + ')' if needed_by else ''}")
        else:
            missing = _folder_missing(entry, base)
            if missing:
                raise WeightsMissing(
                    f"weights {name!r}: the given folder {base} lacks {', '.join(missing)}"
                    f"{' (needed by ' + needed_by + ')' if needed_by else ''}")
            p = base
        _check_or_raise(entry, p)
        return p
    p, _, notes = _find(entry)
    if p is not None:
        _check_or_raise(entry, p)
        return p
    if downloads_allowed(allow_download):
        try:
            return fetch([name])[0]
        except WeightsChecksumError:
            raise
        except UserError as e:
            raise WeightsMissing(_missing_message(entry, needed_by, notes, f"download failed: {e}")) from None
    extra = ""
    if not offline():
        extra = "downloads are off (pass allow_download=True or set BENCH_ALLOW_DOWNLOAD=1 to allow them)"
    else:
        extra = "offline (HF_HUB_OFFLINE=1)"
    raise WeightsMissing(_missing_message(entry, needed_by, notes, extra))


def status(name: str) -> tuple[bool, str]:
    """Cheap check (no download, no hashing of big files): ``(True, "found at …")`` or
    ``(False, one line saying why and how to get it)``."""
    try:
        entry = get(name)
    except UserError as e:
        return False, str(e)
    p, where, notes = _find(entry)
    if p is None:
        return False, _missing_message(entry, "", notes)
    # a failed verification we already know of (hash memo) counts; otherwise no hashing here
    exp = expected_checksums(entry)
    for rel, fp in _files_to_check(entry, p).items():
        if rel in exp and fp.is_file():
            with contextlib.suppress(OSError):
                got = _HASH_MEMO.get(_stat_key(fp))
                if got is not None and not _matches(exp[rel][0], got):
                    return False, (f"weights {name!r} at {fp}: sha256 mismatch; delete it and run "
                                   f"`bench weights fetch {name}`")
    return True, f"found at {p} ({where})"


def verify(name: str | None = None) -> list[tuple[str, str, bool, str]]:
    """Hash and check the local copies: ``(name, file, ok, message)`` rows.

    Files with no published checksum get theirs recorded in the lock file on first sight
    (trust on first use) and checked against it afterwards.
    """
    rows: list[tuple[str, str, bool, str]] = []
    for entry in ([get(name)] if name else entries()):
        p, where, notes = _find(entry)
        if p is None:
            rows.append((entry.name, "", False, _missing_message(entry, "", notes)))
            continue
        checked = _verify_path(entry, p)
        for rel, ok, msg in checked:
            rows.append((entry.name, rel, ok, f"{msg} [{where}]"))
        seen = {rel for rel, _, _ in checked}
        new = {}
        for rel, fp in _all_files(entry, p).items():
            if rel in seen:
                continue
            new[rel] = sha256_of(fp)
            rows.append((entry.name, rel, True, f"no published checksum; recorded {new[rel][:16]}… in {LOCK_NAME} [{where}]"))
        if new:
            with contextlib.suppress(OSError):
                _record_lock(entry.name, new, source=entry.source, revision=entry.revision)
    return rows


def _all_files(entry: WeightEntry, path: Path) -> dict[str, Path]:
    if entry.kind == "file":
        return {entry.filename: path}
    out = {}
    for fp in sorted(path.rglob("*")):
        if fp.is_file() and not fp.name.startswith(".") and ".cache" not in fp.relative_to(path).parts:
            out[fp.relative_to(path).as_posix()] = fp
    return out


def fetch(names: Iterable[str], dest: str | os.PathLike | None = None) -> list[Path]:
    """Download each named weight into ``dest/<name>/`` (default ``$BENCH_WEIGHTS_DIR``), verify
    it (or record its checksums in the lock file), and return the local paths."""
    names = list(names)
    for n in names:
        get(n)  # unknown names fail before any download
    if offline():
        raise WeightsMissing(f"cannot fetch {', '.join(names)}: offline (HF_HUB_OFFLINE=1); run "
                             f"`bench weights fetch {' '.join(names)}` on a machine with a network and copy "
                             f"{weights_dir()}/ here")
    root = Path(dest).expanduser() if dest is not None else weights_dir()
    out = []
    for n in names:
        entry = get(n)
        target = root / n
        target.mkdir(parents=True, exist_ok=True)
        if entry.is_url:
            path, revision = _download_url(entry, target), ""
        else:
            path, revision = _download_hub(entry, target)
            _forget_lock_of_other_commit(entry, revision)
        _check_or_raise(entry, path)
        files = {rel: sha256_of(fp) for rel, fp in _all_files(entry, path).items()}
        pinned = {(k or entry.filename) for k in entry.sha256}
        new = {rel: s for rel, s in files.items() if rel not in pinned}
        if new or revision:
            _record_lock(n, new, source=entry.source, revision=revision or entry.revision)
        out.append(path)
    return out


def _forget_lock_of_other_commit(entry: WeightEntry, commit: str) -> None:
    """An unpinned hub entry re-fetched at a new commit: the hashes locked from the old commit say
    nothing about the new files, so they are dropped (the new ones are recorded with the new commit)."""
    if entry.revision or not commit:
        return
    lock = read_lock()
    old = lock.get(entry.name) or {}
    if old.get("revision") and old["revision"] != commit:
        lock[entry.name] = {"previous_revision": old["revision"], "files": {}}
        write_json(_lock_path(), lock)


def _download_url(entry: WeightEntry, target: Path) -> Path:
    import urllib.request

    final = target / entry.filename
    try:
        req = urllib.request.Request(entry.source, headers={"User-Agent": "bench-weights/1"})
        with urllib.request.urlopen(req, timeout=60) as r, atomic_path(final) as tmp:
            with open(tmp, "wb") as f:
                shutil.copyfileobj(r, f, length=1 << 20)
            # before the file is kept or hashed: an HTML error page must not become a locked "weight"
            check_download(entry, tmp, getattr(r, "headers", None))
    except OSError as e:
        host = urllib.parse.urlparse(entry.source).netloc
        raise WeightsMissing(f"cannot download {entry.name} from {host}: {e}") from None
    return final


def _download_hub(entry: WeightEntry, target: Path) -> tuple[Path, str]:
    from huggingface_hub import HfApi, hf_hub_download, snapshot_download

    try:
        api = HfApi()
        commit = api.model_info(entry.source, revision=entry.revision or None).sha or entry.revision
        if entry.kind == "file":
            p = hf_hub_download(entry.source, entry.filename, revision=commit, local_dir=target)
            return Path(p), commit
        have = set(api.list_repo_files(entry.source, revision=commit))
        patterns = []
        for pat in entry.allow_patterns:
            alts = _alternatives(pat)
            if len(alts) > 1:
                pick = next((a for a in alts if a in have), None)
                if pick is None:
                    raise WeightsMissing(f"{entry.source}@{commit[:12]} has none of {', '.join(alts)}")
                patterns.append(pick)
            else:
                patterns.append(alts[0])
        snapshot_download(entry.source, revision=commit, local_dir=target, allow_patterns=patterns or None)
    except WeightsMissing:
        raise
    except Exception as e:  # network, gated repo, revision not found ...
        raise WeightsMissing(f"cannot download {entry.name} from the Hugging Face hub ({entry.source}): "
                             f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from None
    return target, commit


def describe(name: str) -> dict[str, Any]:
    """The entry as a dict plus its status (for ``bench weights list --json`` and ``bench doctor``)."""
    entry = get(name)
    ok, why = status(name)
    d = entry.to_dict()
    d.update(found=ok, status=why)
    lock = read_lock().get(name)
    if lock:
        d["lock"] = lock
    return d


# The real entries (imported last: the catalogue uses WeightEntry and register from above).
from bench.weights import catalog as _catalog  # noqa: E402,F401
