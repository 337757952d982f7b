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

from typing import Any

from bench.generators.base import GENERATORS, Generator, GeneratorInfo
from bench.generators.oracle.generator import OracleGenerator, _audio_unit, parse_name
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

    world_provenance = {"world": "3d"}

    def _render(self) -> Any:
        from bench.world3d import render_probe3d

        return render_probe3d

    def _applicable(self, probe: dict[str, Any], violation: str) -> tuple[bool, str]:
        from bench.world3d import applicable3d

        return applicable3d(probe, violation)


@GENERATORS.register(FAMILY3D)
def make_oracle3d(name: str) -> Generator:
    """Factory for every oracle3d model name (see ``parse_name3d``)."""
    return Oracle3DGenerator(name)
