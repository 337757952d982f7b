"""Aggregation: per-video values, setup_failed, missing metrics, and the probe → overall hierarchy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bench.stats.aggregate import PASS_ID, Design, aggregate, check_indicator, counts_table, video_values


def _row(probe, cat, sample, metric, verdict=None, value=np.nan, status="ok", kind="probe", suite="physics",
         model="m"):
    return {"run_id": "r", "model": model, "suite": suite, "category": cat, "probe_id": probe, "sample": sample,
            "seed": sample, "metric": metric, "metric_version": "1", "metric_kind": kind,
            "direction": "higher", "value": value, "verdict": verdict, "reason": "", "status": status}


def _hand_scores() -> pd.DataFrame:
    """One model, four probes, two samples; the derivation of every number is in the tests."""
    g = "probe.gravity"
    return pd.DataFrame([
        # p1 (P1): pass, setup_failed                         -> probe mean 0.5
        _row("physics.p1", "P1", 0, g, "pass", 1.0), _row("physics.p1", "P1", 1, g, "setup_failed"),
        # p2 (P1): fail, fail                                 -> 0.0
        _row("physics.p2", "P1", 0, g, "fail", 0.0), _row("physics.p2", "P1", 1, g, "fail", 0.0),
        # p3 (P2): pass, unavailable (missing)                -> 1.0 over its one scored sample
        _row("physics.p3", "P2", 0, g, "pass", 1.0),
        _row("physics.p3", "P2", 1, g, None, status="unavailable"),
        # p4 (P2): both errored                               -> missing, not in the denominator
        _row("physics.p4", "P2", 0, g, None, status="error"), _row("physics.p4", "P2", 1, g, None, status="error"),
        # a standard metric that is unavailable everywhere    -> missing, never 0
        *[_row(p, c, s, "clip.sim", kind="standard", status="unavailable")
          for p, c in (("physics.p1", "P1"), ("physics.p3", "P2")) for s in (0, 1)],
    ])


def test_check_indicator_counts_setup_failed_as_failure():
    v = pd.Series(["pass", "fail", "setup_failed", None])
    assert check_indicator(v).tolist()[:3] == [1.0, 0.0, 0.0]
    assert math.isnan(check_indicator(v).iloc[3])


def test_hierarchy_with_setup_failed_and_missing():
    vals = video_values(_hand_scores())
    g = vals[vals["metric"] == "probe.gravity"]
    t = aggregate(Design.from_frame(g)).set_index(["level", "category"], drop=False)
    # P1 = mean(p1 = 0.5, p2 = 0.0) = 0.25;  P2 = mean(p3 = 1.0) = 1.0 (p4 has no scored sample)
    assert t.loc[("category", "P1"), "estimate"] == pytest.approx(0.25)
    assert t.loc[("category", "P2"), "estimate"] == pytest.approx(1.0)
    assert t.loc[("category", "P2"), "n_probes"] == 1
    # suite = equal weight per category = (0.25 + 1.0) / 2 = 0.625  (not the probe mean 0.5)
    suite = t[t["level"] == "suite"].iloc[0]
    assert suite["estimate"] == pytest.approx(0.625)
    assert suite["n_probes"] == 3 and suite["n_videos"] == 5


def test_missing_metric_is_nan_not_zero_and_counted():
    vals = video_values(_hand_scores())
    clip = vals[vals["metric"] == "clip.sim"]
    assert clip["x"].isna().all()
    assert Design.from_frame(clip).n_probes == 0
    assert aggregate(Design.from_frame(clip)).empty
    c = counts_table(vals).set_index(["metric", "category"])
    # gravity P1: 4 videos, 1 setup_failed, none missing; P2: 4 videos, 3 missing (1 unavailable + 2 errors)
    assert c.loc[("probe.gravity", "P1"), ["n_videos", "n_missing", "n_setup_failed"]].tolist() == [4, 0, 1]
    assert c.loc[("probe.gravity", "P2"), ["n_videos", "n_missing", "n_setup_failed"]].tolist() == [4, 3, 0]
    assert c.loc[("clip.sim", "P1"), "n_missing"] == 2


def test_combined_pass_is_three_valued():
    s, c = "probe.gravity", "probe.continuity"
    df = pd.DataFrame([
        _row("physics.a", "P1", 0, s, "pass", 1.0), _row("physics.a", "P1", 0, c, "pass", 1.0),    # 1
        _row("physics.b", "P1", 0, s, "pass", 1.0), _row("physics.b", "P1", 0, c, "fail", 0.0),    # 0
        _row("physics.c", "P1", 0, s, None, status="error"), _row("physics.c", "P1", 0, c, "fail", 0.0),  # 0
        _row("physics.d", "P1", 0, s, None, status="error"), _row("physics.d", "P1", 0, c, "pass", 1.0),  # NaN
        _row("physics.e", "P1", 0, s, "setup_failed"), _row("physics.e", "P1", 0, c, "pass", 1.0),  # 0, sf
    ])
    v = video_values(df)
    p = v[v["metric"] == PASS_ID].set_index("probe_id")
    assert p.loc[["physics.a", "physics.b", "physics.c", "physics.e"], "x"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert math.isnan(p.loc["physics.d", "x"])
    assert p["setup_failed"].tolist() == [False, False, False, False, True]
    # restricting the combination to one check: only 'continuity' counts
    v2 = video_values(df, combine_checks=[c])
    p2 = v2[v2["metric"] == PASS_ID].set_index("probe_id")["x"]
    assert p2.tolist() == [1.0, 0.0, 0.0, 1.0, 1.0]


def test_weights_follow_declared_schema_weights():
    # two suites; suite A has categories A1 (probes 1, 1) and A2 (probe 0); suite B has B1 (probe 0.5)
    df = pd.DataFrame({"suite": ["A", "A", "A", "B"], "category": ["A1", "A1", "A2", "B1"],
                       "probe_id": ["a.1", "a.2", "a.3", "b.1"], "x": [1.0, 1.0, 0.0, 0.5]})
    d = Design.from_frame(df)
    t = aggregate(d, ["suite", "overall"]).set_index("level")
    # equal weights: A = (1 + 0) / 2 = 0.5; B = 0.5; overall = 0.5
    assert t.loc["overall", "estimate"] == pytest.approx(0.5)
    # category_weights A1: 3, A2: 1 -> A = 0.75; suite_weights B: 3 -> overall = (0.75 + 3 * 0.5) / 4
    t = aggregate(d, ["suite", "overall"], category_weights={"A": {"A1": 3}}, suite_weights={"B": 3})
    t = t.set_index(["level", "suite"], drop=False)
    assert t.loc[("suite", "A"), "estimate"] == pytest.approx(0.75)
    assert t[t["level"] == "overall"]["estimate"].iloc[0] == pytest.approx((0.75 + 1.5) / 4)
    for lv in ("category", "suite", "overall"):
        _, W = d.weights(lv)
        np.testing.assert_allclose(W.sum(axis=0), 1.0)


def test_probe_under_two_categories_is_an_error():
    df = pd.DataFrame({"suite": ["A", "A"], "category": ["A1", "A2"], "probe_id": ["a.1", "a.1"], "x": [1.0, 0.0]})
    with pytest.raises(ValueError, match="more than one"):
        Design.from_frame(df)


def test_derived_pass_id_cannot_collide():
    df = pd.DataFrame([_row("physics.a", "P1", 0, PASS_ID, "pass", 1.0)])
    with pytest.raises(ValueError, match="derived pass id"):
        video_values(df)
