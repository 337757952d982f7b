"""The weights registry: the one place that resolves model weights.

``bench.weights.registry``: ``WeightEntry``, ``register``, ``get``, ``entries``, ``resolve``,
``status``, ``verify``, ``fetch``.  ``bench.weights.catalog``: the entries ``bench``'s own metrics
use (I3D, CLIP, AlexNet for LPIPS, RAFT, DINOv2).  CLI: ``bench weights list | fetch | verify``.
"""
