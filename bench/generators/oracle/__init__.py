"""Oracle-world generators: `oracle`, `oracle+<violation>[:magnitude]`, `oracle~<nuisance>[:level]`.

Importing this package registers the ``oracle`` family (``bench.generators.base.GENERATORS``);
see ``generator`` for the name grammar and settings.
"""

from bench.generators.oracle.generator import OracleGenerator, make_oracle, parse_name, settings_used, variant_names

__all__ = ["OracleGenerator", "make_oracle", "parse_name", "settings_used", "variant_names"]

from bench.generators.base import add_lister  # noqa: E402

add_lister(variant_names)


def _audio_variant_names() -> list[str]:
    """The oracle's audio violations and nuisances at default magnitude/level (``bench models``)."""
    from bench.audio.edits import AUDIO_NUISANCES, AUDIO_VIOLATIONS

    return [f"oracle+{v}" for v in AUDIO_VIOLATIONS] + [f"oracle~{n}" for n in AUDIO_NUISANCES]


add_lister(_audio_variant_names)
