"""The oracle world: a procedural 2-D renderer with ground truth, violations and nuisances.

Data flow: ``scene`` (the probe's JSON, validated and parsed) -> ``ensemble`` (perturbed
initial conditions for render k) -> ``physics`` (exact event-driven simulation) ->
``violations`` (edits planned from the clean simulation) -> ``render`` (anti-aliased frames
and masks) -> ``truth`` (trajectories, masks, visibility, identities, counts) ->
``nuisances`` (post-render changes that must not change a verdict).

Public API (stable for other modules)::

    render_probe(probe, seed, *, frames=24, size=128, fps=None, k=0, jitter=1.0,
                 violation=None, nuisance=None) -> (Video, Truth)
    applicable(probe, violation_name) -> (bool, reason)
    VIOLATIONS: dict[name, ViolationSpec(name, default, checks, description, plan)]
    NUISANCES: dict[name, NuisanceSpec(name, unit, levels, default, lo, hi, description, apply)]
    Truth, load_truth(stem) ; validate_scene(scene, probe) -> list[str]

``WORLD_VERSION`` changes whenever renders or ground truth can change for the same inputs.
"""

WORLD_VERSION = "2"  # 2: displaced moves a body in a cup sideways

from bench.world.nuisances import NUISANCES, apply_nuisance, parse_nuisance  # noqa: E402
from bench.world.pipeline import applicable, render_probe  # noqa: E402
from bench.world.scene import validate_scene  # noqa: E402
from bench.world.truth import Truth, load_truth  # noqa: E402
from bench.world.violations import VIOLATIONS, parse_violation  # noqa: E402

__all__ = ["WORLD_VERSION", "NUISANCES", "VIOLATIONS", "Truth", "applicable", "apply_nuisance", "load_truth",
           "parse_nuisance", "parse_violation", "render_probe", "validate_scene"]
