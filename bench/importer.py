"""Adopt videos made elsewhere (closed models, VBench-style folders) into a run directory.

``bench import --model M --videos DIR --suite S --run RUN``.

Matching.  Every file directly in ``DIR`` with a video extension (``.mp4 .webm .mov .gif .mkv``,
any case) is named ``<key>-<k>.<ext>``, where ``k`` is the sample index (``0``, ``1`` …) and
``key`` is either

- a probe id of the suite (``physics.freefall.red_ball-0.mp4``), or
- the probe's prompt text, VBench style (``A red ball falls onto the floor.-0.mp4``), compared
  after normalisation: Unicode NFKC, case-folded, every run of characters that are not letters
  or digits replaced by one space, trimmed.  A prompt shared by two probes is ambiguous and is
  reported, not guessed.

Checks, per matched file: it is a regular file (no FIFO or device), decodes
(:func:`bench.video.read_video`, rotation applied as players do), has at least 2 frames, a frame
rate in [1, 240], frames of at least 16 x 16 pixels, colour, and decodes as many frames as its
header declares (a truncated file is refused).  The sample index is at most 99999; the model
name is checked (``bench.ids``) and may not be ``oracle``.

Transactional: under a per-run import lock, each file is hashed, copied into the run while the
copy is hashed, the two hashes compared (a file that changed meanwhile is refused), the *copy*
decoded and checked, and only then renamed into place and its manifest row written.

Reported by file name, never silently dropped: ``unmatched`` (no ``-<k>`` suffix, no such probe
or prompt, ambiguous prompt), ``duplicate`` (two files for one (probe, sample): none of them is
imported), ``corrupt`` (fails a check), ``conflict`` (the run already holds a different video for
that (model, probe, sample)), ``ignored`` (folders, hidden files, other extensions) and
``same_content`` (identical bytes under two names: imported, but flagged).

What is stored.  The user's file is copied byte for byte (never moved or modified) into the run
by :meth:`bench.store.run.RunStore.add_file`; its manifest row says ``source: imported`` and
holds the file's sha256 (``sha256``, checked equal to the original's), the decoded-pixel hash
(``content_sha256``), the original name and how it matched, and the provenance signals found in
the file (:func:`bench.signals.import_fields`): ``credentials`` (C2PA: present, valid or the
validation failures, claim generator, digital source type, actions, ingredients) and ``signals``
(container tag, invisible watermark).  Re-importing the same folder is a
no-op (``already`` in the report).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.errors import UserError
from bench.ids import SAMPLE_MAX, import_model_name
from bench.signals import import_fields
from bench.suites import Suite
from bench.video import Video, read_video, sha256_file

VIDEO_EXTENSIONS = (".mp4", ".webm", ".mov", ".gif", ".mkv")
MIN_FRAMES = 2
FPS_RANGE = (1.0, 240.0)
MIN_SIZE = 16

_NAME = re.compile(r"(?P<key>.+)-(?P<k>[0-9]+)")   # used with fullmatch (no trailing newline)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_prompt(text: str) -> str:
    """The form prompts and file names are compared in (see the module docstring).

    >>> normalise_prompt("A red ball -- falls onto the FLOOR.")
    'a red ball falls onto the floor'
    """
    t = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", t).strip()


@dataclass
class Candidate:
    path: Path
    probe_id: str
    sample: int
    matched_by: str              # probe_id | prompt


@dataclass
class ImportReport:
    model: str
    suite: str
    videos: str
    imported: list[dict[str, Any]] = field(default_factory=list)   # manifest rows written
    already: list[str] = field(default_factory=list)               # same file already in the run
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    duplicate: list[tuple[str, str]] = field(default_factory=list)
    corrupt: list[tuple[str, str]] = field(default_factory=list)
    conflict: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    same_content: list[tuple[str, str]] = field(default_factory=list)

    @property
    def matched(self) -> int:
        return len(self.imported) + len(self.already)

    @property
    def problems(self) -> int:
        return len(self.unmatched) + len(self.duplicate) + len(self.corrupt) + len(self.conflict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["imported"] = [{k: r.get(k) for k in ("probe_id", "sample", "path", "sha256", "content_sha256",
                                                  "frames", "fps", "height", "width")} | {
                             "file": r.get("import", {}).get("file")} for r in self.imported]
        d["matched"] = self.matched
        return d

    def lines(self) -> list[str]:
        """Human-readable summary, one problem per line, each naming its file."""
        out = [f"import {self.model} <- {self.videos} (suite {self.suite}): {len(self.imported)} imported, "
               f"{len(self.already)} already in the run, {len(self.unmatched)} unmatched, "
               f"{len(self.duplicate)} duplicate, {len(self.corrupt)} corrupt, {len(self.conflict)} conflicting, "
               f"{len(self.ignored)} ignored"]
        for label, items in (("unmatched", self.unmatched), ("duplicate", self.duplicate),
                             ("corrupt", self.corrupt), ("conflict", self.conflict),
                             ("same content", self.same_content), ("ignored", self.ignored)):
            for name, why in items:
                out.append(f"  {label:<12} {name}: {why}")
        return out


# --------------------------------------------------------------------------- matching


def scan(videos: Path, suite: Suite, report: ImportReport) -> list[Candidate]:
    """Match the files of ``videos`` to (probe, sample); problems go into ``report``."""
    if not videos.is_dir():
        raise UserError(f"{videos}: not a folder of videos")
    by_prompt: dict[str, list[str]] = defaultdict(list)
    for p in suite.probes:
        by_prompt[normalise_prompt(p["prompt"])].append(p["id"])
    out: list[Candidate] = []
    for f in sorted(videos.iterdir(), key=lambda x: x.name):
        name = f.name
        if name.startswith("."):
            report.ignored.append((name, "hidden file"))
            continue
        if f.is_dir():
            report.ignored.append((name, "a folder (only files directly in --videos are read)"))
            continue
        if f.suffix.lower() not in VIDEO_EXTENSIONS:
            report.ignored.append((name, f"not a video extension ({', '.join(VIDEO_EXTENSIONS)})"))
            continue
        stem = name[: -len(f.suffix)]
        m = _NAME.fullmatch(stem)
        if not m:
            report.unmatched.append((name, "name lacks the '-<sample>' suffix (expected <probe_id>-<k> or <prompt>-<k>)"))
            continue
        if len(m["k"]) > len(str(SAMPLE_MAX)) or int(m["k"]) > SAMPLE_MAX:
            report.unmatched.append((name, f"sample index {m['k'][:24]} is above {SAMPLE_MAX}"))
            continue
        if not f.is_file():
            report.corrupt.append((name, "not a regular file (a FIFO, device or socket is never read)"))
            continue
        key, k = m["key"], int(m["k"])
        if key in suite.by_id:
            out.append(Candidate(f, key, k, "probe_id"))
            continue
        ids = by_prompt.get(normalise_prompt(key), [])
        if len(ids) == 1:
            out.append(Candidate(f, ids[0], k, "prompt"))
        elif len(ids) > 1:
            report.unmatched.append((name, f"prompt is ambiguous: it matches probes {', '.join(ids)}; "
                                           f"rename the file <probe_id>-{k}{f.suffix}"))
        else:
            report.unmatched.append((name, f"no probe of suite {suite.name} has this id or prompt"))
    return out


def validate(video: Video) -> str | None:
    """Why a decoded video is unusable, or None."""
    if video.T < MIN_FRAMES:
        return f"{video.T} frame(s); at least {MIN_FRAMES} needed"
    lo, hi = FPS_RANGE
    if not lo <= video.fps <= hi:
        return f"frame rate {video.fps:g} outside [{lo:g}, {hi:g}]"
    if video.H < MIN_SIZE or video.W < MIN_SIZE:
        return f"frame size {video.W}x{video.H} below {MIN_SIZE}x{MIN_SIZE}"
    if video.provenance.get("grey"):
        return "grey-scale video (no colour channels): the probes name objects by colour"
    if video.provenance.get("truncated"):
        return f"truncated file: {video.provenance['truncated']} (re-export it)"
    return None


# --------------------------------------------------------------------------- import


def card_facts(model: str) -> dict[str, Any] | None:
    """The facts of model ``model``'s card (None when no card has that id)."""
    from bench.generators.diffusion.cards import cards

    card = cards().get(model)
    if card is None:
        return None
    raw = card.raw
    keys = ("name", "developer", "version", "access", "date_reviewed", "facts_as_of", "native_audio",
            "provenance_signals", "hub_id", "revision")
    return {k: raw[k] for k in keys if k in raw}


def import_videos(store: Any, model: str, suite: Suite, videos: str | Path) -> ImportReport:
    """Import the videos of folder ``videos`` for ``model`` into ``store`` (a ``RunStore``)."""
    videos = Path(videos)
    model = import_model_name(model)
    report = ImportReport(model=model, suite=suite.name, videos=str(videos))
    cands = scan(videos, suite, report)

    groups: dict[tuple[str, int], list[Candidate]] = defaultdict(list)
    for c in cands:
        groups[(c.probe_id, c.sample)].append(c)
    chosen: list[Candidate] = []
    for (pid, k), cs in sorted(groups.items()):
        if len(cs) > 1:
            names = ", ".join(c.path.name for c in cs)
            for c in cs:
                report.duplicate.append((c.path.name, f"{len(cs)} files for probe {pid} sample {k} ({names}); "
                                                      f"none imported: keep one"))
            continue
        chosen.append(cs[0])

    facts = card_facts(model)
    # one import at a time per run: the check "is this (model, probe, sample) already there?" and
    # the row that answers it are made under one lock, so two concurrent imports of one key
    # leave one row and one file
    with store.lock("import"):
        # imports of this model are serialised by the lock: a temp file in its folder is a
        # killed import's half copy
        from bench.store.run import safe_name

        store.sweep_temp(0.0, under=Path("videos") / safe_name(model))
        existing = {(r["probe_id"], int(r["sample"])): r for r in store.rows()
                    if r.get("model") == model and r.get("suite") == suite.name}
        seen_sha: dict[str, str] = {}
        for c in chosen:
            _import_one(store, c, model, suite, facts, existing, seen_sha, report)
    return report


def _import_one(store: Any, c: Candidate, model: str, suite: Suite, facts: dict[str, Any] | None,
                existing: dict[tuple[str, int], dict[str, Any]], seen_sha: dict[str, str],
                report: ImportReport) -> None:
    """Copy, hash, verify, decode the copy, then write the row (nothing is recorded before the
    bytes in the run are known to be the user's file as it was hashed)."""
    name = c.path.name
    try:
        original_sha = sha256_file(c.path)
    except UserError as e:
        report.corrupt.append((name, str(e).replace(f"{c.path}: ", "")))
        return
    except OSError as e:
        report.corrupt.append((name, f"unreadable ({e.strerror})"))
        return
    prior = existing.get((c.probe_id, c.sample))
    if prior is not None:
        if (prior.get("import") or {}).get("sha256") == original_sha:
            report.already.append(name)
        else:
            report.conflict.append((name, f"the run already holds a different video for {model} / "
                                          f"{c.probe_id} sample {c.sample} ({prior.get('path')}); use a new --run"))
        return
    probe = suite.probe(c.probe_id)
    row = {
        "model": model, "suite": suite.name, "probe_id": c.probe_id, "category": probe["category"],
        # no "seed": an imported video has none (the key is left out, not set to null)
        "sample": c.sample, "prompt": probe["prompt"], "source": "imported",
        "params": {}, "revision": str((facts or {}).get("version") or (facts or {}).get("revision") or ""),
        "random_weights": False, "seconds": None,
        "import": {"file": str(c.path.resolve()), "name": name, "sha256": original_sha,
                   "bytes": c.path.stat().st_size, "matched_by": c.matched_by},
        "card": facts,
    }

    def check(copy: Path) -> Video:
        try:
            video = read_video(copy)   # the bytes that stay in the run are the ones decoded
        except UserError as e:
            # the decoder's message may quote the temp copy's path: name the user's file instead
            raise _Rejected(str(e).replace(f"{copy}: ", "").replace(str(copy), name).replace(copy.name, name)) from None
        why = validate(video)
        if why:
            raise _Rejected(why)
        decoded = {"frames": video.T, "fps": video.fps, "height": video.H, "width": video.W}
        for k in ("alpha", "rotation_applied"):
            if k in video.provenance:
                decoded[k] = video.provenance[k]
        row["import"]["decoded"] = decoded
        row.update(import_fields(c.path, video.frames))  # C2PA credentials, tag, watermark (issue 17)
        return video

    try:
        out = store.add_file(row, c.path, decode=check, expect_sha256=original_sha)
    except _Rejected as e:
        report.corrupt.append((name, str(e)))
        return
    except UserError as e:
        report.corrupt.append((name, str(e).replace(f"{c.path}: ", "")))
        return
    if original_sha in seen_sha:
        report.same_content.append((name, f"same bytes as {seen_sha[original_sha]} (imported; check the export)"))
    seen_sha.setdefault(original_sha, name)
    existing[(c.probe_id, c.sample)] = out
    report.imported.append(out)


class _Rejected(UserError):
    """A decoded copy that fails :func:`validate` (reported as corrupt, nothing recorded)."""
