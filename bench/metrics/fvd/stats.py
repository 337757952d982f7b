"""Fréchet distance and kernel (polynomial-MMD) distance on feature sets: the numerics of FVD/KVD.

Pure functions on float64 arrays; no weights, no torch.

Fréchet distance between Gaussians fitted to two feature sets::

    FD = ‖μ₁ − μ₂‖² + Tr(Σ₁) + Tr(Σ₂) − 2·Tr( (Σ₁^½ Σ₂ Σ₁^½)^½ )

Covariance convention (``cov``): ``"biased"`` divides by N — StyleGAN-V's choice
(``FeatureStats.get_mean_cov``) and our default, so ``fvd.i3d`` matches the de-facto PyTorch
protocol; ``"unbiased"`` divides by N − 1 as the TF original and torchmetrics' FID do.  At
N = 2048 the two differ by about 0.05%.

Square root (``sqrt``): ``"eigh"`` (default) takes the symmetric route: eigendecompose Σ₁, keep
the eigen-directions above round-off (Σ₁ is rank-deficient when N ≤ d, and the null space
contributes exactly zero), form the symmetric PSD ``M = Σ₁^½ Σ₂ Σ₁^½`` there and sum the square
roots of its (clipped) eigenvalues.  ``"scipy"`` is StyleGAN-V's ``real(trace(sqrtm(Σ₁ Σ₂)))``,
retried on ``(Σ₁ + εI)(Σ₂ + εI)`` when the result is not finite.  Both compute the same quantity
(the eigenvalues of Σ₁Σ₂ and of Σ₁^½Σ₂Σ₁^½ coincide); they differ by round-off.

Sufficient statistics ``(n, Σx, Σxxᵀ)`` (``FeatureStats``) merge exactly across shards, so
sharded scoring gives the same FD as scoring everything in one process.

KVD: the unbiased MMD² estimate with the polynomial kernel ``k(x, y) = (xᵀy/d + 1)³``
(Bińkowski et al. 2018, as KID in StyleGAN2-ADA's metrics), averaged over random subsets of
``m = min(n₁, n₂, max_subset_size)`` items drawn without replacement, with a fixed seed::

    MMD²_u = 1/(m(m−1)) Σ_{i≠j} k(xᵢ,xⱼ) + 1/(m(m−1)) Σ_{i≠j} k(yᵢ,yⱼ) − 2/m² Σ_{i,j} k(xᵢ,yⱼ)

Reported as mean and (population) std over subsets.  KVD needs the features themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from bench.errors import UserError

Cov = Literal["biased", "unbiased"]
Sqrt = Literal["eigh", "scipy"]


@dataclass
class FeatureStats:
    """Mergeable sufficient statistics of a feature set: count, Σx and Σxxᵀ (float64)."""

    n: int
    s1: np.ndarray
    s2: np.ndarray

    @classmethod
    def empty(cls, dim: int) -> "FeatureStats":
        return cls(0, np.zeros(dim, np.float64), np.zeros((dim, dim), np.float64))

    @classmethod
    def from_features(cls, feats: np.ndarray) -> "FeatureStats":
        x = _as_2d(feats)
        return cls(int(x.shape[0]), x.sum(axis=0), x.T @ x)

    def update(self, feats: np.ndarray) -> "FeatureStats":
        return self.merge(FeatureStats.from_features(feats))

    def merge(self, other: "FeatureStats") -> "FeatureStats":
        if self.s1.shape != other.s1.shape:
            raise ValueError(f"cannot merge feature stats of dims {self.s1.shape[0]} and {other.s1.shape[0]}")
        return FeatureStats(self.n + other.n, self.s1 + other.s1, self.s2 + other.s2)

    __add__ = merge

    @property
    def dim(self) -> int:
        return int(self.s1.shape[0])

    def mean(self) -> np.ndarray:
        if self.n < 1:
            raise UserError("feature set is empty")
        return self.s1 / self.n

    def cov(self, cov: Cov = "biased") -> np.ndarray:
        """Covariance: (Σxxᵀ − n μμᵀ) / (n or n − 1)."""
        ddof = _ddof(cov)
        if self.n - ddof < 1:
            raise UserError(f"need at least {ddof + 1} features for a {cov} covariance, got {self.n}")
        mu = self.mean()
        c = (self.s2 - self.n * np.outer(mu, mu)) / (self.n - ddof)
        return (c + c.T) / 2.0

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"n": np.asarray(self.n, np.int64), "s1": self.s1, "s2": self.s2}

    @classmethod
    def from_arrays(cls, d: dict[str, np.ndarray]) -> "FeatureStats":
        return cls(int(d["n"]), np.asarray(d["s1"], np.float64), np.asarray(d["s2"], np.float64))


def _as_2d(feats: np.ndarray) -> np.ndarray:
    x = np.asarray(feats, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"features must be N×d, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise UserError("features contain NaN/inf")
    return x


def _ddof(cov: str) -> int:
    if cov == "biased":
        return 0
    if cov == "unbiased":
        return 1
    raise ValueError(f"cov must be 'biased' or 'unbiased', got {cov!r}")


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray, sqrt: Sqrt = "eigh", eps: float = 1e-6) -> float:
    """Tr((Σ₁^½ Σ₂ Σ₁^½)^½) = Tr(sqrtm(Σ₁Σ₂)) for symmetric PSD Σ₁, Σ₂ (float64)."""
    s1 = np.asarray(sigma1, np.float64)
    s2 = np.asarray(sigma2, np.float64)
    if sqrt == "eigh":
        w, v = np.linalg.eigh((s1 + s1.T) / 2.0)
        tol = max(float(w.max(initial=0.0)), 0.0) * w.shape[0] * np.finfo(np.float64).eps
        keep = w > tol
        if not keep.any():
            return 0.0
        half = v[:, keep] * np.sqrt(w[keep])          # Σ₁^½ restricted to its range: V_r diag(√w_r)
        m = half.T @ s2 @ half                        # r×r, symmetric PSD
        mu = np.linalg.eigvalsh((m + m.T) / 2.0)
        return float(np.sqrt(np.clip(mu, 0.0, None)).sum())
    if sqrt == "scipy":
        import scipy.linalg

        covmean = scipy.linalg.sqrtm(s1 @ s2)
        if not np.isfinite(covmean).all():
            off = np.eye(s1.shape[0]) * eps
            covmean = scipy.linalg.sqrtm((s1 + off) @ (s2 + off))
        return float(np.real(np.trace(covmean)))
    raise ValueError(f"sqrt must be 'eigh' or 'scipy', got {sqrt!r}")


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray,
                     sqrt: Sqrt = "eigh") -> float:
    """FD between N(μ₁, Σ₁) and N(μ₂, Σ₂) in float64 (see the module docstring)."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    if mu1.shape != mu2.shape:
        raise ValueError(f"feature dims differ: {mu1.shape} vs {mu2.shape}")
    diff = mu1 - mu2
    tr = float(np.trace(sigma1) + np.trace(sigma2)) - 2.0 * trace_sqrt_product(sigma1, sigma2, sqrt)
    return float(diff @ diff) + tr


def fd_from_stats(a: FeatureStats, b: FeatureStats, cov: Cov = "biased", sqrt: Sqrt = "eigh") -> float:
    return frechet_distance(a.mean(), a.cov(cov), b.mean(), b.cov(cov), sqrt)


def fd(x: np.ndarray, y: np.ndarray, cov: Cov = "biased", sqrt: Sqrt = "eigh") -> float:
    """FD between two feature sets (rows are items)."""
    return fd_from_stats(FeatureStats.from_features(x), FeatureStats.from_features(y), cov, sqrt)


def poly_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """k(x, y) = (xᵀy / d + 1)³ for all rows of x against all rows of y."""
    d = x.shape[1]
    return (x @ y.T / d + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² with the cubic polynomial kernel, for equally sized x, y (m ≥ 2)."""
    m = x.shape[0]
    if y.shape[0] != m or m < 2:
        raise ValueError("mmd2_unbiased needs two sets of the same size m ≥ 2")
    kxx, kyy, kxy = poly_kernel(x, x), poly_kernel(y, y), poly_kernel(x, y)
    off = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(off - 2.0 * kxy.sum() / (m * m))


def kvd(x: np.ndarray, y: np.ndarray, num_subsets: int = 100, max_subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float, int]:
    """(mean, std, m): unbiased polynomial MMD² averaged over ``num_subsets`` random subsets of
    size ``m = min(n_x, n_y, max_subset_size)``.  When m equals both set sizes every subset is the
    whole set, so one evaluation is made and std is 0."""
    x, y = _as_2d(x), _as_2d(y)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"feature dims differ: {x.shape[1]} vs {y.shape[1]}")
    m = min(x.shape[0], y.shape[0], max_subset_size)
    if m < 2:
        raise UserError(f"KVD needs at least 2 videos on each side, got {x.shape[0]} and {y.shape[0]}")
    if m == x.shape[0] == y.shape[0]:
        return mmd2_unbiased(x, y), 0.0, m
    rng = np.random.default_rng(seed)
    vals = np.empty(num_subsets, np.float64)
    for i in range(num_subsets):
        xs = x[rng.choice(x.shape[0], m, replace=False)]
        ys = y[rng.choice(y.shape[0], m, replace=False)]
        vals[i] = mmd2_unbiased(xs, ys)
    return float(vals.mean()), float(vals.std()), m


def disjoint_splits(n_total: int, n_a: int, repeats: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``repeats`` random splits of ``range(n_total)`` into A (size n_a) and B (the rest)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(repeats):
        perm = rng.permutation(n_total)
        out.append((np.sort(perm[:n_a]), np.sort(perm[n_a:])))
    return out
