"""The oracle world: a procedural 2-D renderer with ground truth, violations and nuisances."""
