"""Reading files the user names: only regular files, with a size cap, never a device or a FIFO.

Every reader of a user-named or run-stored file (videos, suites, configs, ``manifest.jsonl``,
``run.json``, ``scores.parquet``, validity tables) goes through :func:`regular_file` or
:func:`read_bytes`.  A path that is (or is a symlink to) ``/dev/zero``, a FIFO, a socket or a
directory is refused with one line naming it, *before* it is opened: opening a FIFO blocks
until a writer appears, and reading ``/dev/zero`` never ends.  The file is then opened with
``O_NONBLOCK`` and checked again with ``fstat`` (a path swapped between the two checks is
caught), and at most ``limit`` bytes are read.

Hand-written because the standard library has no "open only if regular, bounded" call and no
well-kept package does only this; it is a dozen lines around ``os.stat``/``os.open``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bench.errors import UserError

MiB = 1 << 20
GiB = 1 << 30

#: Size caps by kind of file (bytes).  A text file larger than its cap is not a suite/config.
LIMITS = {
    "suite": 64 * MiB,
    "config": 1 * MiB,
    "manifest": 1 * GiB,
    "run.json": 16 * MiB,
    "scores": 4 * GiB,
    "table": 256 * MiB,
    "video": 16 * GiB,
}


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def regular_file(path: str | os.PathLike, what: str = "file", limit: int | None = None) -> Path:
    """``path`` as a ``Path`` when it names a regular file (symlinks followed) of at most ``limit``
    bytes; else ``UserError`` naming it.  Use before handing a path to a library (PyAV, pandas)."""
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise UserError(f"{p}: {what} not found") from None
    except OSError as e:
        raise UserError(f"{p}: cannot read {what} ({e.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise UserError(f"{p}: {what} is {_kind(st.st_mode)}, not a regular file")
    if limit is not None and st.st_size > limit:
        raise UserError(f"{p}: {what} is {st.st_size} bytes, above the {limit}-byte limit")
    return p


def open_regular(path: str | os.PathLike, what: str = "file", limit: int | None = None):  # noqa: ANN201
    """A binary file object for a regular file (see :func:`regular_file`), opened non-blocking
    and re-checked with ``fstat`` so a path swapped for a FIFO after the check is still refused."""
    p = regular_file(path, what, limit)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise UserError(f"{p}: cannot read {what} ({e.strerror})") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UserError(f"{p}: {what} is {_kind(st.st_mode)}, not a regular file")
    return os.fdopen(fd, "rb")


def read_bytes(path: str | os.PathLike, what: str = "file", limit: int | None = None) -> bytes:
    """The bytes of a regular file, at most ``limit`` (a file that grows past it is refused)."""
    cap = limit if limit is not None else LIMITS.get(what, 1 * GiB)
    with open_regular(path, what, cap) as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise UserError(f"{path}: {what} grew past the {cap}-byte limit while being read")
    return data


def read_text(path: str | os.PathLike, what: str = "file", limit: int | None = None) -> str:
    data = read_bytes(path, what, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: {what} is not UTF-8 ({e})") from None


def inside(root: str | os.PathLike, rel: object, what: str = "path") -> Path:
    """``root / rel`` for a relative path ``rel`` that stays inside ``root`` once symlinks and
    ``..`` are resolved; else ``UserError``.  Used for paths read from a run's manifest."""
    if not isinstance(rel, str) or not rel or "\x00" in rel:
        raise UserError(f"{root}: {what} {rel!r} is not a relative path")
    if os.path.isabs(rel):
        raise UserError(f"{root}: {what} {rel!r} is absolute; a run only reads files inside itself")
    base = Path(root).resolve()
    full = (base / rel).resolve()
    if full != base and base not in full.parents:
        raise UserError(f"{root}: {what} {rel!r} points outside the run directory")
    return Path(root) / rel


# --------------------------------------------------------------------------- output folders


def check_out_dir(path: str | os.PathLike, what: str = "--out") -> Path:
    """An output folder that exists as a writable folder, or can be created (its nearest existing
    parent is a writable folder); checked at the start of a command, before any work, and
    without creating anything.  ``UserError`` naming ``what`` otherwise (a regular file given as
    ``--out`` used to end in a ``FileExistsError`` traceback; ``report: {out: /proc/x}`` failed
    only after generating and scoring)."""
    p = Path(path)
    q = p
    while True:
        try:
            st = os.stat(q)
        except (FileNotFoundError, NotADirectoryError):
            if q.parent == q:
                raise UserError(f"{what} {p}: cannot be created") from None
            q = q.parent
            continue
        except OSError as e:
            raise UserError(f"{what} {p}: cannot be used ({e.strerror})") from None
        if not stat.S_ISDIR(st.st_mode):
            bad = "is" if q == p else f"is inside {q}, which is"
            kind = "a regular file" if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)
            raise UserError(f"{what} {p}: {bad} {kind}, not a folder")
        if not os.access(q, os.W_OK | os.X_OK):
            bad = "is not writable" if q == p else f"cannot be created (its parent {q} is not writable)"
            raise UserError(f"{what} {p}: {bad}")
        if q != p:  # try it (os.access says yes to root on /proc): create, then remove what was made
            made = []
            try:
                for d in reversed([p, *p.parents][: len(p.parts) - len(q.parts)]):
                    os.mkdir(d)
                    made.append(d)
            except OSError as e:
                raise UserError(f"{what} {p}: cannot be created ({e.strerror})") from None
            finally:
                for d in reversed(made):
                    try:
                        os.rmdir(d)
                    except OSError:
                        pass
        return p


def make_out_dir(path: str | os.PathLike, what: str = "--out") -> Path:
    """:func:`check_out_dir`, then create the folder (one line, not a traceback, on failure)."""
    p = check_out_dir(path, what)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"{what} {p}: cannot create output folder ({e.strerror})") from None
    return p


# --------------------------------------------------------------------------- YAML


def yaml_load(text: str | bytes, where: str) -> object:
    """``yaml.safe_load`` that refuses anchors and aliases (``&a`` / ``*a``).

    Aliases are how a few hundred bytes expand to gigabytes ("billion laughs"): a config with
    nested aliases ran 37 s into a ``MemoryError``.  No bench config, card or schema needs them,
    so the first one is refused with its line.
    """
    import yaml

    class _NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):  # noqa: ANN001, ANN201
            if self.check_event(yaml.events.AliasEvent):
                ev = self.peek_event()
                raise UserError(f"{where}:{ev.start_mark.line + 1}: YAML aliases (*{ev.anchor}) are not "
                                "accepted (they can expand without bound); write the value out")
            ev = self.peek_event()
            if getattr(ev, "anchor", None):
                raise UserError(f"{where}:{ev.start_mark.line + 1}: YAML anchors (&{ev.anchor}) are not "
                                "accepted; write the value out")
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):  # noqa: ANN001, ANN201
            seen: dict = {}
            for k, _v in node.value:
                key = self.construct_object(k, deep=True)
                try:
                    if key in seen:
                        raise UserError(f"{where}:{k.start_mark.line + 1}: duplicate key {key!r} "
                                        f"(first on line {seen[key]}); YAML keeps only the last")
                    seen[key] = k.start_mark.line + 1
                except TypeError:  # an unhashable key: the base class says so
                    pass
            return super().construct_mapping(node, deep=deep)

    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        raise UserError(f"{where}{at}: invalid YAML ({getattr(e, 'problem', None) or e})") from None
