"""Oracle-world generators: `oracle`, `oracle+<violation>[:magnitude]`, `oracle~<nuisance>[:level]`.

Importing this package registers the ``oracle`` family (``bench.generators.base.GENERATORS``);
see ``generator`` for the name grammar and settings.
"""

from bench.generators.oracle.generator import OracleGenerator, make_oracle, parse_name, settings_used, variant_names

__all__ = ["OracleGenerator", "make_oracle", "parse_name", "settings_used", "variant_names"]

from bench.generators.base import add_lister  # noqa: E402

add_lister(variant_names)
