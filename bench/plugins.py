"""Import the modules that register generators and metrics (explicit list, no string dispatch).

Each entry is a package whose ``__init__`` imports its modules, and each module registers its
generator family or metric with an explicit name on import.
"""

from __future__ import annotations

_loaded = False


def load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    # generators
    import bench.generators.oracle  # noqa: F401  (oracle world, violations, nuisances)
    import bench.generators.diffusion  # noqa: F401  (model cards, diffusers adapter, tiny pipelines)
    # metrics
    import bench.metrics.temporal  # noqa: F401  (flicker, warping error, SSIM/PSNR, LPIPS, motion)
    import bench.metrics.clip  # noqa: F401  (CLIPSIM, CLIP-Temp)
    import bench.metrics.fvd  # noqa: F401  (FVD, KVD)
    import bench.metrics.probes  # noqa: F401  (weight-free probe checks)
    import bench.metrics.av  # noqa: F401  (audio-visual checks: av.sync, av.silence_when_still, AV-Align)
