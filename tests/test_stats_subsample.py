"""FD/KVD by disjoint subsampling: subsets are disjoint, counted, summarised; the floor sits below a real gap."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import linalg

from bench.stats.subsample import real_floor, subset_fd


def frechet(x: np.ndarray, y: np.ndarray) -> float:
    """Reference Fréchet distance: ‖μx − μy‖² + Tr(Σx + Σy − 2 (Σx Σy)^½), unbiased covariances, float64."""
    mx, my = x.mean(0), y.mean(0)
    sx, sy = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = linalg.sqrtm(sx @ sy).real
    return float(((mx - my) ** 2).sum() + np.trace(sx + sy - 2 * covmean))


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, x, y):
        self.calls.append((x.copy(), y.copy()))
        return float(len(self.calls))          # values 1, 2, 3, ...


def test_subsets_are_disjoint_and_counted():
    x = np.arange(23 * 2, dtype=float).reshape(23, 2)            # rows are unique
    y = 1000 + np.arange(17 * 2, dtype=float).reshape(17, 2)
    rec = Recorder()
    r = subset_fd(x, y, rec, n=5, seed=0)
    # K = min(floor(23/5), floor(17/5)) = min(4, 3) = 3 subsets of 5 rows each
    assert (r.n, r.n_subsets) == (5, 3)
    xs = np.concatenate([c[0][:, 0] for c in rec.calls])
    ys = np.concatenate([c[1][:, 0] for c in rec.calls])
    assert len(set(xs)) == 15 and len(set(ys)) == 15            # no row used twice
    # values 1, 2, 3: mean 2, std (ddof=1) 1, sem 1/sqrt(3)
    assert (r.mean, r.std) == (2.0, 1.0)
    assert r.sem == pytest.approx(1 / math.sqrt(3))
    assert r.to_dict()["value_subsets"] == [1.0, 2.0, 3.0]
    assert subset_fd(x, y, Recorder(), n=5, max_subsets=2).n_subsets == 2


def test_one_subset_has_no_spread_and_bad_sizes_raise():
    x = np.zeros((6, 2))
    r = subset_fd(x, x, lambda a, b: 1.0, n=4)
    assert r.n_subsets == 1 and math.isnan(r.std) and math.isnan(r.sem)
    with pytest.raises(ValueError, match="exceeds"):
        subset_fd(x, x, lambda a, b: 1.0, n=7)
    with pytest.raises(ValueError, match="same d"):
        subset_fd(x, np.zeros((6, 3)), lambda a, b: 1.0, n=2)
    with pytest.raises(ValueError, match="needs at least 8"):
        real_floor(x, lambda a, b: 1.0, n=4)


def test_gaussian_fd_gap_against_floor():
    # N(0, I_4) vs N(0.5·1, I_4): FD∞ = ‖μ‖² = 4 · 0.25 = 1.0.  At N = 400 the finite-N bias is small
    # (of order d²/N), so the subset mean is near 1; the real-vs-real floor is near 0 and far below it.
    rng = np.random.default_rng(0)
    d = 4
    gen = rng.normal(0.5, 1.0, size=(2000, d))
    ref = rng.normal(0.0, 1.0, size=(2000, d))
    r = subset_fd(gen, ref, frechet, n=400, seed=1)
    floor = real_floor(ref, frechet, n=400, seed=1)
    assert r.n_subsets == 5 and floor.n_subsets == 2
    assert r.mean == pytest.approx(1.0, abs=0.15)
    assert floor.mean < 0.15 < r.mean - 3 * r.std
    assert r.values == tuple(sorted(r.values, key=r.values.index))  # values kept in subset order


def test_seeded():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(100, 3)), rng.normal(size=(100, 3))
    assert subset_fd(x, y, frechet, n=20, seed=5) == subset_fd(x, y, frechet, n=20, seed=5)
    assert subset_fd(x, y, frechet, n=20, seed=5) != subset_fd(x, y, frechet, n=20, seed=6)
