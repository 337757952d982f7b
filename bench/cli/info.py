"""``bench doctor | suites | models | metrics``: what is here and what can run."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from typing import Any

from bench.errors import UserError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="environment, GPU, FFmpeg/PyAV, weights status, chosen profile",
                       description="Print the environment (torch/CUDA/GPU, PyAV/FFmpeg), every weight's "
                                   "status (found where, or missing and how to get it) and the profile "
                                   "`make bench` would pick.")
    p.add_argument("--model", action="append", metavar="M",
                   help="preflight of model card M (repeatable): packages, pipeline class, weights and the "
                        "repository files its card lists, each with the command that fixes it; loads no weights")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("suites", help="list prompt suites and probes with category counts",
                       description="List the prompt suites (prompts/*.jsonl), their content hashes, "
                                   "probes and counts per category.  Validates every line.")
    p.add_argument("--suite", action="append", help="only this suite (repeatable); a name or a .jsonl path")
    p.add_argument("--probes", action="store_true", help="also list every probe id and prompt")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_suites)

    p = sub.add_parser("models", help="list generators (cards, oracle variants, tiny pipelines)",
                       description="List every generator with its kind, access, size, whether it "
                                   "makes sound with its video (audio: yes / no / unknown from the "
                                   "card; 'on request' for the oracle worlds) and whether it can run "
                                   "here (and why not).")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("metrics", help="list metrics with their specs and availability",
                       description="List every metric with its spec (id, version, needs, weights, "
                                   "direction, range) and whether it can run here (and why not).")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_metrics)


def _print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*["-" * w for w in widths])]
    lines += [fmt.format(*[str(c) for c in r]) for r in rows]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- doctor


def doctor_report() -> dict[str, Any]:
    from bench.profiles import choose_profile
    from bench.provenance import git_commit, hardware, package_versions

    out: dict[str, Any] = {"versions": package_versions(), "hardware": hardware(), "git": git_commit()}
    try:
        import av

        out["pyav"] = {"version": av.__version__,
                       "ffmpeg": {k: ".".join(map(str, v)) if isinstance(v, tuple) else str(v)
                                  for k, v in getattr(av, "library_versions", {}).items()},
                       "encoders": {c: _has_codec(c) for c in ("libx264", "ffv1")}}
    except Exception as e:
        out["pyav"] = {"error": f"{type(e).__name__}: {e}"}
    out["ffmpeg_cli"] = shutil.which("ffmpeg") or "not on PATH (not needed: PyAV bundles FFmpeg)"
    prof, why = choose_profile()
    out["profile"] = {"name": prof, "why": why}
    out["weights"] = _weights_status()
    out["generators"] = _models_rows()
    out["cards"] = _cards_needs()
    return out


def _cards_needs() -> list[dict[str, Any]]:
    """One line per open card: what a GPU user still needs here (packages, weights)."""
    from bench.generators.diffusion import cards as _cards
    from bench.generators.diffusion import needs as _needs

    rows = []
    for cid, card in sorted(_cards.cards().cards.items()):
        if card.kind != "diffusers":
            continue
        ok, why = _needs.summary(_needs.preflight(card))
        rows.append({"model": cid, "ready": ok, "needs": why, "vram_gb": card.vram_gb})
    return rows


def _has_codec(name: str) -> bool:
    import av

    try:
        av.codec.Codec(name, "w")
        return True
    except Exception:
        return False


def _weights_status() -> list[dict[str, Any]]:
    from bench import plugins
    from bench.weights import registry as wreg

    plugins.load()
    rows = []
    for e in wreg.entries():
        ok, why = wreg.status(e.name)
        rows.append({"name": e.name, "kind": e.kind, "source": e.source, "revision": e.revision,
                     "size": e.size, "licence": e.licence, "used_by": list(e.used_by),
                     "found": ok, "status": why or "found"})
    return rows


def card_preflight(model: str) -> dict[str, Any]:
    """The offline preflight of one open card (``bench doctor --model M``)."""
    from bench import plugins
    from bench.generators.diffusion import cards as _cards
    from bench.generators.diffusion import needs as _needs

    plugins.load()
    card = _cards.cards().get(model)
    if card is None:
        raise UserError(f"--model {model!r}: no model card models/{model}.yaml (see `bench models`)")
    if card.kind != "diffusers":
        raise UserError(f"--model {model!r}: a {card.access} model (no weights to check); its videos come in "
                        f"with `bench import --model {model}`")
    found = _needs.preflight(card)
    ok, why = _needs.summary(found)
    return {"model": model, "pipeline": card.pipeline, "hub_id": card.hub_id, "revision": card.revision,
            "ready": ok, "summary": why, "tokenizers": card.needs.get("tokenizers", {}),
            "files_note": card.needs.get("files_note", ""), "dtype": card.dtype, "defaults": card.defaults,
            "defaults_sources": card.sources,
            "findings": [{"status": f.status, "what": f.what, "fix": f.fix} for f in found]}


def _print_preflight(rep: dict[str, Any]) -> None:
    print(f"{rep['model']}: {rep['pipeline']} from {rep['hub_id']}@{rep['revision'][:12]}  "
          f"-> {'READY' if rep['ready'] else 'NOT READY'}")
    for f in rep["findings"]:
        print(f"  {f['status'].upper():<7} {f['what']}" + (f"\n          fix: {f['fix']}" if f["fix"] else ""))
    toks = ", ".join(f"{k}: {v}" for k, v in rep["tokenizers"].items())
    if toks:
        print(f"  tokenizers: {toks}")
    print(f"  dtype: {rep['dtype']}")
    for k, v in rep["defaults_sources"].items():
        print(f"  source of {k}: {v}")


def cmd_doctor(args: argparse.Namespace) -> int:
    if getattr(args, "model", None):
        reps = [card_preflight(m) for m in args.model]
        if args.json:
            _print_json(reps)
        else:
            for r in reps:
                _print_preflight(r)
        return 0
    rep = doctor_report()
    if args.json:
        _print_json(rep)
        return 0
    v, hw = rep["versions"], rep["hardware"]
    print(f"bench {v.get('bench')}  python {v['python']}  git {rep['git']['commit'][:12]}"
          f"{' (dirty)' if rep['git']['dirty'] else ''}")
    print(f"torch {v.get('torch')}  diffusers {v.get('diffusers')}  transformers {v.get('transformers')}")
    print(f"CPU: {hw.get('cpu')} ({hw.get('cpu_count')} cores)")
    print(f"GPU: {', '.join(hw.get('gpus', [])) or 'none (CUDA not available)'}")
    pa = rep["pyav"]
    if "error" in pa:
        print(f"PyAV: BROKEN ({pa['error']})")
    else:
        enc = ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in pa["encoders"].items())
        print(f"PyAV {pa['version']} (bundled FFmpeg; encoders: {enc})")
    print(f"profile `make bench` would pick: {rep['profile']['name']} -- {rep['profile']['why']}")
    w = rep["weights"]
    found = sum(r["found"] for r in w)
    print(f"\nweights: {found} of {len(w)} found")
    for r in w:
        if r["found"]:
            print(f"  found   {r['name']:<38} {r['status']}")
        else:  # the full message (where it looked) is in `bench doctor --json` / `bench weights list`
            need = ", ".join(r["used_by"]) or "-"
            print(f"  MISSING {r['name']:<38} {r['size'] or '?':>10}  for {need[:48]:<48}  "
                  f"get: bench weights fetch {r['name']}")
    if any(not r["found"] for r in w):
        print("  (where each was looked for: `bench weights list`; offline copies go in "
              "$BENCH_WEIGHTS_DIR/<name>/)")
    print("\nmodel cards (preflight; detail: bench doctor --model M)")
    for c in rep["cards"]:
        vram = f"~{c['vram_gb']:g} GB" if c["vram_gb"] else "?"
        print(f"  {c['model']:<31} {vram:>8}  {'ready' if c['ready'] else c['needs']}")
    g = rep["generators"]
    runnable = [r for r in g if r["runs_here"]]
    print(f"\ngenerators: {len(runnable)} of {len(g)} can run here")
    real = [r for r in g if r["kind"] == "diffusers"]
    if real and not any(r["runs_here"] for r in real):
        print("  no real generator weights are present here; get them with "
              "`bench weights fetch <model id>` on a machine with a network, or place a "
              "diffusers folder in $BENCH_WEIGHTS_DIR/<model id>/ (see `bench models`)")
    return 0


# ----------------------------------------------------------------------------- suites


def cmd_suites(args: argparse.Namespace) -> int:
    from bench.suites import load_suites
    from bench.suites.schema import CATEGORIES
    from bench.textsafe import term

    suites = load_suites(args.suite)
    if args.json:
        _print_json([{"suite": s.name, "path": str(s.path), "sha256": s.sha256, "probes": len(s.probes),
                      "categories": dict(sorted(s.categories().items())),
                      "probe_ids": [p["id"] for p in s.probes] if args.probes else None}
                     for s in suites])
        return 0
    total = 0
    for s in suites:
        total += len(s.probes)
        print(f"{s.name}: {len(s.probes)} probes  sha256 {s.sha256[:16]}…  ({term(s.path)})")
        for cat, n in sorted(s.categories().items()):
            label = CATEGORIES.get(s.name, {}).get(cat, "")
            print(f"  {cat:<4} {n:>3}  {label}")
        if args.probes:
            for p in s.probes:
                print(f"    {p['id']:<48} {term(p['prompt'])}")  # prompts may hold escape sequences
    print(f"total: {total} probes in {len(suites)} suites")
    return 0


# ----------------------------------------------------------------------------- models


def _models_rows() -> list[dict[str, Any]]:
    from bench.generators.base import list_models, resolve

    rows = []
    for name in list_models():
        try:
            g = resolve(name)
            ok, why = g.available()
            info = g.info
            rows.append({"name": name, "kind": info.kind, "access": info.access, "size": info.size,
                         "revision": info.revision, "licence": info.licence,
                         "description": info.description, "native_audio": native_audio(info),
                         "runs_here": ok, "why": why})
        except UserError as e:
            rows.append({"name": name, "kind": "?", "access": "?", "size": "", "revision": "",
                         "licence": "", "description": "", "native_audio": "unknown", "runs_here": False,
                         "why": str(e)})
    return rows


def native_audio(info: Any) -> str:
    """Whether a generator makes sound with its video: ``yes`` / ``no`` / ``unknown`` from a closed
    card's ``native_audio`` field (the vendor's word, with sources in the card); ``yes`` for a
    diffusers card whose pipeline returns audio (``needs.AUDIO_PIPELINES``, e.g. LTX-2); ``on
    request`` for the oracle worlds (setting ``audio: true``); ``no`` otherwise."""
    from bench.generators.diffusion.needs import AUDIO_PIPELINES

    card = info.card or {}
    if "native_audio" in card:
        v = card["native_audio"]
        return "yes" if v is True else "no" if v is False else "unknown"
    if info.kind == "diffusers":
        return "yes" if card.get("pipeline") in AUDIO_PIPELINES else "no"
    if info.kind == "oracle":
        return "on request"
    return "no"


def cmd_models(args: argparse.Namespace) -> int:
    rows = _models_rows()
    if args.json:
        _print_json(rows)
        return 0
    table = [[r["name"], r["kind"], r["access"], r["size"] or "-", r["native_audio"],
              "yes" if r["runs_here"] else "no", (r["why"] or "")[:90]] for r in rows]
    print(_table(table, ["model", "kind", "access", "size", "audio", "runs here", "why not"]))
    return 0


# ----------------------------------------------------------------------------- metrics


def metric_rows() -> list[dict[str, Any]]:
    from bench.metrics.base import METRICS
    from bench import plugins

    plugins.load()
    rows = []
    for mid, cls in METRICS.items():
        m = cls()
        ok, why = m.available()
        rows.append({**m.spec.to_dict(), "available": ok, "why": why})
    return rows


def cmd_metrics(args: argparse.Namespace) -> int:
    rows = metric_rows()
    if args.json:
        _print_json(rows)
        return 0

    def rng(r: list) -> str:
        lo, hi = r
        return f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"

    table = [[r["id"], r["version"], r["kind"], r["level"], r["direction"], rng(r["range"]),
              ",".join(r["needs"]), ",".join(r["weights"]) or "-", "yes" if r["available"] else "no",
              (r["why"] or "")[:70]] for r in rows]
    print(_table(table, ["metric", "ver", "kind", "level", "better", "range", "needs", "weights",
                         "here", "why not"]))
    return 0
