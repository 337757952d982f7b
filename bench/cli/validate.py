"""``bench validate --out DIR``: the metric validity matrix on oracle renders.

Renders the probes with the clean oracle, with every controlled violation at several
magnitudes and with every nuisance at its default level (same seeds for all: paired), scores
every video with every metric that can run here, and writes ``validity.{md,csv,html}`` (plus
``validity_dose.csv``, ``validity_nuisance.csv`` and ``plots/validity_auroc.png``) through the
``validity`` notebook.  Definitions: ``bench/validity.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from bench.errors import UserError

REPO = Path(__file__).resolve().parents[2]

DEFAULTS: dict[str, Any] = {
    "suites": ["physics", "permanence", "identity"],
    "limit": None,
    "samples": 1,
    "seed": 20261121,
    "magnitudes": [0.25, 0.5, 1.0],
    "settings": {"frames": 24, "size": 128},
    "metrics": None,
    "worlds": ["3d", "2d"],
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="metric validity matrix on oracle renders (violations, nuisances)",
                       description="For every (metric, violation): AUROC of clean vs violated oracle "
                                   "renders, threshold, dose-response over magnitudes; for every "
                                   "(metric, nuisance): false-positive rate.  Writes validity.{md,csv,html}.")
    p.add_argument("--out", required=True, help="output folder (e.g. results)")
    p.add_argument("--suite", action="append", help="suite (repeatable; default: all three)")
    p.add_argument("--limit", type=int, help="only the first N probes of each suite")
    p.add_argument("--samples", type=int, default=DEFAULTS["samples"], help="seeds per probe, 1-100000 (default 1)")
    p.add_argument("--magnitudes", default="0.25,0.5,1.0", help="violation magnitudes (comma-separated, in (0, 1])")
    p.add_argument("--metrics", nargs="+", help="metric ids (default: every registered metric)")
    p.add_argument("--world", action="append", choices=["3d", "2d"],
                   help="oracle world (repeatable; default both: oracle3d... and oracle...; the tables get a "
                        "world column)")
    p.add_argument("--run", help="use (or resume) this run directory instead of results/runs/validity-<hash>")
    p.add_argument("--no-notebook", action="store_true", help="write the tables directly, without papermill")
    p.set_defaults(func=run)


def validity_models(magnitudes: list[float], worlds: tuple[str, ...] = ("2d",)) -> list[str]:
    """The clean oracle, every violation at every magnitude and every nuisance, per world
    ("3d": ``oracle3d...`` with its 10 nuisances; "2d": ``oracle...`` with its 7)."""
    from bench.world import NUISANCES, VIOLATIONS
    from bench.world3d import ALL_NUISANCES

    from bench.ids import model_name

    models = []
    for w in worlds:
        fam, nuis = ("oracle3d", ALL_NUISANCES) if w == "3d" else ("oracle", list(NUISANCES))
        # the canonical spelling (oracle+vanish:1.0), the one `generate` and configs use
        models += [fam] + [model_name(f"{fam}+{v}:{m!r}") for v in VIOLATIONS for m in magnitudes]
        models += [f"{fam}~{n}" for n in nuis]
    return models


def _magnitudes(text: str) -> list[float]:
    try:
        mags = sorted({float(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise UserError(f"--magnitudes must be comma-separated numbers, got {text!r}") from None
    if not mags or not all(0 < m <= 1 for m in mags):
        raise UserError(f"--magnitudes must be in (0, 1], got {text!r}")
    return mags


def run_validity(out: Path, overrides: dict[str, Any] | None = None, *, run_dir: str | None = None,
                 notebook: bool = True) -> str:
    """Generate + score the validity run and write the tables into ``out``; returns the CSV path."""
    from bench import runner
    from bench.cli.pipeline import RUNS, open_or_create_run
    from bench.scoring import score_run, select_metrics
    from bench.suites import load_suites

    from bench.safeio import check_out_dir

    check_out_dir(out, "--out")  # a file or an uncreatable folder is refused before any work
    cfg = {**DEFAULTS, **(overrides or {})}
    select_metrics(cfg["metrics"])  # unknown ids fail first
    suites = load_suites(cfg["suites"])
    models = validity_models(list(cfg["magnitudes"]), tuple(cfg["worlds"]))
    key = hashlib.sha256(json.dumps({**cfg, "models": models}, sort_keys=True).encode()).hexdigest()[:10]
    run = Path(run_dir) if run_dir else RUNS / f"validity-{key}"
    config = {**cfg, "models": models, "purpose": "validity"}
    runner.plan(models, suites, cfg["samples"], cfg["seed"], cfg["limit"])  # counts bounded before the run exists
    store = open_or_create_run(str(run), config, suites, "validity")
    print(f"bench validate: {len(models)} oracle variants, run directory {run}", file=sys.stderr)
    gsum = runner.generate(store, models, suites, samples=cfg["samples"], global_seed=cfg["seed"],
                           settings=cfg["settings"], limit=cfg["limit"])
    print("validate/generate: " + ", ".join(f"{k}={v}" for k, v in gsum.items()), file=sys.stderr)
    ssum = score_run(store, cfg["metrics"])
    print(f"validate/score: videos={ssum['videos']}, rows={ssum['rows']}, errors={ssum['errors']}, "
          f"seconds={ssum['seconds']}", file=sys.stderr)
    from bench.safeio import make_out_dir

    make_out_dir(out, "--out")
    if notebook:
        from bench.report.notebooks import execute_notebook

        execute_notebook("validity", {"run": str(store.root), "out_dir": str(out)}, out / "notebooks")
    else:
        write_from_run(store.root, out)
    return str(out / "validity.csv")


def write_from_run(run: Path, out: Path) -> list[Path]:
    """The tables of a scored validity run (what the ``validity`` notebook calls)."""
    from bench.report import manifest_df, scores_df
    from bench.store.run import RunStore
    from bench.validity import validity_tables, write_validity

    meta = RunStore.open(run).meta()
    tables = validity_tables(scores_df([run]), manifest_df([run]))
    prov = {"run_id": meta.get("run_id"), "suites": meta.get("suites", {}),
            "bench_version": meta.get("bench_version"), "git": meta.get("git", {})}
    return write_validity(tables, out, provenance=prov)


def run(args: argparse.Namespace) -> int:
    over: dict[str, Any] = {"samples": args.samples, "magnitudes": _magnitudes(args.magnitudes)}
    if args.samples < 1:
        raise UserError(f"--samples must be >= 1, got {args.samples}")
    if args.limit is not None:
        if args.limit < 1:
            raise UserError(f"--limit must be >= 1, got {args.limit}")
        over["limit"] = args.limit
    if args.suite:
        over["suites"] = args.suite
    if args.world:
        over["worlds"] = list(dict.fromkeys(args.world))
    if args.metrics:
        over["metrics"] = args.metrics
    csv = run_validity(Path(args.out), over, run_dir=args.run, notebook=not args.no_notebook)
    print(csv)
    return 0
