"""Prompt suites: load, validate (file:line errors), hash.

A suite is ``prompts/<name>.jsonl``; its content hash (sha256 of the file bytes) is recorded in
every run's ``run.json`` so a score can be traced to the exact probes that produced it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.errors import UserError
from bench.suites.schema import SUITES, validate_probe

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"


@dataclass
class Suite:
    name: str
    path: Path
    probes: list[dict[str, Any]]
    sha256: str
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {p["id"]: p for p in self.probes}

    def categories(self) -> Counter:
        return Counter(p["category"] for p in self.probes)

    def probe(self, probe_id: str) -> dict[str, Any]:
        try:
            return self.by_id[probe_id]
        except KeyError:
            raise UserError(f"suite {self.name}: no probe {probe_id!r}") from None


def load_suite_file(path: str | Path, suite: str | None = None) -> Suite:
    """Load and validate one JSONL suite file; the first bad line raises ``file:line: problem``."""
    from bench.ids import suite_name
    from bench.safeio import read_bytes

    path = Path(path)
    data = read_bytes(path, "suite")   # a regular file of at most 64 MiB (no FIFO, device, folder)
    name = suite_name(suite or path.stem, where=str(path))
    probes: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not UTF-8 ({e})") from None
    # lines end at "\n" only (JSON Lines): str.splitlines() also splits at U+2028, U+0085, \x0b, \x0c,
    # which JSON strings may hold, and turned a valid prompt into "Unterminated string"
    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            obj = json.loads(line, parse_constant=_no_constant)
        except json.JSONDecodeError as e:
            raise UserError(f"{path}:{lineno}: invalid JSON ({e.msg} at column {e.colno})") from None
        except ValueError as e:
            raise UserError(f"{path}:{lineno}: {e}") from None
        big = _out_of_range(obj)
        if big:
            raise UserError(f"{path}:{lineno}: {big}")
        errs = validate_probe(obj, suite=name if name in SUITES else None)
        if not errs and obj.get("scene") is not None:
            from bench.world.scene import validate_scene  # the oracle world owns the scene schema

            errs = [f"scene: {e}" for e in validate_scene(obj["scene"], obj)]
        if errs:
            raise UserError(f"{path}:{lineno}: {errs[0]}" + (f" (+{len(errs) - 1} more)" if len(errs) > 1 else ""))
        pid = obj["id"]
        if pid in seen:
            raise UserError(f"{path}:{lineno}: duplicate probe id {pid!r} (first on line {seen[pid]})")
        seen[pid] = lineno
        probes.append(obj)
    if not probes:
        raise UserError(f"{path}: suite has no probes")
    return Suite(name=name, path=path, probes=probes, sha256=hashlib.sha256(data).hexdigest())


#: Largest magnitude of any number in a probe: scene positions are metres, sizes fractions,
#: durations seconds.  ``1e308`` overflowed the physics to inf and crashed the renderer.
MAX_MAGNITUDE = 1e6


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a probe may hold (JSON has no NaN or Infinity)")


def _out_of_range(x: Any, where: str = "") -> str | None:
    """The first number in ``x`` (nested lists/dicts) whose magnitude exceeds ``MAX_MAGNITUDE``."""
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        if not abs(x) <= MAX_MAGNITUDE:
            shown = f"{x:.3g}" if isinstance(x, float) else f"an integer of {len(str(abs(x)))} digits"
            return f"{where or 'value'}: {shown} is outside [-{MAX_MAGNITUDE:g}, {MAX_MAGNITUDE:g}]"
        return None
    if isinstance(x, dict):
        for k, v in x.items():
            r = _out_of_range(v, f"{where}.{k}" if where else str(k))
            if r:
                return r
    elif isinstance(x, list):
        for i, v in enumerate(x):
            r = _out_of_range(v, f"{where}[{i}]")
            if r:
                return r
    return None


def available_suites(prompts_dir: Path | None = None) -> list[str]:
    d = prompts_dir or PROMPTS_DIR
    return sorted(p.stem for p in d.glob("*.jsonl"))


def load_suite(name_or_path: str, prompts_dir: Path | None = None) -> Suite:
    """A suite by name (``physics``) from ``prompts/`` or by path to a ``.jsonl`` file."""
    p = Path(name_or_path)
    if p.suffix == ".jsonl" or p.exists() or p.is_symlink() or "/" in name_or_path:
        return load_suite_file(p)
    d = prompts_dir or PROMPTS_DIR
    f = d / f"{name_or_path}.jsonl"
    if not f.exists():
        known = ", ".join(available_suites(d)) or "none"
        raise UserError(f"unknown suite {name_or_path!r} (known: {known})")
    return load_suite_file(f, suite=name_or_path)


def load_suites(names: list[str] | None, prompts_dir: Path | None = None) -> list[Suite]:
    names = names or available_suites(prompts_dir)
    return [load_suite(n, prompts_dir) for n in names]
