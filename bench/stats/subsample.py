"""Uncertainty of set-level metrics (FD/FVD, KVD) by repeated **disjoint** subsampling.

A naive bootstrap of FD resamples feature vectors with replacement: duplicates shrink the rank
of the covariance and bias FD upward.  Instead (METRICS.md, Statistics), at a stated subset
size ``N``:

1. shuffle the generated features ``X`` (``n_x`` rows) and the reference features ``Y``
   (``n_y`` rows) with a seeded permutation;
2. cut each into ``K = min(⌊n_x / N⌋, ⌊n_y / N⌋)`` disjoint blocks of ``N`` rows (capped by
   ``max_subsets``); pair block ``k`` of ``X`` with block ``k`` of ``Y``;
3. ``v_k = fd(X_k, Y_k)``; report ``mean = (1/K) Σ v_k``, ``std`` (``ddof = 1``, NaN for
   ``K = 1``), ``N`` and ``K``.

Because the blocks are disjoint the ``v_k`` are independent draws of "FD at ``N``", so ``std``
is the spread of FD between independent evaluations of that size, and ``std / √K`` the
standard error of ``mean``.  FD is biased upward at finite ``N`` and the bias depends on the
model, so compare models only at the same ``N`` and against the **real-vs-real floor** at that
``N`` (``real_floor``: the same procedure between disjoint halves of the reference set).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

FdFn = Callable[[np.ndarray, np.ndarray], float]


@dataclass(frozen=True)
class SubsetEstimate:
    """Mean and spread of a set metric over ``n_subsets`` disjoint subsets of size ``n``."""

    mean: float
    std: float
    n: int
    n_subsets: int
    values: tuple[float, ...] = field(default=())

    @property
    def sem(self) -> float:
        """Standard error of ``mean``: ``std / √K`` (NaN for one subset)."""
        return self.std / math.sqrt(self.n_subsets) if self.n_subsets > 1 else math.nan

    def to_dict(self) -> dict:
        return {"value": self.mean, "std": self.std, "n": self.n, "n_subsets": self.n_subsets,
                "value_subsets": list(self.values)}


def _blocks(n_rows: int, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(n_rows)[: k * n].reshape(k, n)


def _summarise(vals: list[float], n: int) -> SubsetEstimate:
    v = np.asarray(vals, float)
    std = float(v.std(ddof=1)) if v.size > 1 else math.nan
    return SubsetEstimate(float(v.mean()), std, n, int(v.size), tuple(float(x) for x in v))


def subset_fd(feats: np.ndarray, ref_feats: np.ndarray, fd: FdFn, n: int, *, seed: int = 0,
              max_subsets: int | None = None) -> SubsetEstimate:
    """``fd`` between disjoint size-``n`` subsets of ``feats`` and of ``ref_feats``.

    ``fd(x, y) -> float`` takes two ``(n, d)`` feature matrices (FD, KVD, ...).  Raises
    ``ValueError`` when either set has fewer than ``n`` rows.
    """
    x, y = np.asarray(feats), np.asarray(ref_feats)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"feature matrices must be (n, d) with the same d, got {x.shape} and {y.shape}")
    if n < 2:
        raise ValueError(f"subset size must be at least 2, got {n}")
    k = min(x.shape[0] // n, y.shape[0] // n)
    if max_subsets is not None:
        k = min(k, int(max_subsets))
    if k < 1:
        raise ValueError(f"subset size {n} exceeds the smaller set ({min(x.shape[0], y.shape[0])} rows)")
    rng = np.random.default_rng(seed)
    bx, by = _blocks(x.shape[0], n, k, rng), _blocks(y.shape[0], n, k, rng)
    return _summarise([float(fd(x[bx[i]], y[by[i]])) for i in range(k)], n)


def real_floor(ref_feats: np.ndarray, fd: FdFn, n: int, *, seed: int = 0,
               max_subsets: int | None = None) -> SubsetEstimate:
    """Real-vs-real floor at size ``n``: ``fd`` between pairs of disjoint reference subsets.

    The reference is cut into ``2K`` disjoint blocks (``K = ⌊n_ref / 2n⌋``) and block ``2k`` is
    compared with block ``2k+1``.  A model whose FD is within the floor's spread is as close to
    the reference as the reference is to itself at this ``N``.
    """
    y = np.asarray(ref_feats)
    if n < 2:
        raise ValueError(f"subset size must be at least 2, got {n}")
    k = y.shape[0] // (2 * n)
    if max_subsets is not None:
        k = min(k, int(max_subsets))
    if k < 1:
        raise ValueError(f"a real-vs-real floor at N={n} needs at least {2 * n} reference rows, "
                         f"got {y.shape[0]}")
    b = _blocks(y.shape[0], n, 2 * k, np.random.default_rng(seed))
    return _summarise([float(fd(y[b[2 * i]], y[b[2 * i + 1]])) for i in range(k)], n)
