"""Minimum detectable difference: hand derivations, and a simulation that the power at the MDD is 0.8."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from bench.stats.power import mdd_mean, mdd_proportion, n_eff, z_sum


def test_z_sum():
    # z_0.975 = 1.959964, z_0.8 = 0.841621
    assert z_sum() == pytest.approx(1.959964 + 0.841621, abs=1e-6)
    assert z_sum(0.01, 0.9) == pytest.approx(2.575829 + 1.281552, abs=1e-6)


def test_mdd_by_hand():
    # unpaired, p = 0.5, n = 100: 2.801585 * sqrt(2 * 0.25 / 100) = 2.801585 * 0.0707107 = 0.198102
    assert mdd_proportion(100) == pytest.approx(0.198102, abs=1e-6)
    # unpaired, p = 0.9, n = 50: 2.801585 * sqrt(2 * 0.09 / 50) = 2.801585 * 0.06 = 0.168095
    assert mdd_proportion(50, 0.9) == pytest.approx(0.168095, abs=1e-6)
    # paired, discordant proportion 0.2, n = 100: 2.801585 * sqrt(0.2 / 100) = 0.125291
    assert mdd_proportion(100, paired=True, discordant=0.2) == pytest.approx(0.125291, abs=1e-6)
    # paired without a discordance estimate = independence = the unpaired value
    assert mdd_proportion(100, 0.3, paired=True) == pytest.approx(mdd_proportion(100, 0.3))
    # generic mean: sd 2, n 16 -> 2.801585 * 2 / 4
    assert mdd_mean(2.0, 16) == pytest.approx(1.4007925, abs=1e-6)
    assert math.isnan(mdd_mean(1.0, 0))


def test_n_eff():
    assert n_eff(np.full(10, 0.1)) == pytest.approx(10)
    # weights 1/2 and 1/6 x 3: (sum)^2 / sum of squares = 1 / (1/4 + 3/36) = 3
    assert n_eff(np.array([0.5, 1 / 6, 1 / 6, 1 / 6])) == pytest.approx(3.0)


def test_power_at_mdd_is_080_by_simulation():
    # Two groups of n = 400 Bernoulli outcomes with rates p and p + MDD(p): a two-sided z-test at 0.05
    # (unpooled standard error) rejects in about 80% of 4000 simulated experiments.
    rng = np.random.default_rng(0)
    n, p = 400, 0.5
    delta = mdd_proportion(n, p)
    a = rng.binomial(n, p, size=4000) / n
    b = rng.binomial(n, p + delta, size=4000) / n
    se = np.sqrt(a * (1 - a) / n + b * (1 - b) / n)
    reject = np.abs(b - a) / se > stats.norm.ppf(0.975)
    assert reject.mean() == pytest.approx(0.80, abs=0.03)


def test_bad_inputs():
    with pytest.raises(ValueError):
        mdd_proportion(10, 1.5)
    with pytest.raises(ValueError):
        z_sum(0, 0.8)
