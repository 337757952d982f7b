"""Set-level distribution metrics (FVD, KVD) on I3D features.

- ``i3d``: the InceptionI3d network (loads ``i3d_pretrained_400.pt``);
- ``extractor``: preprocessing modes and the TorchScript / state_dict detectors;
- ``stats``: Fréchet distance, KVD, mergeable sufficient statistics;
- ``fvd`` / ``kvd``: the ``fvd.i3d`` and ``kvd.i3d`` metrics;
- ``sets``: references (oracle ensembles, folders of real videos) and ``score_sets``.
"""

from bench.metrics.fvd import fvd, kvd  # noqa: F401  (register fvd.i3d, kvd.i3d)
