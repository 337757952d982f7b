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


#: Arguments holding paths; made absolute once here, so a notebook run in another folder, or a
#: relative ``--out``, reads and writes exactly where the user's working directory says.
PATH_ARGS = ("run", "runs", "out", "config", "videos", "validity", "reference", "suite", "dest")


def absolute_paths(args: argparse.Namespace) -> None:
    """Resolve relative path arguments against the working directory (suite and reference names
    that are not existing paths, e.g. ``physics`` or ``oracle-ensemble``, are left alone)."""
    def fix(v: object, name: str) -> object:
        if not isinstance(v, str) or not v or os.path.isabs(v):
            return v
        if name in ("suite", "reference") and not (os.path.exists(v) or v.endswith(".jsonl")):
            return v
        return os.path.abspath(v)

    for name in PATH_ARGS:
        v = getattr(args, name, None)
        if isinstance(v, list):
            setattr(args, name, [fix(x, name) for x in v])
        elif v is not None:
            setattr(args, name, fix(v, name))


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        from bench.options import check_environment

        check_environment()        # BENCH_* options: validated once, before anything is written
        absolute_paths(args)
        return int(args.func(args) or 0)
    except UserError as e:
        from bench.textsafe import term

        print(f"bench: error: {term(e)}", file=sys.stderr)  # one line, no escape sequences
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
