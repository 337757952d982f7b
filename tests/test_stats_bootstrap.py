"""Hierarchical bootstrap: coverage on simulated suites with a known mean, exact resampling variance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.stats.aggregate import Design
from bench.stats.bootstrap import bootstrap_ci, rng_for, stratified_indices


def _simulate(rng: np.random.Generator, kind: str) -> Design:
    """4 categories x 10 probes in two suites.  Every category has the same population mean, so
    the weighted estimand equals it: 0.3 (normal: probe effect N(0,1), seed noise N(0,0.5), 3 seeds)
    or 0.5 (binary: probe pass probability Beta(2,2), 2 seeds of Bernoulli outcomes)."""
    if kind == "normal":
        values = 0.3 + rng.normal(size=(40, 1)) + rng.normal(0, 0.5, size=(40, 3))
    else:
        values = (rng.random((40, 2)) < rng.beta(2, 2, size=(40, 1))).astype(float)
    return Design(probes=tuple(f"p{c}.{p}" for c in range(4) for p in range(10)),
                  strata=(("identity", "C2"), ("identity", "C3"), ("physics", "C0"), ("physics", "C1")),
                  stratum=np.repeat(np.arange(4), 10), values=values,
                  counts=np.full(40, values.shape[1], dtype=np.int64))


def _frame(d: Design) -> pd.DataFrame:
    return pd.DataFrame([(*d.strata[d.stratum[i]], p, s, d.values[i, s]) for i, p in enumerate(d.probes)
                         for s in range(d.counts[i])], columns=["suite", "category", "probe_id", "sample", "x"])


def test_simulated_layout_is_what_from_frame_builds():
    d = _simulate(np.random.default_rng(0), "normal")
    e = Design.from_frame(_frame(d))
    assert e.probes == d.probes and e.strata == d.strata
    np.testing.assert_array_equal(e.stratum, d.stratum)
    np.testing.assert_allclose(e.values, d.values)


@pytest.mark.parametrize("kind,mu", [("normal", 0.3), ("binary", 0.5)])
def test_coverage_near_nominal(kind, mu):
    # 200 simulated suites, 95% percentile intervals, the default two-stage scheme: coverage must land
    # in [0.90, 0.99] (measured: 0.935 normal, 0.96 binary).
    rng = np.random.default_rng(0)
    hits = 0
    for i in range(200):
        r = bootstrap_ci(_simulate(rng, kind), levels=["overall"], n_boot=500, seed=i)
        hits += bool(r.ci_lo[0] <= mu <= r.ci_hi[0])
    assert 0.90 <= hits / 200 <= 0.99


@pytest.mark.parametrize("kind,mu", [("normal", 0.3), ("binary", 0.5)])
def test_coverage_probes_only(kind, mu):
    # Resampling probes only within strata of 10 shrinks the variance by (n_c - 1)/n_c = 0.9 and the
    # percentile interval ignores the t correction, so coverage sits a little under nominal: expected
    # P(|Z| < 1.96 * sqrt(0.9)) ~ 0.937 minus ~0.01, measured 0.905 on both (Monte Carlo sd ~0.017).
    rng = np.random.default_rng(0)
    hits = 0
    for i in range(200):
        r = bootstrap_ci(_simulate(rng, kind), levels=["overall"], n_boot=500, seed=i, resample_seeds=False)
        hits += bool(r.ci_lo[0] <= mu <= r.ci_hi[0])
    assert 0.87 <= hits / 200 <= 0.99


def test_resampling_variance_matches_closed_form():
    # One stratum, P probes, S samples each.  By the law of total variance over the bootstrap,
    #   two-stage:   Var* = (1/P) [ (1/P) Σ_p (m_p − m̄)² + (1/P) Σ_p v_p / S ],  v_p = (1/S) Σ_s (y_ps − m_p)²
    #   probes only: Var* = (1/P) (1/P) Σ_p (m_p − m̄)²
    rng = np.random.default_rng(3)
    P, S = 30, 4
    y = rng.normal(size=(P, 1)) + rng.normal(0, 0.7, size=(P, S))
    df = pd.DataFrame([("s", "c", f"p{p}", s, y[p, s]) for p in range(P) for s in range(S)],
                      columns=["suite", "category", "probe_id", "sample", "x"])
    d = Design.from_frame(df)
    m = y.mean(axis=1)
    between = ((m - m.mean()) ** 2).mean()
    within = ((y - m[:, None]) ** 2).mean(axis=1).mean() / S
    for rs, expect in ((True, (between + within) / P), (False, between / P)):
        r = bootstrap_ci(d, levels=["overall"], n_boot=20000, seed=1, resample_seeds=rs)
        assert r.se[0] ** 2 == pytest.approx(expect, rel=0.05)
        assert r.estimate[0] == pytest.approx(m.mean())


def test_stratified_resampling_keeps_categories():
    df = pd.DataFrame({"suite": "s", "category": ["a"] * 3 + ["b"] * 5, "probe_id": [f"p{i}" for i in range(8)],
                       "x": np.arange(8.0)})
    d = Design.from_frame(df)
    idx = stratified_indices(d, 1000, np.random.default_rng(0))
    assert np.array_equal(d.stratum[idx], np.broadcast_to(d.stratum, idx.shape))


def test_levels_share_replicates_and_are_seeded():
    rng = np.random.default_rng(5)
    d = _simulate(rng, "binary")
    a = bootstrap_ci(d, n_boot=300, seed=7)
    b = bootstrap_ci(d, n_boot=300, seed=7)
    c = bootstrap_ci(d, n_boot=300, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["ci_lo"], c["ci_lo"])
    assert set(a["level"]) == {"category", "suite", "overall"}
    assert (a["ci_lo"] <= a["estimate"] + 1e-12).all() and (a["estimate"] <= a["ci_hi"] + 1e-12).all()


def test_rng_for_is_order_independent():
    x = rng_for(0, "ci", "modelA", "probe.pass").random(3)
    rng_for(0, "ci", "modelB", "probe.pass").random(10)
    assert np.array_equal(x, rng_for(0, "ci", "modelA", "probe.pass").random(3))
    assert not np.array_equal(x, rng_for(1, "ci", "modelA", "probe.pass").random(3))


def test_constant_values_give_a_point_interval_and_empty_design_gives_empty_frame():
    df = pd.DataFrame({"suite": "s", "category": "c", "probe_id": ["a", "b", "c"], "x": [1.0, 1.0, 1.0]})
    r = bootstrap_ci(Design.from_frame(df), levels=["overall"], n_boot=200)
    assert (r.estimate[0], r.ci_lo[0], r.ci_hi[0]) == (1.0, 1.0, 1.0)
    assert bootstrap_ci(Design.empty()).empty


def test_ragged_seed_counts():
    # probe a: samples (1, 0) -> mean 0.5; probe b: one sample (1) -> 1.0; estimate (0.5 + 1) / 2
    df = pd.DataFrame({"suite": "s", "category": "c", "probe_id": ["a", "a", "b"], "x": [1.0, 0.0, 1.0]})
    d = Design.from_frame(df)
    assert d.counts.tolist() == [2, 1]
    r = bootstrap_ci(d, levels=["overall"], n_boot=2000, seed=0)
    assert r.estimate[0] == pytest.approx(0.75)
    assert 0.0 <= r.ci_lo[0] < 0.75 < r.ci_hi[0] <= 1.0
