"""The provenance signals observable in one video file, as one record.

Three signals, each answered independently (one failing does not hide the others):

- ``container_tag``: the container's metadata says the content is synthetic or AI-generated
  (our ``bench_synthetic`` key, or ``AI-generated`` / ``synthetic`` in the comment, title or
  description tags).  Trivially removed or forged; it proves nothing on its own.
- ``c2pa``: :func:`bench.credentials.read_credentials` (present, valid, signer, source type ...).
- ``watermark``: :func:`bench.watermark.detect` for the suite's payload on the decoded frames.

Used by ``bench provenance``, ``bench import`` and the survival study (:mod:`bench.survival`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bench.errors import UserError

_WORDS = ("ai-generated", "ai generated", "synthetic", "trainedalgorithmicmedia")
_KEYS = ("comment", "title", "description", "synopsis", "keywords")


def tag_signal(meta: dict[str, str]) -> dict[str, Any]:
    """Whether container metadata ``meta`` declares synthetic content, and by which key."""
    low = {str(k).lower(): str(v) for k, v in meta.items()}
    if low.get("bench_synthetic") == "1":
        return {"present": True, "key": "bench_synthetic"}
    for k in _KEYS:
        v = low.get(k, "").lower()
        if any(w in v for w in _WORDS):
            return {"present": True, "key": k}
    return {"present": False}


def container_metadata(path: Path) -> dict[str, str]:
    """Global container tags (the format's and the first video stream's), or raise UserError."""
    import av

    try:
        with av.open(str(path)) as c:
            meta = dict(c.metadata)
            if c.streams.video:
                meta = {**dict(c.streams.video[0].metadata), **meta}
    except Exception as e:  # av.error.* for anything FFmpeg cannot open
        raise UserError(f"{path}: cannot read the container ({type(e).__name__}: {e})") from None
    return meta


def observe(path: str | os.PathLike, *, watermark: bool = True, frames: Any = None) -> dict[str, Any]:
    """Every signal of the file at ``path`` (a regular file, else ``UserError``).

    ``frames``: already decoded uint8 frames ``(T, H, W, 3)`` to look for the watermark in (the
    file is decoded otherwise); ``watermark=False`` skips the watermark.
    """
    from bench.credentials import read_credentials

    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: file not found")
    if not path.is_file():
        raise UserError(f"{path}: not a regular file")
    out: dict[str, Any] = {"file": str(path), "bytes": path.stat().st_size}
    out["container_tag"] = tag_signal(container_metadata(path))
    out["c2pa"] = read_credentials(path)
    if watermark:
        from bench.watermark import detect

        if frames is None:
            from bench.video import read_video

            frames = read_video(path).frames
        out["watermark"] = detect(frames)
    return out


def import_fields(path: str | os.PathLike, frames: Any) -> dict[str, Any]:
    """The manifest-row fields ``bench import`` records for a user's file: ``credentials`` (the
    C2PA summary of :func:`bench.credentials.read_credentials`) and ``signals`` (container tag,
    watermark).  A signal that cannot be read is recorded as ``{"error": ...}``, never fatal."""
    try:
        rec = observe(path, frames=frames)
    except UserError as e:
        return {"credentials": {"present": None, "error": str(e)}, "signals": {}}
    return {"credentials": rec["c2pa"],
            "signals": {"container_tag": rec["container_tag"], "watermark": rec["watermark"]}}


def _row_signals(r: dict[str, Any]) -> tuple[bool | None, bool | None, bool | None, bool | None]:
    """(C2PA present, C2PA valid, container tag, watermark) from one manifest row; None = unknown."""
    cred, sig = r.get("credentials"), r.get("signals") or {}
    if not isinstance(cred, dict):
        c2pa = valid = None
    elif "present" in cred:                       # imported: what was read in the user's file
        c2pa, valid = cred.get("present"), bool(cred.get("present") and cred.get("valid"))
    else:                                         # written here: signed on write (bench.credentials)
        c2pa = valid = bool(cred.get("video") or cred.get("preview"))
    if isinstance(sig, dict) and "container_tag" in sig:
        tag = bool((sig.get("container_tag") or {}).get("present"))
    else:
        tag = True if r.get("source") in ("generated", "rendered") else None  # bench.video.synthetic_tags
    wm = r.get("watermark") or (sig.get("watermark") if isinstance(sig, dict) else None)
    mark = bool(wm.get("detected")) if isinstance(wm, dict) else (False if r.get("source") != "imported" else None)
    return c2pa, valid, tag, mark


def observed_summary(rows: list[dict[str, Any]]) -> str:
    """The signals observed in a model's videos (manifest rows), e.g. ``C2PA 30/30 (30 valid); tag
    30/30; watermark 0/30``; a signal no row knows about is left out."""
    rows = [r for r in rows if r.get("status", "ok") == "ok"]
    if not rows:
        return "—"
    sig = [_row_signals(r) for r in rows]
    parts = []
    for i, name in ((0, "C2PA"), (2, "tag"), (3, "watermark")):
        known = [x[i] for x in sig if x[i] is not None]
        if not known:
            continue
        part = f"{name} {sum(known)}/{len(known)}"
        if i == 0:
            part += f" ({sum(bool(x[1]) for x in sig if x[0] is not None)} valid)"
        parts.append(part)
    return "; ".join(parts) or "not recorded"


def claimed_summary(model: str) -> str:
    """The provenance signals model ``model``'s card claims (``unknown`` or no card said so)."""
    from bench.generators.diffusion.cards import cards

    base = model.split("+")[0].split("~")[0]
    card = cards().get(model) or cards().get(base)
    if card is None:
        return "— (no card)"
    ps = card.raw.get("provenance_signals")
    if not ps or ps == "unknown":
        return "unknown (card)"
    return "; ".join(str(x).split(" (")[0] for x in ps)


def printable(x: Any) -> str:
    """``str(x)`` with control characters escaped (file names and manifest text are user text)."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(x))


def lines(rec: dict[str, Any]) -> list[str]:
    """Human-readable lines for one :func:`observe` record (user text escaped)."""
    return [printable(x) for x in _lines(rec)]


def _lines(rec: dict[str, Any]) -> list[str]:
    c, t = rec["c2pa"], rec["container_tag"]
    out = [f"{rec['file']}:"]
    out.append(f"  container tag   {'says synthetic/AI-generated (' + t['key'] + ')' if t['present'] else 'none'}")
    if not c.get("present"):
        out.append(f"  C2PA            none{' (' + c['note'] + ')' if c.get('note') else ''}")
    else:
        if c["valid"]:
            verdict = "valid" + ("" if c.get("trusted") else " (signer not on a trust list: integrity, not identity)")
        else:
            verdict = "INVALID: " + ", ".join(c.get("failures") or [c.get("state", "")])
        out.append(f"  C2PA            {verdict}; {c.get('manifest')}")
        sig = c.get("signer") or {}
        out.append(f"    signer        {sig.get('common_name')} / {sig.get('issuer')}")
        out.append(f"    generator     {c.get('claim_generator')}")
        out.append(f"    source type   {c.get('digital_source_type')} (AI-generated: {c.get('ai_generated')})")
        out.append(f"    actions       {', '.join(str(a) for a in c.get('actions') or []) or 'none'}")
        ing = c.get("ingredients") or []
        out.append(f"    ingredients   {', '.join(str(i.get('title')) for i in ing) if ing else 'none'}")
    w = rec.get("watermark")
    if w is not None:
        if w.get("bit_accuracy") is None:
            out.append(f"  watermark       not checked ({w.get('note')})")
        else:
            out.append(f"  watermark       {'DETECTED' if w['detected'] else 'not detected'} ({w['method']}: "
                       f"{w['bit_accuracy']:.0%} of bits, false-positive p = {w['p_value']:.2g})")
    return out
