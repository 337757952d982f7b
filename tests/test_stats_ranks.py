"""Ranks with ties: Holm's correction, rank ranges, equal models tie, a planted winner stands alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.stats.aggregate import Design
from bench.stats.ranks import compare_all, holm, rank_label, significance_ranks


def _holm_reference(p):
    """Holm (1979) straight from the definition: reject H_(i) while p_(i) <= alpha / (m - i + 1);
    the adjusted p-value is the smallest alpha at which H_(i) is rejected."""
    p = list(p)
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[i]))
        out[i] = running
    return out


def test_holm_by_hand_and_against_definition():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, max(0.04*1, 0.06) = 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    rng = np.random.default_rng(0)
    for _ in range(20):
        p = rng.uniform(0, 0.2, size=7)
        assert holm(p) == pytest.approx(_holm_reference(p))
    out = holm([0.01, np.nan, 0.02])            # NaN is not a test: m = 2
    assert out[0] == pytest.approx(0.02) and np.isnan(out[1]) and out[2] == pytest.approx(0.02)


def test_rank_ranges_from_significant_pairs():
    # A > B significant; A ~ C and B ~ C not: A rank 1 (1–2), C rank 1 (1–3), B rank 2 (2–3)
    pairs = pd.DataFrame([("A", "B", 0.3, True), ("A", "C", 0.1, False), ("B", "C", -0.2, False)],
                         columns=["a", "b", "diff", "significant"])
    r = significance_ranks({"A": 0.8, "B": 0.5, "C": 0.7}, pairs).set_index("entry")
    assert [rank_label(r.at[e, "rank_lo"], r.at[e, "rank_hi"]) for e in "ACB"] == ["1–2", "1–3", "2–3"]
    # lower is better flips every conclusion: now B beats A
    r = significance_ranks({"A": 0.8, "B": 0.5, "C": 0.7}, pairs, direction="lower").set_index("entry")
    assert r.at["B", "rank"] == 1 and r.at["A", "rank"] == 2
    # covariates are not ranked
    r = significance_ranks({"A": 0.8}, pairs.iloc[:0], direction="none")
    assert np.isnan(r["rank"].iloc[0]) and rank_label(np.nan, np.nan) == "—"


def _designs(ps: dict[str, float], seed: int = 0, probes: int = 40) -> dict[str, Design]:
    rng = np.random.default_rng(seed)
    out = {}
    for name, p in ps.items():
        rows = [("physics", f"C{i % 4}", f"p{i:02d}", s, float(rng.random() < p))
                for i in range(probes) for s in range(2)]
        out[name] = Design.from_frame(pd.DataFrame(rows, columns=["suite", "category", "probe_id", "sample", "x"]))
    return out


def test_equal_models_share_rank_one():
    pairs, ranks = compare_all(_designs({"m1": 0.5, "m2": 0.5, "m3": 0.5, "m4": 0.5}), levels=("overall",),
                               n_boot=500, seed=0)
    assert (ranks["rank"] == 1).all()
    assert (ranks["rank_lo"] == 1).all() and (ranks["rank_hi"] == 4).all()
    assert len(pairs) == 6                                          # 4 choose 2 pairs in the family
    assert not pairs["significant"].any()


def test_planted_winner_stands_alone():
    pairs, ranks = compare_all(_designs({"best": 0.95, "m2": 0.4, "m3": 0.4}), n_boot=1000, seed=0)
    r = ranks[ranks["level"] == "overall"].set_index("entry")
    assert (r.at["best", "rank_lo"], r.at["best", "rank_hi"]) == (1, 1)
    for e in ("m2", "m3"):
        assert (r.at[e, "rank_lo"], r.at[e, "rank_hi"]) == (2, 3)
    ov = pairs[pairs["level"] == "overall"].set_index(["a", "b"])
    assert ov.loc[("best", "m2"), "significant"] and ov.loc[("best", "m3"), "significant"]
    assert not ov.loc[("m2", "m3"), "significant"]
    # Holm adjusts within the family (3 pairs): the adjusted p is never below the raw one
    assert (pairs["p_adj"] >= pairs["p_perm"] - 1e-15).all()


def test_ranks_per_suite_are_separate_families():
    d = _designs({"a": 0.9, "b": 0.2})
    pairs, ranks = compare_all(d, levels=("suite", "overall"), n_boot=300)
    assert set(ranks["level"]) == {"suite", "overall"}
    assert len(pairs) == 2                                              # one pair x (1 suite + overall)


def test_three_probes_never_separate_two_models():
    # 3 probes, A always passes and B always fails: the best exact sign-flip p is 2/8 = 0.25, so the
    # default test keeps them tied; asking for the bootstrap test separates them (its p is 0).
    cols = ["suite", "category", "probe_id", "sample", "x"]
    d = {"A": Design.from_frame(pd.DataFrame([("s", "c", f"p{i}", 0, 1.0) for i in range(3)], columns=cols)),
         "B": Design.from_frame(pd.DataFrame([("s", "c", f"p{i}", 0, 0.0) for i in range(3)], columns=cols))}
    _, ranks = compare_all(d, levels=("overall",), n_boot=300)
    assert (ranks["rank"] == 1).all()
    _, ranks = compare_all(d, levels=("overall",), n_boot=300, test="p_boot")
    assert ranks.set_index("entry")["rank"].to_dict() == {"A": 1, "B": 2}
