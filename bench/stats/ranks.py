"""Ranks that show ties when differences are not significant.

Procedure, for one table (one metric at one level/key, a family of ``k`` entries):

1. every pair (A, B) is compared on its shared probes (``bench.stats.paired.paired_compare``),
   giving ``Δ_AB`` and a two-sided p-value: by default ``p_perm``, the sign-flip randomisation
   test of the weighted mean difference (exact for up to 12 differing probes, so a handful of
   probes can never look decisive); ``p_boot`` (paired bootstrap) or ``p_wilcoxon`` on request;
2. the ``m = k(k−1)/2`` p-values of the family are adjusted by **Holm's step-down method**
   (Holm 1979), which controls the family-wise error rate at ``α`` (default 0.05) under any
   dependence: with ``p_(1) ≤ … ≤ p_(m)``, ``p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) p_(j))``;
3. "A is better than B" when ``p̃_AB < α`` and ``Δ_AB`` points in the metric's good direction;
4. ``rank(A) = 1 + #{B better than A}`` — entries no pair can separate share a rank — and the
   rank **range** ``[rank(A), k − #{B that A is better than}]``: every rank A could hold in an
   ordering consistent with the significant differences.  Equal models get ``1`` and ``1–k``.

A pair with no shared probe is never significant.  Metrics with direction ``none``
(covariates) are not ranked.
"""

from __future__ import annotations

import itertools
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from bench.stats.aggregate import LEVELS, Design, Level, aggregate
from bench.stats.bootstrap import DEFAULT_BOOT, DEFAULT_CI, rng_for
from bench.stats.paired import paired_compare

KEY = ["level", "suite", "category"]
TESTS = ("p_perm", "p_boot", "p_wilcoxon")


def _norm(x: object) -> str | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)


def _keys(df: pd.DataFrame) -> list[tuple[str | None, ...]]:
    """(level, suite, category) per row, with None for an absent suite/category (NaN or None)."""
    return [tuple(_norm(v) for v in row) for row in zip(df["level"], df["suite"], df["category"])]


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm-adjusted p-values (same order as ``p``; NaN stays NaN and is not counted in ``m``).

    >>> holm([0.01, 0.04, 0.03, 0.005]).round(3).tolist()
    [0.03, 0.06, 0.06, 0.02]
    """
    p = np.asarray(p, float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="mergesort")]
    adj = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(adj)
    return out


def rank_label(lo: float, hi: float) -> str:
    """``"2"`` or ``"2–4"`` (en dash); ``"—"`` when unranked."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "—"
    lo, hi = int(lo), int(hi)
    return str(lo) if lo == hi else f"{lo}–{hi}"


def significance_ranks(estimates: Mapping[str, float], pairs: pd.DataFrame, *,
                       direction: str = "higher") -> pd.DataFrame:
    """Ranks from point estimates and the significant pairs.

    ``pairs``: columns ``a, b, diff, significant`` (``diff`` = A − B).  Returns ``entry,
    estimate, rank, rank_lo, rank_hi, n_better, n_worse`` sorted best first (NaN ranks for
    ``direction="none"``).
    """
    names = [n for n, v in estimates.items() if np.isfinite(v)]
    k = len(names)
    sign = {"higher": 1.0, "lower": -1.0}.get(direction)
    better = {n: set() for n in names}      # better[n]: entries significantly better than n
    if sign is not None:
        for r in pairs.itertuples(index=False):
            if r.a not in better or r.b not in better or not bool(r.significant):
                continue
            if sign * r.diff > 0:
                better[r.b].add(r.a)
            elif sign * r.diff < 0:
                better[r.a].add(r.b)
    rows = []
    for n in names:
        worse = sum(1 for m in names if n in better[m])
        if sign is None:
            rk = lo = hi = np.nan
        else:
            rk = lo = 1 + len(better[n])
            hi = k - worse
        rows.append({"entry": n, "estimate": float(estimates[n]), "rank": rk, "rank_lo": lo,
                     "rank_hi": hi, "n_better": len(better[n]), "n_worse": worse})
    df = pd.DataFrame(rows, columns=["entry", "estimate", "rank", "rank_lo", "rank_hi", "n_better", "n_worse"])
    key = -(sign or 1.0) * df["estimate"]
    return df.assign(_k=key).sort_values(["rank", "_k", "entry"], kind="mergesort").drop(columns="_k").reset_index(drop=True)


def compare_all(designs: Mapping[str, Design], *, direction: str = "higher",
                levels: Sequence[Level] = LEVELS, alpha: float = 0.05, test: str = "p_perm",
                adjust: str = "holm", n_boot: int = DEFAULT_BOOT, ci: float = DEFAULT_CI, seed: int = 0,
                resample_seeds: bool = True, suite_weights: Mapping[str, float] | None = None,
                category_weights: Mapping[str, Mapping[str, float]] | None = None,
                reference: str | None = None,
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All pairwise comparisons and significance-aware ranks for one metric.

    ``reference``: compare every entry with this one only (not all pairs) -- used for controls,
    where the question is "does this violation differ from the clean oracle?", and which would
    otherwise cost n(n-1)/2 paired bootstraps.

    Returns ``(pairs, ranks)``.  ``pairs``: one row per (pair, key) with the columns of
    ``paired_compare`` plus ``a, b, p_adj, significant``; the Holm family is one key (one level,
    suite, category).  ``ranks``: ``level, suite, category`` plus the columns of
    ``significance_ranks``.  ``test``: ``p_perm``, ``p_boot`` or ``p_wilcoxon``; ``adjust``: ``holm``
    or ``none``.
    """
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS}, got {test!r}")
    if adjust not in ("holm", "none"):
        raise ValueError(f"adjust must be 'holm' or 'none', got {adjust!r}")
    w = {"suite_weights": suite_weights, "category_weights": category_weights}
    names = sorted(n for n, d in designs.items() if d.n_probes)
    frames = []
    if direction in ("higher", "lower"):
        combos = (itertools.combinations(names, 2) if reference is None or reference not in names
                  else [(reference, n) for n in names if n != reference])
        for a, b in combos:
            r = paired_compare(designs[a], designs[b], levels=levels, n_boot=n_boot, ci=ci,
                               rng=rng_for(seed, "pair", a, b), resample_seeds=resample_seeds, **w)
            if len(r):
                frames.append(r.assign(a=a, b=b))
    pair_cols = ["a", "b", *KEY]
    if frames:
        pairs = pd.concat(frames, ignore_index=True)
        pairs = pairs[pair_cols + [c for c in pairs.columns if c not in pair_cols]]
        fam = _keys(pairs)
        p_adj = np.full(len(pairs), np.nan)
        for k in set(fam):
            ix = np.array([f == k for f in fam])
            pv = pairs[test].to_numpy(float)[ix]
            p_adj[ix] = holm(pv) if adjust == "holm" else pv
        pairs["p_adj"] = p_adj
        pairs["significant"] = pairs["p_adj"] < alpha
    else:
        pairs = pd.DataFrame(columns=pair_cols + ["diff", "ci_lo", "ci_hi", "se", "p_boot", "p_perm", "p_wilcoxon",
                                                  "w_stat", "rank_biserial", "n_shared", "p_adj", "significant"])

    est = []
    for n in names:
        t = aggregate(designs[n], levels, **w)
        est.append(t.assign(entry=n))
    if not est:
        return pairs, pd.DataFrame(columns=[*KEY, "entry", "estimate", "rank", "rank_lo", "rank_hi",
                                            "n_better", "n_worse"])
    est_df = pd.concat(est, ignore_index=True)
    ranks = []
    ek = _keys(est_df)
    pk = _keys(pairs) if len(pairs) else []
    for key in dict.fromkeys(ek):
        g = est_df[[k == key for k in ek]]
        sel = pairs[[k == key for k in pk]] if len(pairs) else pairs
        r = significance_ranks(dict(zip(g["entry"], g["estimate"])), sel, direction=direction)
        ranks.append(r.assign(level=key[0], suite=key[1], category=key[2]))
    ranks_df = pd.concat(ranks, ignore_index=True)
    ranks_df = ranks_df[[*KEY] + [c for c in ranks_df.columns if c not in KEY]]
    return pairs.reset_index(drop=True), ranks_df
