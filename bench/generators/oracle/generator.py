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
``jitter`` (perturbation scale, default 1), ``audio`` (true: synthesise the contacts' sound,
``bench.audio.synth``; implied by an audio violation ``av_*`` or an audio nuisance, whose
registry is ``bench.audio.edits``).  ``provenance["params"]`` records the values
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
#: families whose renders synthesise sound, so that the audio edits parse (2-D and 3-D worlds)
SOUND_FAMILIES = (FAMILY, "oracle3d")


def _grammar(family: str = FAMILY, nuisances: Any = NUISANCES) -> str:
    audio = ("; audio (bench.audio.edits): VIOLATION av_early, av_late, av_drift, av_missing, "
             "av_extra, av_foreign; NUISANCE aac, resample, anoise, gain, mono") if family in SOUND_FAMILIES else ""
    return (f"{family}[+VIOLATION[:m]][~NUISANCE[:l]] with VIOLATION in {', '.join(VIOLATIONS)} (m in [0, 1]) "
            f"and NUISANCE in {', '.join(nuisances)}{audio}")


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
        sound = family in SOUND_FAMILIES  # the audio edits act on the worlds' synthesised sound
        violation = ((sound and _parse_audio(vpart[1:], True)) or parse_violation(vpart[1:])) if vpart else None
        nuisance = ((sound and _parse_audio(npart, False)) or nuisance_parser(npart)) if npart else None
    except ValueError as e:
        raise UserError(f"model {name!r}: {e} ({grammar})") from None
    return violation, nuisance


def _parse_audio(spec: str, violation: bool) -> tuple[str, float] | None:
    """Audio hook: ``av_late:0.5`` / ``aac:32`` from the parallel registry of ``bench.audio.edits``
    (None when ``spec`` names no audio violation/nuisance)."""
    from bench.audio.edits import AUDIO_NUISANCES, AUDIO_VIOLATIONS

    name, _, val = spec.partition(":")
    reg = AUDIO_VIOLATIONS if violation else AUDIO_NUISANCES
    if name not in reg:
        return None
    if not val:
        return name, float(reg[name].default)
    try:
        x = float(val)
    except ValueError:
        raise ValueError(f"{'magnitude' if violation else 'level'} {val!r} is not a number") from None
    lo, hi = (0.0, 1.0) if violation else (reg[name].lo, reg[name].hi)
    if not lo <= x <= hi:
        raise ValueError(f"{name} {'magnitude' if violation else 'level'} {x} is outside [{lo:g}, {hi:g}]")
    return name, x


def _is_audio(part: tuple[str, float] | None) -> bool:
    return part is not None and (part[0].startswith("av_") or part[0] in _audio_nuisance_names())


def _audio_unit(name: str) -> str:
    from bench.audio.edits import AUDIO_NUISANCES

    return AUDIO_NUISANCES[name].unit


def _audio_nuisance_names() -> tuple[str, ...]:
    from bench.audio.edits import AUDIO_NUISANCES

    return tuple(AUDIO_NUISANCES)


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
            unit = NUISANCES[self.nuisance[0]].unit if self.nuisance[0] in NUISANCES else _audio_unit(self.nuisance[0])
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
        if _is_audio(self.violation):
            return _audio_applies(probe, self.violation[0], self._render())
        key = hashlib.sha256(json.dumps([probe.get("id"), probe["scene"], probe.get("expect")],
                                        sort_keys=True).encode()).hexdigest()
        if key not in self._applies:
            ok, why = self._applicable(probe, self.violation[0])
            self._applies[key] = (ok, f"violation {self.violation[0]}: {why}" if not ok else "")
        return self._applies[key]

    def default_settings(self) -> dict[str, Any]:
        return {"frames": DEFAULT_FRAMES, "size": DEFAULT_SIZE}

    def generate(self, probe: dict[str, Any], seed: int, settings: dict[str, Any]) -> Video:
        params = settings_used(settings)
        if params["fps"] is None and probe.get("scene"):
            params["fps"] = params["frames"] / float(probe["scene"]["duration"])
        av_v = self.violation if _is_audio(self.violation) else None
        av_n = self.nuisance if _is_audio(self.nuisance) else None
        violation = f"{self.violation[0]}:{self.violation[1]}" if self.violation and not av_v else None
        nuisance = f"{self.nuisance[0]}:{self.nuisance[1]}" if self.nuisance and not av_n else None
        sound = bool(params.pop("audio", False) or av_v or av_n)
        if sound:
            params["audio"] = True  # recorded only when on: silent renders keep their params
        video, truth = self._render()(probe, seed, frames=params["frames"], size=(params["height"], params["width"]),
                                      fps=params["fps"], k=params["k"], jitter=params["jitter"],
                                      violation=violation, nuisance=nuisance, audio=sound)
        if av_v or av_n:
            _audio_edits(video, truth, av_v, av_n, seed, probe)
        video.provenance.update({"params": params, "model": self.name, "revision": self.info.revision,
                                 **self.world_provenance, "artifacts": truth.to_bytes()})
        return video

    # the world this family renders (the 3-D family, bench.generators.oracle.world3d, overrides these)
    world_provenance: dict[str, Any] = {}   # extra provenance keys (the 2-D world adds none)

    def _render(self) -> Any:
        """The world's ``render_probe``."""
        return render_probe

    def _applicable(self, probe: dict[str, Any], violation: str) -> tuple[bool, str]:
        return applicable(probe, violation)


def _audio_applies(probe: dict[str, Any], name: str, render: Any = None) -> tuple[bool, str]:
    """Audio hook: whether audio violation ``name`` applies (a sounding contact in the clean render
    at the default frame count; decided like ``bench.world.pipeline.applicable``).  ``render``:
    the world's ``render_probe`` (default the 2-D one)."""
    from bench.audio.edits import AUDIO_VIOLATIONS

    if not AUDIO_VIOLATIONS[name].needs_sound:
        return True, ""
    _, truth = (render or render_probe)(probe, 0, audio=True)
    return (True, "") if truth.sounds else (False, f"violation {name}: no contact in this scene makes a sound")


def _audio_edits(video: Video, truth: Any, av_v: tuple[str, float] | None, av_n: tuple[str, float] | None,
                 seed: int, probe: dict[str, Any]) -> None:
    """Audio hook: inject the audio violation, then the audio nuisance (``bench.audio.edits``)."""
    from bench.audio.edits import apply_audio_nuisance, apply_audio_violation

    if av_v:
        try:
            apply_audio_violation(av_v[0], av_v[1], video, truth, video.fps, seed)
        except ValueError as e:
            raise UserError(f"violation {av_v[0]} does not apply to probe {probe.get('id')!r}: {e}") from None
        video.provenance["violation"] = truth.violation
    if av_n:
        apply_audio_nuisance(av_n[0], av_n[1], video, truth, seed)
        video.provenance["nuisance"] = truth.nuisance


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
    out = {"frames": s.get("frames", DEFAULT_FRAMES), "height": h, "width": w,
           "fps": None if fps is None else float(fps), "k": int(s.get("k", 0)), "jitter": float(s.get("jitter", 1.0))}
    if s.get("audio"):
        out["audio"] = True
    return out


@GENERATORS.register(FAMILY)
def make_oracle(name: str) -> Generator:
    """Factory for every oracle model name (see ``parse_name``)."""
    return OracleGenerator(name)
