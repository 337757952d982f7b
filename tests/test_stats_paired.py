"""Paired comparisons: a planted difference is found, an absent one is not, pairing removes probe difficulty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bench.stats.aggregate import Design
from bench.stats.paired import paired_compare, rank_biserial, sign_flip_p, wilcoxon_signed_rank


def _model(rng, base: np.ndarray, shift: float, samples: int = 2, cats: int = 4) -> Design:
    """Binary outcomes with per-probe pass probability clip(base + shift); probe p in category p % cats."""
    P = base.size
    q = np.clip(base + shift, 0, 1)
    values = (rng.random((P, samples)) < q[:, None]).astype(float)
    order = np.argsort(np.arange(P) % cats, kind="stable")          # contiguous strata, as from_frame makes
    return Design(probes=tuple(f"p{p:03d}" for p in order),
                  strata=tuple(("physics", f"C{c}") for c in range(cats)),
                  stratum=(order % cats).astype(np.int64), values=values[order],
                  counts=np.full(P, samples, dtype=np.int64))


def _overall(r: pd.DataFrame) -> pd.Series:
    return r[r["level"] == "overall"].iloc[0]


def test_planted_difference_is_found():
    rng = np.random.default_rng(11)
    base = rng.beta(2, 2, size=60)
    a, b = _model(rng, base, +0.25), _model(rng, base, 0.0)
    r = _overall(paired_compare(a, b, n_boot=2000, seed=0))
    assert r["diff"] > 0.1
    assert r["ci_lo"] > 0
    assert r["p_boot"] < 0.01
    assert r["p_perm"] < 0.01
    assert r["p_wilcoxon"] < 0.01
    assert r["rank_biserial"] > 0.3
    assert r["n_shared"] == 60


def test_absent_difference_is_not_found():
    rng = np.random.default_rng(12)
    base = rng.beta(2, 2, size=60)
    a, b = _model(rng, base, 0.0), _model(rng, base, 0.0)
    r = _overall(paired_compare(a, b, n_boot=2000, seed=0))
    assert r["p_boot"] > 0.05 and r["p_perm"] > 0.05 and r["p_wilcoxon"] > 0.05
    assert r["ci_lo"] < 0 < r["ci_hi"]


def test_false_positive_rate_under_the_null_is_at_most_nominal():
    # 200 null datasets: the share with p < 0.05 must not exceed the nominal 5% by more than noise.
    rng = np.random.default_rng(13)
    ps = {"p_boot": [], "p_perm": [], "p_wilcoxon": []}
    for i in range(200):
        base = rng.beta(2, 2, size=40)
        r = _overall(paired_compare(_model(rng, base, 0), _model(rng, base, 0), levels=("overall",),
                                    n_boot=400, seed=i))
        for k in ps:
            ps[k].append(r[k])
    for k, v in ps.items():
        assert np.mean(np.array(v) < 0.05) <= 0.09, k


def test_pairing_removes_probe_difficulty():
    # Probe difficulty varies widely (values 0..10); A is B + 0.3 on every probe, plus small noise.
    # Unpaired, the two models' 95% intervals overlap; paired on probes, the difference is clear.
    rng = np.random.default_rng(4)
    difficulty = rng.uniform(0, 10, size=40)
    def design(shift):
        rows = [("s", f"C{p % 4}", f"p{p}", s, difficulty[p] + shift + rng.normal(0, 0.1))
                for p in range(40) for s in range(2)]
        return Design.from_frame(pd.DataFrame(rows, columns=["suite", "category", "probe_id", "sample", "x"]))
    from bench.stats.bootstrap import bootstrap_ci

    a, b = design(0.3), design(0.0)
    ca = bootstrap_ci(a, levels=["overall"], n_boot=1000).iloc[0]
    cb = bootstrap_ci(b, levels=["overall"], n_boot=1000).iloc[0]
    assert ca["ci_lo"] < cb["ci_hi"]                       # unpaired intervals overlap
    r = _overall(paired_compare(a, b, n_boot=1000))
    assert r["diff"] == pytest.approx(0.3, abs=0.05)
    assert r["ci_lo"] > 0.2 and r["p_boot"] < 1e-6


def test_only_shared_probes_are_compared():
    rows_a = [("s", "c", f"p{i}", 0, 1.0) for i in range(0, 10)]
    rows_b = [("s", "c", f"p{i}", 0, 0.0) for i in range(4, 14)]
    cols = ["suite", "category", "probe_id", "sample", "x"]
    a, b = Design.from_frame(pd.DataFrame(rows_a, columns=cols)), Design.from_frame(pd.DataFrame(rows_b, columns=cols))
    r = _overall(paired_compare(a, b, n_boot=200))
    assert r["n_shared"] == 6 and r["diff"] == pytest.approx(1.0)
    # every shared difference is +1 with no spread: se* = 0, so p = 0 (a certain difference)
    assert r["p_boot"] == 0.0 and r["rank_biserial"] == 1.0
    none = paired_compare(a, Design.from_frame(pd.DataFrame([("s", "c", "zz", 0, 1.0)], columns=cols)))
    assert none.empty


def test_rank_biserial_by_hand():
    # |d| ranks 1, 2, 3, 4; R+ = 1 + 2 + 3 = 6, R- = 4: r = (6 - 4) / 10 = 0.2; zeros are dropped
    assert rank_biserial(np.array([1.0, 2.0, 3.0, -4.0, 0.0])) == pytest.approx(0.2)
    # ties: |d| = 1, 1, 2 -> ranks 1.5, 1.5, 3; R+ = 1.5 + 3, R- = 1.5: r = 3 / 6
    assert rank_biserial(np.array([1.0, -1.0, 2.0])) == pytest.approx(0.5)
    assert rank_biserial(np.zeros(5)) == 0.0


def test_wilcoxon_matches_scipy_and_handles_all_zero():
    # no ties among |d| (n <= 50): scipy's exact null distribution
    d = np.array([0.5, 1.0, -0.25, 0.75, 0.0, 1.25, 0.125])
    ref = stats.wilcoxon(d, zero_method="wilcox", method="exact")
    assert wilcoxon_signed_rank(d) == pytest.approx((ref.statistic, ref.pvalue))
    # ties (binary pass/fail differences): normal approximation with tie correction, deterministic
    d = np.array([1.0, 1.0, -1.0, 0.5, 0.5, 0.0, 1.0, 1.0])
    ref = stats.wilcoxon(d, zero_method="wilcox", method="approx")
    assert wilcoxon_signed_rank(d) == pytest.approx((ref.statistic, ref.pvalue))
    assert wilcoxon_signed_rank(np.zeros(4)) == (0.0, 1.0)


def test_sign_flip_exact_by_hand():
    # 3 probes, each +1: of the 8 sign patterns, (+,+,+) and (-,-,-) reach |T| = 3 -> p = 2/8
    assert sign_flip_p(np.array([1.0, 1.0, 1.0])) == 0.25
    # zeros carry no sign information and are dropped: same answer
    assert sign_flip_p(np.array([1.0, 0.0, 1.0, 1.0, 0.0])) == 0.25
    # weights: d = (1, 1, -1), w = (1/2, 1/4, 1/4): T = 0.5; |T*| over the 8 patterns takes values
    # 1 (x2), 0.5 (x4: the observed pattern among them), 0 (x2) -> p = 6/8
    assert sign_flip_p(np.array([1.0, 1.0, -1.0]), np.array([0.5, 0.25, 0.25])) == 0.75
    # 12 probes each +1: 2 / 4096; no difference at all: p = 1
    assert sign_flip_p(np.ones(12)) == pytest.approx(2 / 4096)
    assert sign_flip_p(np.zeros(5)) == 1.0


def test_sign_flip_normal_form_matches_monte_carlo():
    # beyond 12 differences: 2 Φ(−|T| / sqrt(Σ w² d²)) against 200 000 random sign patterns
    rng = np.random.default_rng(0)
    d = rng.normal(0.3, 1.0, size=30)
    w = np.full(30, 1 / 30)
    t = abs(w @ d)
    signs = rng.choice([-1.0, 1.0], size=(200_000, 30))
    mc = np.mean(np.abs(signs @ (w * d)) >= t)
    assert sign_flip_p(d, w) == pytest.approx(mc, abs=0.01)


def test_few_probes_cannot_look_decisive():
    # A passes and B fails on each of 3 probes, one sample each.  The bootstrap has no spread and its
    # normal-form p is 0; the sign-flip test says what 3 probes can show: p = 0.25.
    cols = ["suite", "category", "probe_id", "sample", "x"]
    a = Design.from_frame(pd.DataFrame([("s", "c", f"p{i}", 0, 1.0) for i in range(3)], columns=cols))
    b = Design.from_frame(pd.DataFrame([("s", "c", f"p{i}", 0, 0.0) for i in range(3)], columns=cols))
    r = _overall(paired_compare(a, b, n_boot=500))
    assert r["p_boot"] == 0.0
    assert r["p_perm"] == 0.25
