"""Temporal-consistency metrics, one per module.

Weight-free: ``flicker``, ``ssim``, ``psnr``, and on the shared optical flow (``flow``: OpenCV DIS
by default, computed once per video) ``warping_error``, ``motion_smoothness``
(``temporal.motion_smoothness_flow``), ``dynamic_degree`` and ``motion`` (the covariate).
With weights from the registry: ``lpips_metric`` (``temporal.lpips``).
"""

from bench.metrics.temporal import (  # noqa: F401  (each module registers its metric)
    dynamic_degree,
    flicker,
    lpips_metric,
    motion,
    motion_smoothness,
    psnr,
    ssim,
    warping_error,
)
