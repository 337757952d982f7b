"""Profiles and run configs (``configs/<profile>.yaml``, loaded with ``yaml.safe_load``).

``make bench`` calls ``bench run``; with no ``--profile`` it picks ``gpu`` when CUDA is
available and ``cpu`` otherwise, and says why.  A config file fixes everything a run does:

```yaml
name: cpu                 # free text, recorded in run.json
suites: [physics, permanence, identity]
models: [oracle, "oracle+vanish:1.0"]   # generator names (see `bench models`)
samples: 2                # samples (seeds) per probe
limit: null               # first N probes of each suite (null = all)
per_category: 3           # first N probes of each category (null = all); applied before limit;
                          # or per model name pattern: {"oracle3d*": 2, "*": 3} (first match)
workers: 2                # local worker processes for generate + score (ranks of one run)
seed: 20261121            # global seed; per-job seeds derive from it
settings: {frames: 24, size: 128}        # generation settings passed to every generator
metrics: null             # metric ids, or null = every registered metric (unavailable ones recorded)
reference: oracle-ensemble                # FVD reference: a sanity check; or a named set of real
                                          # videos {name: ..., folder: ..., n: N} (the headline FVD)
report: {out: results}    # where leaderboard.{md,csv,html} go
validate: true            # also build the validity matrix
```
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bench.errors import UserError

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"

KEYS = {
    "name": str, "suites": list, "models": list, "samples": int, "limit": (int, type(None)),
    "seed": int, "settings": dict, "metrics": (list, type(None)), "reference": (str, dict, type(None)),
    "report": dict, "validate": bool, "validate_settings": dict, "description": str,
    "skipped": list, "model_settings": dict, "per_category": (int, type(None), dict), "workers": int,
    "provenance_study": dict,
}
REQUIRED = ("suites", "models", "samples", "seed")


def choose_profile() -> tuple[str, str]:
    """('gpu' | 'cpu', why)."""
    try:
        import torch
    except Exception as e:  # torch missing entirely
        return "cpu", f"torch is not importable ({type(e).__name__}), so no GPU can be used"
    if torch.cuda.is_available():
        return "gpu", f"CUDA is available ({torch.cuda.get_device_name(0)})"
    return "cpu", "CUDA is not available on this machine (torch.cuda.is_available() is False)"


def load_config(path: str | Path) -> dict[str, Any]:
    from bench.safeio import read_text, yaml_load

    path = Path(path)
    # a regular file of at most 1 MiB, YAML without aliases (no "billion laughs")
    cfg = yaml_load(read_text(path, "config"), str(path))
    if not isinstance(cfg, dict):
        raise UserError(f"{path}: config must be a YAML mapping")
    for k in REQUIRED:
        if k not in cfg:
            raise UserError(f"{path}: missing required key {k!r}")
    for k, v in cfg.items():
        if k not in KEYS:
            raise UserError(f"{path}: unknown key {k!r} (known: {', '.join(sorted(KEYS))})")
        t = KEYS[k]
        if isinstance(v, bool) and t is int:
            raise UserError(f"{path}: key {k!r} must be an integer, got {v!r}")
        if not isinstance(v, t):
            raise UserError(f"{path}: key {k!r} has the wrong type ({type(v).__name__})")
    if isinstance(cfg.get("reference"), dict):
        from bench.metrics.fvd.sets import parse_named_reference

        if parse_named_reference(cfg["reference"], f"{path}: key 'reference'") is None:
            raise UserError(f"{path}: key 'reference' must be 'oracle-ensemble' or {{name, folder, n}}")
    if cfg["samples"] < 1:
        raise UserError(f"{path}: samples must be >= 1")
    from bench.limits import LIMIT_MAX, check_count, samples_max, workers_max

    # counts bounded here, before any run folder or job list exists
    check_count(f"{path}: ", "samples", cfg["samples"], samples_max())
    if cfg.get("limit") is not None:
        check_count(f"{path}: ", "limit", cfg["limit"], LIMIT_MAX)
    pc = cfg.get("per_category")
    for pat, n in (pc.items() if isinstance(pc, dict) else [(None, pc)]):
        if n is not None:   # an int, or {model-name pattern: int} (bench.runner.per_category_for)
            check_count(f"{path}: ", "per_category" if pat is None else f"per_category[{pat!r}]", n, LIMIT_MAX)
    if "workers" in cfg:
        check_count(f"{path}: ", "workers", cfg["workers"], workers_max())
    rep_cfg = cfg.get("report")
    if rep_cfg is not None and (set(rep_cfg) - {"out"} or not isinstance(rep_cfg.get("out", ""), str)):
        raise UserError(f"{path}: key 'report' must be {{out: FOLDER}}")
    for k in ("suites", "models"):
        if not cfg[k] or not all(isinstance(x, str) for x in cfg[k]):
            raise UserError(f"{path}: {k!r} must be a non-empty list of names")
    from bench.ids import model_name
    from bench.limits import check_settings

    cfg["models"] = [model_name(m, f"{path}: models") for m in cfg["models"]]
    check_settings(cfg.get("settings") or {}, f"{path}: settings")
    for m, st in (cfg.get("model_settings") or {}).items():
        if not isinstance(st, dict):
            raise UserError(f"{path}: model_settings.{m} must be a mapping")
        check_settings(st, f"{path}: model_settings.{m}")
    cfg.setdefault("name", re.sub(r"[^A-Za-z0-9._-]", "_", path.stem).lstrip("._-")[:64] or "custom")
    # the name becomes the profile column of every report and the default run folder
    # (results/runs/<name>-<hash>): a plain name only (no ESC, newline, bidi override, `/`, `..`)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", cfg["name"]):
        from bench.textsafe import term

        raise UserError(f"{path}: name {term(cfg['name'])!r} must be 1-64 letters, digits, '.', '_' or '-' "
                        "(it names the run folder and the report's profile column)")
    cfg.setdefault("settings", {})
    cfg.setdefault("limit", None)
    cfg.setdefault("metrics", None)
    cfg.setdefault("report", {"out": "results"})
    cfg.setdefault("validate", False)
    cfg["config_path"] = str(path)
    return cfg


def profile_config(profile: str) -> dict[str, Any]:
    if profile not in ("cpu", "gpu"):
        raise UserError(f"--profile must be 'cpu' or 'gpu', got {profile!r}")
    return load_config(CONFIGS / f"{profile}.yaml")
