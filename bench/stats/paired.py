"""Paired comparisons of two models on the probes they share.

Every model is asked the same probes with the same seeds (``bench.runner.derive_seed`` leaves
the model out of the seed), so the natural unit of pairing is the **probe**: with ``m^A_p`` and
``m^B_p`` the two models' probe means (over their scored samples),

    d_p = m^A_p − m^B_p,        Δ = Σ_p w_p d_p

on the probes ``p`` that both models have scored, with the hierarchical weights ``w_p`` of
``bench.stats.aggregate`` recomputed on that shared set.  Samples are not paired across models
(two generators given the same seed draw unrelated noise).

Reported for each key (category / suite / overall):

- ``diff``: ``Δ`` (A − B, in the metric's units: for a pass rate, percentage points / 100);
- ``ci_lo, ci_hi``: percentile interval of the **paired bootstrap**: probes are drawn once per
  replicate (stratified, shared by both models, which is what pairs them), samples within each
  probe are redrawn independently for A and B (see ``bench.stats.bootstrap``);
- ``p_boot``: two-sided test of ``Δ = 0`` from the same replicates, normal form
  ``p = 2 Φ(−|Δ| / se*)`` with ``se*`` the replicates' standard deviation.  The normal form
  gives p-values fine enough for a Holm correction over many pairs (a percentile count is
  limited to multiples of ``1/B``); when ``se* = 0``, ``p = 1`` if ``Δ = 0`` else ``0``.  Beware
  few probes: when every probe differs the same way the bootstrap has no spread and ``p_boot``
  claims certainty (3 probes, each +1: ``p_boot ≈ 0``), which is why ranks use ``p_perm``;
- ``p_perm``: two-sided **sign-flip randomisation test** of ``T = Σ_p w_p d_p``.  Under "A and B
  are exchangeable on every probe" each ``d_p`` is symmetric about 0, so every sign pattern
  ``T* = Σ_p ± w_p d_p`` is equally likely.  Exact (all ``2^n`` patterns of the ``n`` non-zero
  differences) for ``n ≤ 12``: ``p = #{|T*| ≥ |T|} / 2^n`` (3 probes each +1: ``p = 2/8 = 0.25``);
  beyond that the normal form with the exact randomisation variance,
  ``p = 2 Φ(−|T| / √(Σ_p w_p² d_p²))``.  It respects the weights, needs no resampling and cannot
  claim more than ``n`` probes can show.  The default test behind ranks (``bench.stats.ranks``);
- ``p_wilcoxon``, ``w_stat``: Wilcoxon signed-rank test (``scipy.stats.wilcoxon``, two-sided,
  ``zero_method="wilcox"``: zero differences dropped) on the unweighted ``d_p`` of the key's
  probes; a distribution-free check that does not lean on the bootstrap.  Exact null
  distribution when there are at most 50 non-zero differences and no ties among ``|d_p|``,
  otherwise the normal approximation with tie correction (deterministic: never scipy's random
  permutation fallback);
- ``rank_biserial``: matched-pairs rank-biserial correlation (Kerby 2014),
  ``r = (R⁺ − R⁻) / (R⁺ + R⁻)`` with ``R^±`` the sums of the ranks of ``|d_p|`` (average ranks
  for ties) over positive / negative non-zero differences; ``r ∈ [−1, 1]``, 0 when all
  differences are zero;
- ``n_shared``: probes in the key scored by both.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from bench.stats.aggregate import LEVELS, Design, Level
from bench.stats.bootstrap import (DEFAULT_BOOT, DEFAULT_CI, denoise, percentile_interval,
                                   replicate_probe_means, rng_for, stratified_indices)

COLUMNS = ["level", "suite", "category", "diff", "ci_lo", "ci_hi", "se", "p_boot", "p_perm", "p_wilcoxon",
           "w_stat", "rank_biserial", "n_shared"]

#: Up to this many non-zero differences the sign-flip test enumerates every pattern.
EXACT_MAX = 12


def rank_biserial(d: np.ndarray) -> float:
    """Matched-pairs rank-biserial correlation of differences ``d`` (zeros dropped).

    >>> rank_biserial(np.array([1.0, 2.0, 3.0, -4.0]))   # R+ = 1+2+3 = 6, R- = 4: (6-4)/10
    0.2
    """
    d = np.asarray(d, float)
    d = d[d != 0]
    if d.size == 0:
        return 0.0
    r = stats.rankdata(np.abs(d))
    rp, rm = r[d > 0].sum(), r[d < 0].sum()
    return float((rp - rm) / (rp + rm))


def wilcoxon_signed_rank(d: np.ndarray) -> tuple[float, float]:
    """``(statistic, p)`` of the two-sided Wilcoxon signed-rank test on ``d``; ``(0, 1)`` when
    every difference is zero, ``(nan, nan)`` when there is nothing to test."""
    d = np.asarray(d, float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return math.nan, math.nan
    if not np.any(d != 0):
        return 0.0, 1.0
    nz = np.abs(d[d != 0])
    # exact null distribution when it is exact (no ties, n <= 50); otherwise the normal approximation
    # with tie correction.  (scipy's "auto" would switch to a random permutation test with ties.)
    method = "exact" if nz.size <= 50 and np.unique(nz).size == nz.size else "approx"
    res = stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided", method=method)
    return float(res.statistic), float(res.pvalue)


def sign_flip_p(d: np.ndarray, w: np.ndarray | None = None, exact_max: int = EXACT_MAX) -> float:
    """Two-sided sign-flip randomisation p-value of ``T = Σ w_p d_p`` (see the module docstring).

    >>> sign_flip_p(np.array([1.0, 1.0, 1.0]))          # 2 of the 8 sign patterns reach |T| = 3
    0.25
    """
    d = np.asarray(d, float)
    w = np.ones_like(d) if w is None else np.asarray(w, float)
    keep = (d != 0) & (w > 0) & np.isfinite(d)
    a = (w * d)[keep]
    n = a.size
    if n == 0:
        return 1.0
    t = abs(a.sum())
    if n <= exact_max:
        signs = 1 - 2 * ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1)
        tt = np.abs(signs @ a)
        return float(np.mean(tt >= t - 1e-12 * max(1.0, t)))
    return float(2.0 * stats.norm.sf(t / math.sqrt(float((a ** 2).sum()))))


def normal_p(diff: np.ndarray, se: np.ndarray) -> np.ndarray:
    """Two-sided ``2 Φ(−|diff| / se)``; ``se = 0`` gives 1 for ``diff = 0`` and 0 otherwise."""
    diff, se = np.asarray(diff, float), np.asarray(se, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(diff) / se
    p = 2.0 * stats.norm.sf(z)
    zero = se == 0
    return np.where(zero, np.where(diff == 0, 1.0, 0.0), p)


def shared(a: Design, b: Design) -> tuple[Design, Design]:
    """Both designs restricted to the probes both have scored (same order, same strata)."""
    common = set(a.probes) & set(b.probes)
    ra, rb = a.restrict(common), b.restrict(common)
    if ra.strata != rb.strata or not np.array_equal(ra.stratum, rb.stratum):
        raise ValueError("the two designs place the same probes in different suites/categories")
    return ra, rb


def paired_compare(a: Design, b: Design, *, levels: Sequence[Level] = LEVELS,
                   n_boot: int = DEFAULT_BOOT, ci: float = DEFAULT_CI, seed: int = 0,
                   rng: np.random.Generator | None = None, resample_seeds: bool = True,
                   suite_weights: Mapping[str, float] | None = None,
                   category_weights: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """Compare A and B (A − B) on their shared probes at every level; columns ``COLUMNS``."""
    sa, sb = shared(a, b)
    if sa.n_probes == 0:
        return pd.DataFrame(columns=COLUMNS)
    rng = rng if rng is not None else rng_for(seed, "paired")
    blocks = [sa.weights(lv, suite_weights=suite_weights, category_weights=category_weights)
              for lv in levels]
    W = np.concatenate([blk[1] for blk in blocks], axis=1)
    d = sa.probe_means() - sb.probe_means()
    est = denoise(d @ W)
    reps = np.empty((n_boot, W.shape[1]))
    chunk = 500
    for start in range(0, n_boot, chunk):
        nb = min(chunk, n_boot - start)
        idx = stratified_indices(sa, nb, rng)
        ma = replicate_probe_means(sa, idx, rng, resample_seeds)
        mb = replicate_probe_means(sb, idx, rng, resample_seeds)
        reps[start:start + nb] = (ma - mb) @ W
    reps = denoise(reps)
    lo, hi = percentile_interval(reps, ci)
    se = reps.std(axis=0, ddof=1)
    p = normal_p(est, se)
    rows = []
    k = 0
    for lv, (keys, Wl) in zip(levels, blocks):
        for j, (s, c) in enumerate(keys):
            inside = Wl[:, j] > 0
            w_stat, p_w = wilcoxon_signed_rank(d[inside])
            rows.append({"level": lv, "suite": s, "category": c, "diff": float(est[k]),
                         "ci_lo": float(lo[k]), "ci_hi": float(hi[k]), "se": float(se[k]),
                         "p_boot": float(p[k]), "p_perm": sign_flip_p(denoise(d[inside]), Wl[inside, j]),
                         "p_wilcoxon": p_w, "w_stat": w_stat,
                         "rank_biserial": rank_biserial(d[inside]), "n_shared": int(inside.sum())})
            k += 1
    return pd.DataFrame(rows, columns=COLUMNS)
