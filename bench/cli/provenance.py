"""``bench provenance FILE…``: the provenance signals in any video file."""

from __future__ import annotations

import argparse
import json
import sys

from bench.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "provenance", help="show the provenance signals (C2PA credentials, tags, watermark) in video files",
        description="For each file (MP4, MOV, WebM, MKV, ...): whether its container tags say it is synthetic; "
                    "whether it carries C2PA content credentials (embedded, or a <stem>.c2pa sidecar), and if so "
                    "whether they validate (every hash and the signature; a signer not on a trust list is "
                    "reported, since such credentials prove integrity, not identity), the claim generator, the "
                    "digital source type (AI-generated or not), actions and ingredients; and whether the "
                    "suite's invisible watermark is detected, with its false-positive p-value.  Absence of a "
                    "signal is not evidence of authenticity.  An unreadable or non-regular file gets one "
                    "'bench: error:' line and the exit status is 1; the other files are still reported.",
        epilog="Example: bench provenance results/runs/*/videos/oracle/physics/*.mp4")
    p.add_argument("files", nargs="+", metavar="FILE", help="video files")
    p.add_argument("--json", action="store_true", help="one JSON object per file (JSON lines)")
    p.add_argument("--no-watermark", action="store_true", help="skip the watermark check (no decoding)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bench.signals import lines, observe, printable

    bad = 0
    for f in args.files:
        try:
            rec = observe(f, watermark=not args.no_watermark)
        except UserError as e:
            print(f"bench: error: {printable(e)}", file=sys.stderr)
            bad += 1
            continue
        except OSError as e:
            print(f"bench: error: {printable(f)}: {e.strerror or e}", file=sys.stderr)
            bad += 1
            continue
        if args.json:
            print(json.dumps(rec, sort_keys=True, default=str))
        else:
            print("\n".join(lines(rec)))
    return 1 if bad else 0
