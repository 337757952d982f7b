"""Oracle-world generators: `oracle`, `oracle+<violation>[:magnitude]`, `oracle~<nuisance>[:level]`,
and the same for the 3-D world: `oracle3d`, `oracle3d+<violation>[:m]`, `oracle3d~<nuisance>[:l]`.

Importing this package registers the ``oracle`` family (``bench.generators.base.GENERATORS``);
see ``generator`` for the name grammar and settings.
"""

from bench.generators.oracle.generator import OracleGenerator, make_oracle, parse_name, settings_used, variant_names
from bench.generators.oracle.world3d import Oracle3DGenerator, make_oracle3d, parse_name3d, variant_names3d

__all__ = ["OracleGenerator", "Oracle3DGenerator", "make_oracle", "make_oracle3d", "parse_name", "parse_name3d",
           "settings_used", "variant_names", "variant_names3d"]

from bench.generators.base import add_lister  # noqa: E402

add_lister(variant_names)
add_lister(variant_names3d)


def _audio_variant_names() -> list[str]:
    """The oracle's audio violations and nuisances at default magnitude/level (``bench models``)."""
    from bench.audio.edits import AUDIO_NUISANCES, AUDIO_VIOLATIONS

    return [f"oracle+{v}" for v in AUDIO_VIOLATIONS] + [f"oracle~{n}" for n in AUDIO_NUISANCES]


add_lister(_audio_variant_names)
