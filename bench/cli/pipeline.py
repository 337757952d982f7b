"""``bench generate | score | report | run``: the pipeline from prompts to leaderboards."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from bench.errors import UserError

REPO = Path(__file__).resolve().parents[2]
RUNS = REPO / "results" / "runs"


def _settings_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--frames", type=int, help="frames per video (default: the generator's)")
    p.add_argument("--size", type=int, help="square frame size in pixels (default: the generator's)")
    p.add_argument("--height", type=int, help="frame height (overrides --size)")
    p.add_argument("--width", type=int, help="frame width (overrides --size)")
    p.add_argument("--steps", type=int, help="denoising steps (diffusers generators)")
    p.add_argument("--guidance", type=float, help="guidance scale (diffusers generators)")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="run a generator over a suite into a run directory",
                       description="Run a generator over a suite (or its first N probes) into a run "
                                   "directory.  Resumes: jobs already in the run are skipped; a model whose "
                                   "revision changed since its videos there were made is refused (one run "
                                   "never mixes two revisions), and so is resuming with other --frames/--size/--seed.  Model names are checked and canonical (oracle+vanish:1e0 is oracle+vanish:1.0); frames x size are bounded before anything is allocated.  Shards across ranks with RANK/WORLD_SIZE (or SLURM_PROCID/SLURM_NTASKS).")
    p.add_argument("--model", required=True, action="append", help="generator name (repeatable); see `bench models`")
    p.add_argument("--suite", required=True, action="append", help="suite name or .jsonl path (repeatable)")
    p.add_argument("--samples", type=int, default=1, help="samples (seeds) per probe, 1-100000 (default 1)")
    p.add_argument("--limit", type=int, help="only the first N probes of each suite")
    p.add_argument("--seed", type=int, default=0, help="global seed (default 0)")
    p.add_argument("--run", required=True, help="run directory (created if absent)")
    _settings_args(p)
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("score", help="score every video of a run (decode once, all metrics)",
                       description="Score every video of a run: each video is decoded once and every "
                                   "selected metric runs on it; metrics that cannot run here are recorded "
                                   "as unavailable with the reason.  Already-scored pairs are skipped, "
                                   "unless the metric's version changed or its weights appeared since.")
    p.add_argument("run", help="run directory")
    p.add_argument("--metrics", nargs="+", help="metric ids (default: every registered metric)")
    p.add_argument("--reference", help="FVD reference: 'oracle-ensemble' (default) or a folder of real videos")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("report", help="leaderboard tables, plots and sample strips for runs",
                       description="Build the leaderboard (md, csv, html, plots, sample strips) from one "
                                   "or more scored runs, through the papermill notebooks, and the static "
                                   "results site OUT/site/ (open OUT/site/index.html in a browser; no server "
                                   "needed).  BENCH_SITE_MEDIA_MB bounds the site's copied videos (default 96).")
    p.add_argument("runs", nargs="+", help="run directories")
    p.add_argument("--out", default=str(REPO / "results"), help="output folder (default results/)")
    p.add_argument("--validity", help="validity matrix CSV to include (default: <out>/validity.csv if present)")
    p.add_argument("--no-notebooks", action="store_true", help="build the tables directly, without papermill")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("run", help="generate + score + report (what `make bench` calls)",
                       description="Generate, score and report in one go.  Without --profile/--config it "
                                   "picks `gpu` when CUDA is available and `cpu` otherwise, says why, and "
                                   "lists what it skipped and how to enable it.")
    p.add_argument("--profile", choices=("cpu", "gpu"), help="profile (default: auto)")
    p.add_argument("--config", help="a config YAML (overrides --profile); see configs/cpu.yaml")
    p.add_argument("--run", help="run directory (default results/runs/<profile>-<config hash>)")
    p.add_argument("--fresh", action="store_true", help="delete the run directory first instead of resuming "
                                                       "(only a folder bench made: a run.json with format/run_id/created_at and "
                                                       "nothing a run does not hold; or an empty folder)")
    p.add_argument("--limit", type=int, help="override the config's probe limit (quick smoke runs)")
    p.add_argument("--no-report", action="store_true", help="stop after scoring")
    p.add_argument("--workers", type=int, help="local worker processes (ranks) for generate + score, "
                                               "1 to 4 x CPU count (default: the config's `workers`, else 1)")
    p.set_defaults(func=cmd_run)


# ----------------------------------------------------------------------------- helpers


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    from bench.limits import check_settings

    out: dict[str, Any] = {}
    for k in ("frames", "size", "height", "width", "steps", "guidance"):
        v = getattr(args, k, None)
        if v is not None:
            if isinstance(v, (int, float)) and v <= 0:
                raise UserError(f"--{k} must be positive, got {v}")
            out[k] = v
    check_settings(out, "generation settings (--frames/--size/--height/--width/--steps/--guidance)")
    return out


def run_meta(config: dict[str, Any], suites: list[Any], profile: str | None = None) -> dict[str, Any]:
    from bench import __version__
    from bench.provenance import git_commit, hardware, package_versions

    return {
        "bench_version": __version__, "config": config, "profile": profile,
        "versions": package_versions(), "git": git_commit(), "hardware": hardware(),
        "suites": {s.name: s.sha256 for s in suites},
        "suite_paths": {s.name: str(s.path) for s in suites},
    }


def open_or_create_run(run: str, config: dict[str, Any], suites: list[Any], profile: str | None) -> Any:
    """Create a run directory (or reopen it to resume); refuse if a suite changed since."""
    from bench.store.run import RunStore

    store = RunStore.create(run, run_meta(config, suites, profile))
    meta = store.meta()
    _same_generation(run, meta.get("config") or {}, config)
    known = meta.get("suites", {})
    for s in suites:
        if s.name in known and known[s.name] != s.sha256:
            raise UserError(f"{run}: suite {s.name!r} changed since this run was started "
                            f"(sha256 {known[s.name][:12]}… vs {s.sha256[:12]}…); use a new --run")
    new = {s.name: s.sha256 for s in suites if s.name not in known}
    if new:
        store.update_meta(suites=new, suite_paths={s.name: str(s.path) for s in suites if s.name in new})
    return store


#: Config keys that decide what a video looks like: a resumed run must keep them.
GENERATION_KEYS = ("seed", "settings", "model_settings")


def _same_generation(run: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Refuse to resume a run with other frames/size/seed (its videos would silently mix two
    settings under the first ``run.json``).  Only keys both commands set are compared
    (``bench import`` sets none of them)."""
    for k in GENERATION_KEYS:
        if k not in old or k not in new:
            continue
        a, b = old[k], new[k]
        if k != "seed":
            a, b = a or {}, b or {}
        if a != b:
            raise UserError(f"{run}: this run was made with {k} {json.dumps(a, sort_keys=True)}, "
                            f"now {json.dumps(b, sort_keys=True)}; one run cannot mix the two: "
                            "use the same settings, another --run, or `bench run --fresh`")


def _print_summary(what: str, summary: dict[str, Any]) -> None:
    print(f"{what}: " + ", ".join(f"{k}={v}" for k, v in summary.items() if not isinstance(v, (list, dict))),
          file=sys.stderr)


# ----------------------------------------------------------------------------- generate


def cmd_generate(args: argparse.Namespace) -> int:
    from bench import runner
    from bench.suites import load_suites

    from bench.generators.base import resolve

    from bench.ids import model_name

    # one spelling per model (oracle+vanish:1e0 is oracle+vanish:1.0), checked before the disk
    args.model = [model_name(m) for m in args.model]
    for m in args.model:  # resolve all before touching the disk: an unknown model writes nothing
        resolve(m)
    suites = load_suites(args.suite)
    settings = _settings(args)
    config = {"models": args.model, "suites": [s.name for s in suites], "samples": args.samples,
              "limit": args.limit, "seed": args.seed, "settings": settings}
    runner.plan(args.model, suites, args.samples, args.seed, args.limit)  # validates numbers
    store = open_or_create_run(args.run, config, suites, None)
    summary = runner.generate(store, args.model, suites, samples=args.samples, global_seed=args.seed,
                              settings=settings, limit=args.limit)
    _print_summary("generate", summary)
    return 0


# ----------------------------------------------------------------------------- score


def cmd_score(args: argparse.Namespace) -> int:
    from bench.scoring import score_run, select_metrics
    from bench.store.run import RunStore

    store = RunStore.open(args.run)
    select_metrics(args.metrics)  # unknown metric ids fail before any work
    summary = score_run(store, args.metrics, reference=args.reference)
    _print_summary("score", summary)
    for line in summary.get("unavailable", []):
        print(f"  unavailable here: {line}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- report


def cmd_report(args: argparse.Namespace) -> int:
    from bench.store.run import RunStore

    from bench.safeio import check_out_dir

    runs = [RunStore.open(r).root for r in args.runs]
    out = check_out_dir(Path(args.out), "--out")
    validity = args.validity or (str(out / "validity.csv") if (out / "validity.csv").exists() else None)
    paths = build_report(runs, out, validity_csv=validity, notebooks=not args.no_notebooks)
    for p in paths:
        print(p)
    return 0


def _sweep_report_temps(out: Path) -> None:
    """Remove half-written files (``.tmp-*``) a killed report left in its own outputs (the top of
    ``out``, ``plots/``, ``notebooks/``); run folders below ``out`` are never touched."""
    import contextlib

    temps = list(out.glob(".tmp-*")) + list((out / "notebooks").glob(".tmp-*"))
    if (out / "plots").is_dir():
        temps += list((out / "plots").rglob(".tmp-*"))
    for p in temps:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            p.unlink()


def build_report(runs: list[Path], out: Path, *, validity_csv: str | None, notebooks: bool) -> list[Path]:
    from bench.safeio import make_out_dir

    make_out_dir(out, "output folder")
    _sweep_report_temps(out)
    if notebooks:
        from bench.report.notebooks import execute_notebook

        params = {"runs": [str(r) for r in runs], "out_dir": str(out), "validity_csv": validity_csv}
        nb_html = execute_notebook("leaderboard", params, out / "notebooks")
        site = [out / "site" / "index.html"] if (out / "site" / "index.html").is_file() else []
        return [out / "leaderboard.md", out / "leaderboard.csv", out / "leaderboard.html", *site, nb_html]
    from bench.report import build_leaderboard

    res = build_leaderboard(runs, out, validity_csv=validity_csv)
    return [out / "leaderboard.md", out / "leaderboard.csv", out / "leaderboard.html", out / "site" / "index.html"]


# ----------------------------------------------------------------------------- run


def _stage(what: str) -> None:
    """One line per stage of `bench run` (readable in CI logs, where no progress bar is drawn)."""
    print(f"bench run: stage {what}", file=sys.stderr, flush=True)


def _config_hash(cfg: dict[str, Any]) -> str:
    from bench import __version__

    # provenance_study shapes a report, not the run's videos: it does not name the run
    blob = json.dumps({k: v for k, v in cfg.items() if k not in ("config_path", "provenance_study")}, sort_keys=True)
    return hashlib.sha256(f"{__version__}|{blob}".encode()).hexdigest()[:10]


def _work(job: dict[str, Any], phase: str, rank: int, world: int) -> None:
    """One rank of one phase (``generate`` or ``score``) of `bench run`, in a worker process."""
    import os

    from bench import runner
    from bench.scoring import score_run
    from bench.store.run import RunStore
    from bench.suites import load_suites

    if world > 1:
        os.environ.setdefault("BENCH_FLOW_THREADS", "1")  # one core per worker
        try:
            import cv2

            cv2.setNumThreads(1)
        except ImportError:
            pass
        import torch

        torch.set_num_threads(1)
    store = RunStore.open(job["run"])
    suites = load_suites(job["suites"])
    if phase == "generate":
        g = runner.generate(store, job["models"], suites, samples=job["samples"], global_seed=job["seed"],
                            settings=job["settings"], limit=job["limit"], rank=rank, world=world,
                            model_settings=job["model_settings"], per_category=job["per_category"])
        _print_summary(f"\ngenerate [rank {rank}/{world}]", g)
    else:
        s = score_run(store, job["metrics"], reference=job["reference"], rank=rank, world=world,
                      suites={x.name: x for x in suites})
        _print_summary(f"\nscore [rank {rank}/{world}]", {k: v for k, v in s.items() if k != "sets"})


#: What a run directory holds (``bench.store.run``): anything else in a folder means it is not
#: (only) a bench run, and ``--fresh`` leaves it alone.
RUN_ENTRIES = re.compile(r"run\.json|manifest\.jsonl|videos|features|scores[\w.-]*|set_scores[\w.-]*"
                         r"|\.[\w.-]*\.lock|\.tmp-.*")
#: Keys ``RunStore.create`` always writes into ``run.json``.
RUN_KEYS = ("format", "run_id", "created_at")


def _check_deletable_run(run_dir: Path) -> None:
    """``--fresh`` deletes only a run directory: a folder whose ``run.json`` is an object with the
    keys bench writes (``format``, ``run_id``, ``created_at``) and that holds nothing but what a
    run holds (:data:`RUN_ENTRIES`), or an empty folder.  Anything else (a home folder, a results
    folder, a file, a folder with a ``{}`` run.json) is refused, untouched."""
    if run_dir.is_symlink() or not run_dir.is_dir():
        raise UserError(f"{run_dir}: --fresh deletes run directories only; this is not a folder")
    entries = sorted(p.name for p in run_dir.iterdir())
    if not entries:
        return
    if not (run_dir / "run.json").is_file():
        raise UserError(f"{run_dir}: --fresh refuses to delete a folder that is not a run (no run.json); "
                        "remove it yourself or choose another --run")
    from bench.store.run import RunStore

    meta = RunStore(run_dir).meta()  # a run.json that is not a run's object is refused too
    missing = [k for k in RUN_KEYS if k not in meta]
    if missing:
        raise UserError(f"{run_dir}: --fresh refuses to delete it: its run.json lacks {', '.join(missing)}, "
                        "so bench did not write it; remove the folder yourself or choose another --run")
    other = [n for n in entries if not RUN_ENTRIES.fullmatch(n)]
    if other:
        raise UserError(f"{run_dir}: --fresh refuses to delete it: it holds {len(other)} entr"
                        f"{'y' if len(other) == 1 else 'ies'} no run holds ({', '.join(repr(n) for n in other[:3])}"
                        f"{', …' if len(other) > 3 else ''}); remove the folder yourself or choose another --run")


def cmd_run(args: argparse.Namespace) -> int:
    from bench import runner
    from bench.profiles import choose_profile, load_config, profile_config
    from bench.scoring import score_run
    from bench.suites import load_suites

    if args.config:
        cfg = load_config(args.config)
        profile = cfg.get("name", "custom")
        print(f"bench run: config {args.config}", file=sys.stderr)
    else:
        if args.profile:
            profile, why = args.profile, "asked for with --profile"
        else:
            profile, why = choose_profile()
        print(f"bench run: profile '{profile}' -- {why}", file=sys.stderr)
        cfg = profile_config(profile)
    if args.limit is not None:
        cfg["limit"] = args.limit
    suites = []
    for entry in cfg["suites"]:
        try:
            suites += load_suites([entry])
        except UserError as e:  # name the config's entry that led to the file
            raise UserError(f"{cfg.get('config_path', profile)}: suites entry {entry!r}: {e}") from None
    from bench.generators.base import resolve

    runnable, skipped = [], list(cfg.get("skipped", []))
    for m in cfg["models"]:
        g = resolve(m)
        ok, why = g.available()
        (runnable if ok else skipped).append(m if ok else {"what": f"model {m}", "why": why})
    from bench.scoring import select_metrics

    metrics = select_metrics(cfg.get("metrics"))
    for m in metrics:
        ok, why = m.available()
        if not ok:
            skipped.append({"what": f"metric {m.spec.id}", "why": why})
    if skipped:
        print("bench run: skipped here (and how to enable):", file=sys.stderr)
        for s in skipped:
            if isinstance(s, dict):
                print(f"  - {s['what']}: {s['why']}", file=sys.stderr)
            else:
                print(f"  - {s}", file=sys.stderr)
    if not runnable:
        raise UserError(f"none of the models in the {profile} profile can run here")
    from bench.limits import check_count, workers_max

    # every option checked before anything is created: worker count, the report's folder
    workers = check_count("", "--workers", args.workers, workers_max()) if args.workers is not None else \
        check_count(f"{cfg.get('config_path', profile)}: ", "workers", cfg.get("workers", 1), workers_max())
    if not args.no_report:
        from bench.safeio import check_out_dir

        check_out_dir(REPO / cfg.get("report", {}).get("out", "results"), "report.out")
    runner.plan(runnable, suites, cfg["samples"], cfg["seed"], cfg.get("limit"), cfg.get("per_category"))
    run_dir = Path(args.run) if args.run else RUNS / f"{profile}-{_config_hash(cfg)}"
    if args.fresh and run_dir.exists():
        _check_deletable_run(run_dir)
        shutil.rmtree(run_dir)
    store = open_or_create_run(str(run_dir), cfg, suites, profile)
    print(f"bench run: run directory {run_dir} ({workers} worker process{'es' if workers > 1 else ''})",
          file=sys.stderr)
    job = {"run": str(store.root), "models": runnable, "suites": cfg["suites"], "samples": cfg["samples"],
           "seed": cfg["seed"], "settings": cfg.get("settings", {}), "limit": cfg.get("limit"),
           "per_category": cfg.get("per_category"), "model_settings": cfg.get("model_settings", {}),
           "metrics": cfg.get("metrics"), "reference": cfg.get("reference")}
    _stage("1/3 generate")
    if workers == 1:
        _work(job, "generate", 0, 1)
        _stage("2/3 score")
        _work(job, "score", 0, 1)
    else:
        import concurrent.futures as cf
        import multiprocessing as mp

        with cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as ex:
            # two phases with a barrier between: every rank must see the whole manifest before
            # it takes its share of the scoring (shards are slices of the sorted video list)
            for phase in ("generate", "score"):
                if phase == "score":
                    _stage("2/3 score")
                for f in [ex.submit(_work, job, phase, r, workers) for r in range(workers)]:
                    f.result()  # a worker's UserError re-raises here, one line
    # one single-process pass: consolidates the ranks' scores and computes set-level metrics
    ssum = score_run(store, cfg.get("metrics"), reference=cfg.get("reference"), rank=0, world=1)
    from bench.metrics.fvd.sets import reference_record

    store.update_meta(fvd_reference=reference_record(cfg.get("reference")))   # name, folder, N, files
    _print_summary("score (final pass)", ssum)
    store.update_meta(skipped=[s if isinstance(s, dict) else {"what": s, "why": ""} for s in skipped])
    if args.no_report:
        return 0
    out = REPO / cfg.get("report", {}).get("out", "results")
    _stage("3/3 report (validity matrix, leaderboard notebook, results site)")
    validity = None
    if cfg.get("validate"):
        from bench.validity import parse_variant

        if any(parse_variant(m)[0] == "violation" for m in runnable):
            # the run holds its own controls (cpu profile): the matrix comes from the same scores
            from bench.report.notebooks import execute_notebook

            execute_notebook("validity", {"run": str(store.root), "out_dir": str(out)}, out / "notebooks")
            validity = str(out / "validity.csv")
        else:
            from bench.cli.validate import run_validity

            validity = run_validity(out, cfg.get("validate_settings", {}))
    paths = build_report([store.root], out, validity_csv=validity, notebooks=True)
    if cfg.get("provenance_study"):
        from bench.survival import run_notebook

        paths += run_notebook(out, cfg["provenance_study"])
    print("bench run: wrote " + ", ".join(str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p)
                                          for p in paths), file=sys.stderr)
    return 0
