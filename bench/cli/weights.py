"""``bench weights list | fetch NAME… | verify [NAME…]``: the weights registry from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "weights", help="the weights registry: list, fetch, verify",
        description="Every model weight bench can use: source, revision, checksum, licence, size, "
                    "who needs it, and where it was found.  Weights are looked for in an explicit path, "
                    "$BENCH_WEIGHTS_DIR/<name>/, then the Hugging Face / torch hub caches; nothing is "
                    "downloaded unless you run `bench weights fetch` (or set BENCH_ALLOW_DOWNLOAD=1).",
        epilog="Offline machine: run `bench weights fetch NAME` where there is a network, then copy "
               "$BENCH_WEIGHTS_DIR/NAME/ (and weights.lock.json) across.")
    wsub = p.add_subparsers(dest="weights_command", metavar="ACTION")
    wsub.required = True

    q = wsub.add_parser("list", help="every entry and its status (found where / missing and how to get it)",
                        description="List every registered weight with its status.")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=run)

    q = wsub.add_parser("fetch", help="download weights (needs a network) into $BENCH_WEIGHTS_DIR",
                        description="Download the named weights into $BENCH_WEIGHTS_DIR/<name>/ (or --dest), "
                                    "verify their checksums, and record checksums that are not published "
                                    "in weights.lock.json.")
    q.add_argument("names", nargs="+", metavar="NAME", help="registry names (see `bench weights list`)")
    q.add_argument("--dest", help="download into DEST/<name>/ instead of $BENCH_WEIGHTS_DIR")
    q.set_defaults(func=run)

    q = wsub.add_parser("verify", help="hash local copies and check them against recorded checksums",
                        description="Hash every local copy (or the named ones) and compare with the "
                                    "published or locked sha256.  Exit code 1 on a mismatch, or when a "
                                    "named weight is missing.")
    q.add_argument("names", nargs="*", metavar="NAME", help="only these (default: every entry found)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bench import plugins
    from bench.weights import registry as wreg

    plugins.load()  # generator model cards register their weights on import
    cmd = args.weights_command
    if cmd == "list":
        rows = [wreg.describe(e.name) for e in wreg.entries()]
        if args.json:
            _print_json(rows)
            return 0
        found = sum(r["found"] for r in rows)
        print(f"weights dir: {wreg.weights_dir()}   ({found} of {len(rows)} found)")
        for r in rows:
            mark = "found  " if r["found"] else "MISSING"
            rev = f"@{r['revision'][:12]}" if r["revision"] else ""
            print(f"{mark} {r['name']:<28} {r['size']:>8}  {r['kind']:<7} {r['source']}{rev}")
            print(f"        licence: {r['licence'] or 'unknown'}; used by: {', '.join(r['used_by']) or '-'}")
            print(f"        {r['status']}")
        return 0
    if cmd == "fetch":
        paths = wreg.fetch(args.names, dest=args.dest)
        for n, p in zip(args.names, paths):
            print(f"{n}: {p}")
        return 0
    if cmd == "verify":
        names = args.names or [None]
        rows: list[tuple[str, str, bool, str]] = []
        for n in names:
            rows += wreg.verify(n)
        missing = [r for r in rows if r[1] == ""]
        bad = [r for r in rows if r[1] != "" and not r[2]]
        if args.json:
            _print_json([{"name": n, "file": f, "ok": ok, "message": m} for n, f, ok, m in rows])
        else:
            for n, f, ok, m in rows:
                if f == "" and not args.names:
                    continue  # absent entries are not a verification failure when nothing was named
                print(f"{'ok     ' if ok else 'FAILED ' if f else 'MISSING'} {n:<28} {f or '-'}: {m}")
            if not args.names and missing:
                print(f"({len(missing)} entries not present here; `bench weights list` says how to get them)")
        return 1 if bad or (args.names and missing) else 0
    raise AssertionError(cmd)  # pragma: no cover - argparse restricts the choices


def _print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
