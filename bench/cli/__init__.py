"""``bench`` command line (also ``python -m bench``).

Every sub-command prints ``bench: error: <one line>`` and exits non-zero on bad input (a
``UserError``), without a traceback; bugs keep theirs.  The sub-commands live in modules beside
this one, each with ``add_parser(subparsers)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import os
import sys

from bench import __version__
from bench.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    import importlib

    from bench.cli import info, pipeline

    p = argparse.ArgumentParser(
        prog="bench",
        description="A research benchmark suite for text-to-video generators: prompt suites that "
                    "probe physics, object permanence and identity; an oracle world with ground "
                    "truth; FVD, CLIP and temporal metrics; leaderboards with uncertainty.",
        epilog="Typical use: `make bench` (= `bench run`), then open results/leaderboard.html.",
    )
    p.add_argument("--version", action="version", version=f"bench {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    info.add_parsers(sub)            # doctor, suites, models, metrics
    pipeline.add_parsers(sub)        # generate, score, report, run
    # commands that arrive with their issues (absent until their module exists)
    for mod in ("bench.cli.weights", "bench.cli.render", "bench.cli.import_", "bench.cli.validate",
                "bench.cli.provenance"):
        try:
            m = importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise
            continue
        m.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # the environment, not a bug: full disk, read-only or unwritable folder
        import errno

        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR):
            where = f"{e.filename}: " if e.filename else ""
            print(f"bench: error: {where}{e.strerror or e}", file=sys.stderr)
            return 1
        raise
