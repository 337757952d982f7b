"""The oracle world in three dimensions: PyBullet physics, TinyRenderer frames, exact ground truth.

Data flow (parts shared with the 2-D world ``bench.world`` are reused, not copied): ``scene``
(the probe's JSON, ``bench.world.scene``) -> ``ensemble`` perturbation (``bench.world.ensemble``)
-> ``sim3d`` (rigid bodies in PyBullet) -> ``violations`` (the 2-D planners, run on the 3-D
clean simulation; their edits are applied to the PyBullet state) -> ``draw``/``render3d``
(TinyRenderer: shading, shadows, textures, motion blur, noise; masks) -> ``Truth3D`` (the 2-D
schema plus 3-D extras) -> nuisances (the 2-D post-render ones plus pan, light, retexture).

Public API::

    render_probe3d(probe, seed, *, frames=24, size=128, fps=None, k=0, jitter=1.0,
                   violation=None, nuisance=None) -> (Video, Truth3D)
    applicable3d(probe, violation_name) -> (bool, reason)
    NUISANCES3D, ALL_NUISANCES, parse_nuisance3d

``WORLD3D_VERSION`` changes whenever renders or ground truth can change for the same inputs.
Design notes: ``docs/world3d.md``.
"""

WORLD3D_VERSION = "1"

from bench.world3d.nuisances import ALL_NUISANCES, NUISANCES3D, parse_nuisance3d  # noqa: E402
from bench.world3d.pipeline import applicable3d, render_probe3d  # noqa: E402

__all__ = ["WORLD3D_VERSION", "ALL_NUISANCES", "NUISANCES3D", "applicable3d", "parse_nuisance3d", "render_probe3d"]
