"""Minimum detectable difference (MDD) for a run's size.

The smallest true difference a two-sided level-``α`` test detects with probability ``power``,
under the normal approximation (z-test on a mean difference):

    MDD = (z_{1−α/2} + z_{power}) · σ_Δ,        σ_Δ = standard error of the difference.

Defaults ``α = 0.05``, ``power = 0.8``: ``z_{0.975} + z_{0.8} = 1.959964 + 0.841621 = 2.801585``.

Pass rates (probe means in [0, 1], ``n`` probes per model):

- **unpaired** (two independent models, equal true rate ``p``):
  ``σ_Δ = √(2 p (1 − p) / n)``, so ``MDD = 2.8016 · √(2 p(1−p) / n)``.  With ``p = 0.5``
  (the worst case) and ``n = 100``: ``2.8016 · √0.005 = 0.1981``.  For probe means averaged
  over several seeds ``p(1 − p)`` is an upper bound on their variance (any variable in [0, 1]
  with mean ``p`` has variance ≤ ``p(1 − p)``), so this MDD is conservative.
- **paired** (same probes, McNemar's normal form for small differences; Connor 1987):
  with ``ψ = P(the two models disagree on a probe)`` (discordant proportion),
  ``σ_Δ = √(ψ / n)``.  With ``ψ = 0.2``, ``n = 100``: ``2.8016 · √0.002 = 0.1253``.
  Without knowledge of ``ψ``, independence gives ``ψ = 2p(1 − p)``, the unpaired value.

Weighted estimates (``bench.stats.aggregate``) replace ``n`` by Kish's effective size
``n_eff = (Σ w_p)² / Σ w_p²`` (``= n`` for equal weights).  ``mdd_mean`` covers any metric:
``MDD = (z_{1−α/2} + z_{power}) · sd_diff / √n_eff`` with ``sd_diff`` the standard deviation of
the per-probe differences (paired) or ``√2 ×`` the per-probe standard deviation (unpaired).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def z_sum(alpha: float = 0.05, power: float = 0.8) -> float:
    """``z_{1−α/2} + z_{power}``."""
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError(f"alpha and power must be in (0, 1), got {alpha}, {power}")
    return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))


def n_eff(weights: np.ndarray) -> float:
    """Kish's effective sample size ``(Σ w)² / Σ w²``."""
    w = np.asarray(weights, float)
    w = w[w > 0]
    return float(w.sum() ** 2 / (w ** 2).sum()) if w.size else 0.0


def mdd_mean(sd_diff: float, n: float, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """``(z_{1−α/2} + z_{power}) · sd_diff / √n``; NaN when ``n < 1``."""
    if not n >= 1:
        return math.nan
    return z_sum(alpha, power) * float(sd_diff) / math.sqrt(n)


def mdd_proportion(n: float, p: float = 0.5, *, paired: bool = False, discordant: float | None = None,
                   alpha: float = 0.05, power: float = 0.8) -> float:
    """MDD of a pass rate over ``n`` probes (see the module docstring for the formulas).

    ``paired=False``: ``σ_Δ = √(2p(1−p)/n)``.  ``paired=True``: ``σ_Δ = √(ψ/n)`` with
    ``ψ = discordant`` (default ``2p(1−p)``, i.e. no correlation between the models).

    >>> round(mdd_proportion(100), 4)
    0.1981
    """
    if not 0 <= p <= 1:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if paired:
        psi = 2 * p * (1 - p) if discordant is None else float(discordant)
        if not 0 <= psi <= 1:
            raise ValueError(f"discordant proportion must be in [0, 1], got {psi}")
        return mdd_mean(math.sqrt(psi), n, alpha=alpha, power=power)
    return mdd_mean(math.sqrt(2 * p * (1 - p)), n, alpha=alpha, power=power)
