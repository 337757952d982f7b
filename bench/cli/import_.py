"""``bench import``: adopt videos made elsewhere (closed models, VBench folders) into a run."""

from __future__ import annotations

import argparse
import json
import sys

from bench.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import", help="adopt videos made elsewhere (closed models, VBench-style folders) into a run",
        description="Adopt videos made elsewhere into a run directory, matched to the suite's probes by "
                    "file name: <probe_id>-<k>.<ext> or VBench-style <prompt text>-<k>.<ext> (k = sample "
                    "index; ext mp4, webm, mov, gif, mkv).  Each file is decoded and checked (>= 2 frames, "
                    "1-240 fps, >= 16x16 px), copied byte for byte (the original is never moved or "
                    "modified) and recorded as source: imported with its sha256 and decoded-content hash, and "
                    "with the provenance signals found in it (C2PA credentials: present, valid or the "
                    "validation failures, claim generator, digital source type, actions, ingredients; "
                    "container tag; invisible watermark; see `bench provenance`).  "
                    "Only regular files are read; a truncated file (fewer frames than it declares) is refused; the "
                    "copy is hashed and verified before its row is written.  --model 'oracle' is reserved.  "
                    "Unmatched, duplicate, corrupt and conflicting files are listed by name.  Exits "
                    "non-zero when nothing matched (or, with --strict, on any problem).",
        epilog="Example: bench import --model sora-2 --videos ~/sora_exports --suite physics "
               "--run results/runs/closed-2026")
    p.add_argument("--model", required=True, help="model name, normally a card id (see `bench models`)")
    p.add_argument("--videos", required=True, help="folder holding the videos (files directly in it)")
    p.add_argument("--suite", required=True, help="suite name or .jsonl path")
    p.add_argument("--run", required=True, help="run directory (created if absent)")
    p.add_argument("--strict", action="store_true", help="exit non-zero on any unmatched, duplicate, "
                                                          "corrupt or conflicting file")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bench.ids import import_model_name
    from bench.importer import card_facts, import_videos, scan, ImportReport
    from bench.suites import load_suite
    from bench.textsafe import term

    args.model = import_model_name(args.model)  # checked before anything is created
    suite = load_suite(args.suite)
    videos = Path(args.videos)
    # match before touching the run: a folder that matches nothing creates no run directory
    probe = ImportReport(model=args.model, suite=suite.name, videos=str(videos))
    if not scan(videos, suite, probe):
        for line in probe.lines()[1:]:
            print(term(line), file=sys.stderr)
        first = (probe.corrupt + probe.unmatched)[:1]
        named = f"; {first[0][0]}: {first[0][1]}" if first else ""
        raise UserError(f"{videos}: no file matched a probe of suite {suite.name} "
                        f"(expected <probe_id>-<k>.mp4 or <prompt>-<k>.mp4; {len(probe.unmatched)} unmatched, "
                        f"{len(probe.corrupt)} unreadable, {len(probe.ignored)} ignored){named}")
    facts = card_facts(args.model)
    if facts is None:
        print(f"bench: warning: no model card for {term(repr(args.model))}; the videos are recorded without card facts "
              f"(add models/{args.model}.yaml)", file=sys.stderr)
    created = _first_missing(Path(args.run))
    store = _open_store(args.run, args.model, suite, videos)
    try:
        report = import_videos(store, args.model, suite, videos)
    except BaseException:
        _remove_if_unused(created, store.root)
        raise
    if report.matched == 0:
        _remove_if_unused(created, store.root)  # a failed import leaves no new run folder behind
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, sort_keys=True, default=str))
    else:
        for line in report.lines():
            print(term(line), file=sys.stderr)  # file names may hold escape sequences
    if report.matched == 0:
        first = (report.corrupt + report.conflict + report.duplicate + report.unmatched)[:1]
        named = f"; {first[0][0]}: {first[0][1]}" if first else ""
        raise UserError(f"{videos}: nothing imported ({report.problems} problem file(s), listed above){named}")
    if args.strict and report.problems:
        raise UserError(f"{videos}: {report.problems} problem file(s) (--strict)")
    return 0


def _first_missing(run: "Path") -> "Path | None":
    """The outermost folder of ``run`` that does not exist yet (what this command will create)."""
    run = run.absolute()
    if run.exists() or run.is_symlink():
        return None
    top = run
    while not top.parent.exists() and top.parent != top:
        top = top.parent
    return top


def _remove_if_unused(created: "Path | None", root: "Path") -> None:
    """Remove the run folder this command created when nothing was imported into it: only when
    it holds no manifest row (another import may have raced into the same new folder), and only
    the folders that did not exist before."""
    import shutil

    if created is None:
        return
    manifest = root / "manifest.jsonl"
    try:
        if manifest.is_file() and manifest.stat().st_size > 0:
            return
    except OSError:
        return
    shutil.rmtree(created, ignore_errors=True)


def _open_store(run_dir: str, model: str, suite, videos) -> object:  # noqa: ANN001
    """Create or reopen the run; a run started with another version of the suite is refused."""
    from bench.cli.pipeline import open_or_create_run

    config = {"command": "import", "models": [model], "suites": [suite.name], "videos": str(videos)}
    return open_or_create_run(run_dir, config, [suite], None)
