"""The 3-D oracle generator family: ``oracle3d``, ``oracle3d+<violation>[:m]``, ``oracle3d~<nuisance>[:l]``.

Same grammar, settings, provenance and artifacts as the 2-D ``oracle`` family
(``bench.generators.oracle.generator``; one parser serves both), rendered by the 3-D world
(``bench.world3d.render_probe3d``).  Nuisances: the 2-D world's 7 plus ``pan``, ``light`` and
``retexture`` (``bench.world3d.nuisances``).  Setting ``audio: true`` synthesises the contacts'
sound as in the 2-D world, and the audio violations/nuisances (``av_*``, ``aac`` ...,
``bench.audio.edits``) apply to it.  Revision ``world3d-<WORLD3D_VERSION>``;
``provenance["world"]`` is ``"3d"``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bench.generators.base import GENERATORS, Generator, GeneratorInfo
from bench.generators.oracle.generator import OracleGenerator, _audio_applies, _audio_edits, _audio_unit, \
    _is_audio, parse_name, settings_used
from bench.video import Video
from bench.world.violations import VIOLATIONS

FAMILY3D = "oracle3d"


def parse_name3d(name: str) -> tuple[tuple[str, float] | None, tuple[str, float] | None]:
    """``oracle3d+late:0.5~pan`` -> (("late", 0.5), ("pan", 0.04)); ``UserError`` if malformed."""
    from bench.world3d import ALL_NUISANCES, parse_nuisance3d

    return parse_name(name, FAMILY3D, parse_nuisance3d, ALL_NUISANCES)


def variant_names3d() -> list[str]:
    """Every oracle3d model name at default magnitude/level (for ``bench models``)."""
    from bench.world3d import ALL_NUISANCES

    return [FAMILY3D] + [f"{FAMILY3D}+{v}" for v in VIOLATIONS] + [f"{FAMILY3D}~{n}" for n in ALL_NUISANCES]


class Oracle3DGenerator(OracleGenerator):
    """Renders a probe's scene with the 3-D oracle world."""

    def __init__(self, name: str):
        from bench.world3d import NUISANCES3D, WORLD3D_VERSION
        from bench.world.nuisances import NUISANCES

        self.violation, self.nuisance = parse_name3d(name)
        self.name = name
        parts = []
        if self.violation:
            parts.append(f"violation {self.violation[0]} at magnitude {self.violation[1]:g}")
        if self.nuisance:
            both = {**NUISANCES, **NUISANCES3D}
            unit = both[self.nuisance[0]].unit if self.nuisance[0] in both else _audio_unit(self.nuisance[0])
            parts.append(f"nuisance {self.nuisance[0]} at {self.nuisance[1]:g} {unit}")
        self.info = GeneratorInfo(
            name=name, kind="oracle", access="local",
            description="3-D world (PyBullet physics, TinyRenderer) with ground truth"
                        + (": " + "; ".join(parts) if parts else ""),
            revision=f"world3d-{WORLD3D_VERSION}", size="procedural (no weights)", licence="same as bench")
        self._applies: dict[str, tuple[bool, str]] = {}

    def supports(self, probe: dict[str, Any]) -> tuple[bool, str]:
        from bench.world3d import applicable3d

        if probe.get("scene") is None:
            return False, "text-only probe (scene: null); the oracle renders only probes with a scene"
        if self.violation is None:
            return True, ""
        if _is_audio(self.violation):
            from bench.world3d import render_probe3d

            return _audio_applies(probe, self.violation[0], render_probe3d)
        key = hashlib.sha256(json.dumps([probe.get("id"), probe["scene"], probe.get("expect")],
                                        sort_keys=True).encode()).hexdigest()
        if key not in self._applies:
            ok, why = applicable3d(probe, self.violation[0])
            self._applies[key] = (ok, f"violation {self.violation[0]}: {why}" if not ok else "")
        return self._applies[key]

    def generate(self, probe: dict[str, Any], seed: int, settings: dict[str, Any]) -> Video:
        from bench.world3d import render_probe3d

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
        video, truth = render_probe3d(probe, seed, frames=params["frames"], size=(params["height"], params["width"]),
                                      fps=params["fps"], k=params["k"], jitter=params["jitter"],
                                      violation=violation, nuisance=nuisance, audio=sound)
        if av_v or av_n:
            _audio_edits(video, truth, av_v, av_n, seed, probe)
        video.provenance.update({"params": params, "model": self.name, "revision": self.info.revision,
                                 "world": "3d", "artifacts": truth.to_bytes()})
        return video


@GENERATORS.register(FAMILY3D)
def make_oracle3d(name: str) -> Generator:
    """Factory for every oracle3d model name (see ``parse_name3d``)."""
    return Oracle3DGenerator(name)
