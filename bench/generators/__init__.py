"""Generators: one interface (`base.Generator`) for the oracle world, diffusers pipelines, imports."""
