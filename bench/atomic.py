"""Atomic file writes: write to a temp name in the same folder, fsync, then rename.

A killed process leaves either the old file or the new one, never half of one.  Temp files
carry the ``.tmp-`` prefix so a later run can sweep leftovers.

File modes.  ``tempfile.mkstemp`` creates files 0600; the renamed file is given the mode an
ordinary ``open()`` would (0666 less the umask), so a shared results folder stays readable by
the group and others as the user's umask allows.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator


def _umask() -> int:
    """The process umask (read without changing it, where /proc allows; else set and restore)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def file_mode() -> int:
    """The mode a new file gets from ``open()``: 0666 & ~umask."""
    return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temp path beside ``path``; on success rename it onto ``path``.

    The temp name keeps the final suffix (``suffix`` or ``path``'s) so libraries that pick a
    format by extension (PyAV, pandas) still work.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # only the last suffix: a probe id is dotted, so "".join(suffixes) repeated most of the name
    # and a long id overflowed the 255-byte file-name limit; the stem is capped for the same reason
    sfx = suffix if suffix is not None else path.suffix
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.stem[:120]}-", suffix=sfx, dir=path.parent)
    os.fchmod(fd, file_mode())
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")
