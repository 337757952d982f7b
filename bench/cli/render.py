"""``bench render``: oracle-world videos with ground truth, optionally violated or perturbed.

For every probe of a suite that has a scene (and, with ``--violation``, to which the
violation applies) and every ensemble member k, writes into ``--out``::

    <probe_id>[.k<k>].mkv          lossless FFV1 (what metrics read)
    <probe_id>[.k<k>].mp4          H.264 preview (for people)
    <probe_id>[.k<k>].truth.npz    masks (bench.world.truth)
    <probe_id>[.k<k>].truth.json   trajectories, visibility, identities, counts, records
    render.json                    the settings, and per probe what was written or why skipped

Every file is written atomically.  ``add_parser(subparsers)`` registers the sub-command;
``run(args) -> int`` executes it (user errors raise ``bench.errors.UserError``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.atomic import write_bytes, write_json
from bench.errors import UserError
from bench.video import write_video
from bench.world import WORLD_VERSION
from bench.world.nuisances import NUISANCES, parse_nuisance
from bench.world.pipeline import DEFAULT_FRAMES, DEFAULT_SIZE, applicable, render_probe
from bench.world.violations import VIOLATIONS, parse_violation


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``render`` on an ``argparse`` subparsers object."""
    p = subparsers.add_parser(
        "render", help="render the oracle world: ground-truth videos and annotations",
        description="Render every probe of a suite with the procedural oracle world and write, per probe, a "
                    "lossless .mkv, an .mp4 preview and the ground truth (.truth.npz masks, .truth.json "
                    "trajectories, visibility, identities, counts). Optionally inject a controlled violation "
                    "or apply a nuisance.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="violations (magnitude in [0, 1], default in brackets):\n"
               + "\n".join(f"  {v.name:17s} [{v.default:g}] {v.description}" for v in VIOLATIONS.values())
               + "\nnuisances (level in the unit shown, default in brackets):\n"
               + "\n".join(f"  {n.name:17s} [{n.default:g} {n.unit}] {n.description}; levels "
                           + ", ".join(f"{x:g}" for x in n.levels) for n in NUISANCES.values()))
    p.add_argument("--suite", required=True, help="suite name (prompts/<name>.jsonl) or a path to a .jsonl file")
    p.add_argument("--violation", metavar="V[:m]", help="inject violation V at magnitude m (see below)")
    p.add_argument("--nuisance", metavar="N[:l]", help="apply nuisance N at level l (see below)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N probes of the suite")
    p.add_argument("--frames", type=int, default=DEFAULT_FRAMES, help=f"frames per video (default {DEFAULT_FRAMES})")
    p.add_argument("--size", type=int, default=DEFAULT_SIZE,
                   help=f"frame height and width in px (default {DEFAULT_SIZE})")
    p.add_argument("--seed", type=int, default=0, help="seed of the ensemble perturbations (default 0)")
    p.add_argument("--ensemble", type=int, default=1, metavar="K",
                   help="K renders per probe with perturbed initial conditions, k = 0..K-1, K <= 1000 (default 1)")
    p.add_argument("--world", choices=["2d", "3d"], default="2d",
                   help="oracle world: 2d (flat shapes, default) or 3d (PyBullet + TinyRenderer; "
                        "nuisances also pan, light, retexture)")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Render the suite; returns 0, or raises ``UserError`` on bad input."""
    from bench.progress import progress
    from bench.suites import load_suite

    three = getattr(args, "world", "2d") == "3d"
    if three:
        from bench.world3d import applicable3d as applies, parse_nuisance3d as parse_n, render_probe3d as draw
    else:
        applies, parse_n, draw = applicable, parse_nuisance, render_probe
    try:
        if args.violation:
            parse_violation(args.violation)
        if args.nuisance:
            parse_n(args.nuisance)
    except ValueError as e:
        raise UserError(str(e)) from None
    from bench.limits import ENSEMBLE_MAX, LIMIT_MAX, check_count, check_jobs

    if args.limit is not None:
        check_count("", "--limit", args.limit, LIMIT_MAX)
    check_count("", "--ensemble", args.ensemble, ENSEMBLE_MAX)
    if args.seed < 0:
        raise UserError(f"--seed must be >= 0, got {args.seed}")
    from bench.limits import check_settings

    check_settings({"frames": args.frames, "size": args.size}, "--frames/--size")
    suite = load_suite(args.suite)
    probes = suite.probes[: args.limit] if args.limit else suite.probes
    check_jobs(len(probes) * args.ensemble, "render")
    out = Path(args.out)
    from bench.safeio import make_out_dir

    make_out_dir(out, "--out")
    vname = args.violation.partition(":")[0] if args.violation else None

    report: dict[str, Any] = {}
    jobs = []
    for probe in probes:
        if probe.get("scene") is None:
            report[probe["id"]] = {"status": "skipped", "reason": "text-only probe (scene: null)"}
            continue
        if vname:
            ok, why = applies(probe, vname)
            if not ok:
                report[probe["id"]] = {"status": "skipped", "reason": f"violation {vname}: {why}"}
                continue
        report[probe["id"]] = {"status": "rendered", "files": []}
        jobs += [(probe, k) for k in range(args.ensemble)]
    if not jobs:
        raise UserError(f"nothing to render: no probe of suite {suite.name!r} has a scene"
                        + (f" to which violation {vname} applies" if vname else ""))
    bar = progress(jobs, len(jobs), f"render {suite.name}", unit="video")
    for probe, k in bar:
        video, truth = draw(probe, args.seed, frames=args.frames, size=args.size, k=k,
                            violation=args.violation, nuisance=args.nuisance)
        video.provenance["model"] = ("oracle3d" if three else "oracle") \
            + (f"+{args.violation}" if args.violation else "") \
            + (f"~{args.nuisance}" if args.nuisance else "")
        stem = probe["id"] + (f".k{k}" if args.ensemble > 1 else "")
        write_video(video, out / f"{stem}.mkv", lossless=True)
        write_video(video, out / f"{stem}.mp4", lossless=False)
        for suffix, data in truth.to_bytes().items():
            write_bytes(out / f"{stem}.{suffix}", data)
        entry = report[probe["id"]]
        entry["files"].append(stem)
        if truth.violation is not None:
            entry.setdefault("violation", {})[str(k)] = truth.violation
    write_json(out / "render.json", {
        "suite": suite.name, "suite_sha256": suite.sha256, "world_version": WORLD_VERSION,
        "world": "3d" if three else "2d",
        "settings": {"frames": args.frames, "size": args.size, "seed": args.seed, "ensemble": args.ensemble,
                     "violation": args.violation, "nuisance": args.nuisance, "limit": args.limit},
        "probes": report})
    rendered = sum(1 for r in report.values() if r["status"] == "rendered")
    print(f"rendered {len(jobs)} videos ({rendered} probes x {args.ensemble}) into {out}; "
          f"skipped {len(report) - rendered} probes (see {out / 'render.json'})")
    return 0
