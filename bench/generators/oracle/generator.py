"""The oracle generator family: ground-truth renders, with an optional violation and nuisance.

Model names (``parse_name``)::

    oracle                                  the clean world
    oracle+<violation>[:magnitude]          e.g. oracle+vanish, oracle+late:0.5
    oracle~<nuisance>[:level]               e.g. oracle~h264:38, oracle~shake
    oracle+<violation>[:m]~<nuisance>[:l]   both: the violation is injected, then the nuisance

Violations and magnitudes: ``bench.world.violations.VIOLATIONS``; nuisances and levels:
``bench.world.nuisances.NUISANCES``.  A malformed name raises ``UserError`` listing both.

Settings (``generate``; unknown keys are ignored and not recorded):
``frames`` (default 24), ``size`` (int or [height, width], default 128) or ``height`` and
``width``, ``fps`` (default frames / scene duration), ``k`` (ensemble member, default 0),
``jitter`` (perturbation scale, default 1).  ``provenance["params"]`` records the values
used; ``provenance["artifacts"]`` carries ``truth.npz`` and ``truth.json``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bench.errors import UserError
from bench.generators.base import GENERATORS, Generator, GeneratorInfo
from bench.video import Video
from bench.world import WORLD_VERSION
from bench.world.nuisances import NUISANCES, parse_nuisance
from bench.world.pipeline import DEFAULT_FRAMES, DEFAULT_SIZE, applicable, render_probe
from bench.world.violations import VIOLATIONS, parse_violation

FAMILY = "oracle"


def _grammar(family: str = FAMILY, nuisances: Any = NUISANCES) -> str:
    return (f"{family}[+VIOLATION[:m]][~NUISANCE[:l]] with VIOLATION in {', '.join(VIOLATIONS)} (m in [0, 1]) "
            f"and NUISANCE in {', '.join(nuisances)}")


def parse_name(name: str, family: str = FAMILY, nuisance_parser: Any = parse_nuisance,
               nuisances: Any = NUISANCES) -> tuple[tuple[str, float] | None, tuple[str, float] | None]:
    """``oracle+late:0.5~h264:38`` -> (("late", 0.5), ("h264", 38.0)); ``UserError`` if malformed.

    ``family``, ``nuisance_parser`` and ``nuisances`` let the 3-D world (``oracle3d``) share
    this grammar with its own nuisance list."""
    grammar = _grammar(family, nuisances)
    if not name.startswith(family) or (name[len(family):len(family) + 1] not in ("", "+", "~")):
        raise UserError(f"{name!r} is not an {family} model name ({grammar})")
    rest = name[len(family):]
    vpart, _, npart = rest.partition("~")
    if "~" in npart or "+" in npart or (vpart and not vpart.startswith("+")) or vpart.count("+") > 1 \
            or (not npart and rest.endswith("~")):
        raise UserError(f"malformed {family} model name {name!r} ({grammar})")
    try:
        violation = parse_violation(vpart[1:]) if vpart else None
        nuisance = nuisance_parser(npart) if npart else None
    except ValueError as e:
        raise UserError(f"model {name!r}: {e} ({grammar})") from None
    return violation, nuisance


def variant_names() -> list[str]:
    """Every oracle model name at default magnitude/level (for ``bench models``)."""
    return ([FAMILY] + [f"{FAMILY}+{v}" for v in VIOLATIONS] + [f"{FAMILY}~{n}" for n in NUISANCES])


class OracleGenerator(Generator):
    """Renders a probe's scene with the oracle world (``bench.world.render_probe``)."""

    def __init__(self, name: str):
        self.violation, self.nuisance = parse_name(name)
        self.name = name
        parts = []
        if self.violation:
            parts.append(f"violation {self.violation[0]} at magnitude {self.violation[1]:g}")
        if self.nuisance:
            unit = NUISANCES[self.nuisance[0]].unit
            parts.append(f"nuisance {self.nuisance[0]} at {self.nuisance[1]:g} {unit}")
        self.info = GeneratorInfo(
            name=name, kind="oracle", access="local",
            description="procedural 2-D world with ground truth" + (": " + "; ".join(parts) if parts else ""),
            revision=f"world-{WORLD_VERSION}", size="procedural (no weights)", licence="same as bench")
        self._applies: dict[str, tuple[bool, str]] = {}

    def supports(self, probe: dict[str, Any]) -> tuple[bool, str]:
        if probe.get("scene") is None:
            return False, "text-only probe (scene: null); the oracle renders only probes with a scene"
        if self.violation is None:
            return True, ""
        key = hashlib.sha256(json.dumps([probe.get("id"), probe["scene"], probe.get("expect")],
                                        sort_keys=True).encode()).hexdigest()
        if key not in self._applies:
            ok, why = applicable(probe, self.violation[0])
            self._applies[key] = (ok, f"violation {self.violation[0]}: {why}" if not ok else "")
        return self._applies[key]

    def default_settings(self) -> dict[str, Any]:
        return {"frames": DEFAULT_FRAMES, "size": DEFAULT_SIZE}

    def generate(self, probe: dict[str, Any], seed: int, settings: dict[str, Any]) -> Video:
        params = settings_used(settings)
        if params["fps"] is None and probe.get("scene"):
            params["fps"] = params["frames"] / float(probe["scene"]["duration"])
        violation = f"{self.violation[0]}:{self.violation[1]}" if self.violation else None
        nuisance = f"{self.nuisance[0]}:{self.nuisance[1]}" if self.nuisance else None
        video, truth = render_probe(probe, seed, frames=params["frames"], size=(params["height"], params["width"]),
                                    fps=params["fps"], k=params["k"], jitter=params["jitter"],
                                    violation=violation, nuisance=nuisance)
        video.provenance.update({"params": params, "model": self.name, "revision": self.info.revision,
                                 "artifacts": truth.to_bytes()})
        return video


def settings_used(settings: dict[str, Any]) -> dict[str, Any]:
    """Normalise oracle settings: frames, height, width, fps (None = frames / duration), k, jitter."""
    s = dict(settings or {})
    size = s.get("size", DEFAULT_SIZE)
    if "height" in s or "width" in s:
        if "height" not in s or "width" not in s:
            raise UserError("oracle settings: give both 'height' and 'width' (or 'size')")
        size = [s["height"], s["width"]]
    if isinstance(size, int) and not isinstance(size, bool):
        h = w = size
    elif isinstance(size, (list, tuple)) and len(size) == 2:
        h, w = size
    else:
        raise UserError(f"oracle settings: size must be an int or [height, width], got {size!r}")
    fps = s.get("fps")
    return {"frames": s.get("frames", DEFAULT_FRAMES), "height": h, "width": w,
            "fps": None if fps is None else float(fps), "k": int(s.get("k", 0)), "jitter": float(s.get("jitter", 1.0))}


@GENERATORS.register(FAMILY)
def make_oracle(name: str) -> Generator:
    """Factory for every oracle model name (see ``parse_name``)."""
    return OracleGenerator(name)
