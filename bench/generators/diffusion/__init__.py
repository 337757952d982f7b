"""Real generators: model cards (models/*.yaml), the diffusers adapter, tiny local pipelines."""
