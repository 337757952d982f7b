"""Content checks of a downloaded weight file, before its sha256 is recorded in the lock file.

Why: a URL that answers with a login, rate-limit or error page still "downloads"; without a check,
trust-on-first-use would lock the page's hash as the weight's and refuse the real file forever.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

from bench.errors import WeightsMissing

#: What an error page looks like at the start of a download (case-insensitive, after whitespace).
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<?xml", b"<body")


def check_download(entry: Any, path: Path, headers: Any = None) -> None:
    """Refuse a downloaded file that is not the weight: empty, shorter than the server said or than
    ``entry.min_bytes``, served as ``text/html``, or starting like an HTML/XML page (a login or
    error page saved once would otherwise lock a wrong sha256 forever).  Raises ``WeightsMissing``."""
    size = path.stat().st_size
    host = urllib.parse.urlparse(entry.source).netloc
    why = ""
    ctype = str((headers.get("Content-Type") if headers is not None else "") or "").lower()
    length = headers.get("Content-Length") if headers is not None else None
    with open(path, "rb") as f:
        head = f.read(512).lstrip().lower()
    if size == 0:
        why = "it is empty"
    elif length is not None and str(length).isdigit() and int(length) != size:
        why = f"it is {size} bytes but the server announced {length} (truncated)"
    elif "text/html" in ctype or head.startswith(_HTML_STARTS):
        why = f"it is an HTML page ({ctype or 'starts with ' + head[:15].decode('latin-1')!r}), not a weight file"
    elif size < entry.min_bytes:
        why = f"it is {size} bytes, smaller than the {entry.min_bytes} bytes a real {entry.filename} has"
    if why:
        raise WeightsMissing(f"download of {entry.name} from {host} refused: {why}; nothing was recorded")
