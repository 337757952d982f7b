"""Validity-matrix analysis on constructed scores with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.validity import auroc, parse_variant, validity_tables, write_validity, youden_threshold


def test_auroc_known_values():
    assert auroc([1, 2, 3], [0, 0, 0]) == 1.0          # clean always better
    assert auroc([0, 0], [1, 1]) == 0.0                # always worse
    assert auroc([1, 1], [1, 1]) == 0.5                # all ties count half
    # 2x2 pairs: (3>1) (3>4 no) (2>1) (2>4 no) -> 2 of 4
    assert auroc([3, 2], [1, 4]) == 0.5
    assert auroc([1.0], [2.0], higher_is_better=False) == 1.0


def test_youden_threshold_separates_a_separable_sample():
    thr, j = youden_threshold(np.array([0.8, 0.9, 1.0]), np.array([0.1, 0.2]))
    assert j == 1.0 and 0.2 < thr < 0.8


def test_parse_variant():
    assert parse_variant("oracle") == ("clean", None, None)
    assert parse_variant("oracle+vanish:0.5") == ("violation", "vanish", 0.5)
    assert parse_variant("oracle+teleport") == ("violation", "teleport", 1.0)
    assert parse_variant("oracle~h264:28") == ("nuisance", "h264", 28.0)
    assert parse_variant("wan2.1-t2v-1.3b") == ("other", None, None)


def _rows():
    rows, man = [], []
    for p in range(6):
        for model, val, verdict in (("oracle", 1.0, "pass"),
                                    ("oracle+vanish:0.5", 0.4 if p % 2 else 1.0, "fail" if p % 2 else "pass"),
                                    ("oracle+vanish:1.0", 0.0, "fail"),
                                    ("oracle~noise:1", 1.0 if p else 0.0, "pass" if p else "fail")):
            rows.append({"model": model, "suite": "permanence", "probe_id": f"permanence.x.p{p}", "sample": 0,
                         "metric": "probe.reappearance", "metric_kind": "probe", "direction": "higher",
                         "value": val, "verdict": verdict, "status": "ok"})
            # a covariate that cannot see the violation at all
            rows.append({"model": model, "suite": "permanence", "probe_id": f"permanence.x.p{p}", "sample": 0,
                         "metric": "temporal.flicker", "metric_kind": "standard", "direction": "higher",
                         "value": 0.99, "verdict": None, "status": "ok"})
            man.append({"model": model, "suite": "permanence", "probe_id": f"permanence.x.p{p}", "sample": 0,
                        "status": "ok", "content_sha256": "c" if model == "oracle" else f"{model}{p}"})
    return pd.DataFrame(rows), pd.DataFrame(man)


def test_validity_tables_on_constructed_scores(tmp_path):
    scores, man = _rows()
    t = validity_tables(scores, man)
    m = t["matrix"].set_index("metric")
    r = m.loc["probe.reappearance"]
    # 12 violated videos: 6 at magnitude 1.0 (all 0.0) and 3 of 6 at 0.5 (0.4); clean all 1.0.
    # pairs with clean better: 6 + 3 = 9 of 12 pairs strictly, 3 ties -> (9 + 1.5) / 12 = 0.875
    assert r["auroc"] == pytest.approx(0.875)
    assert r["detection_rate"] == pytest.approx(9 / 12)
    assert bool(r["monotone"]) is True
    d = t["dose"].set_index(["metric", "magnitude"])
    assert d.loc[("probe.reappearance", 0.5), "auroc"] == pytest.approx((3 + 1.5) / 6)
    assert d.loc[("probe.reappearance", 1.0), "auroc"] == pytest.approx(1.0)
    # the nuisance flipped 1 of 6 clean-passing videos to fail
    assert r["fpr_noise"] == pytest.approx(1 / 6)
    assert m.loc["temporal.flicker", "auroc"] == pytest.approx(0.5)  # blind: all ties
    paths = write_validity(t, tmp_path, provenance={"run_id": "r1", "suites": {"permanence": "ab" * 32}})
    csv = pd.read_csv(tmp_path / "validity.csv")
    assert {"metric", "violation", "auroc", "threshold", "monotone", "fpr_noise"} <= set(csv.columns)
    assert (tmp_path / "plots" / "validity_auroc.png").stat().st_size > 1000
    assert "| probe.reappearance | 0.88 |" in (tmp_path / "validity.md").read_text()
    assert all(p.exists() for p in paths)


def test_unchanged_videos_are_left_out():
    scores, man = _rows()
    man.loc[man.model == "oracle+vanish:0.5", "content_sha256"] = "c"  # identical to clean
    m = validity_tables(scores, man)["matrix"].set_index("metric")
    assert m.loc["probe.reappearance", "n_pairs"] == 6


def test_valid_column_needs_detection_at_full_magnitude_and_no_nuisance_flips():
    scores, man = _rows()
    m = validity_tables(scores, man)["matrix"].set_index("metric")
    r = m.loc["probe.reappearance"]
    assert r["detection_at_max"] == 1.0 and r["clean_fail_rate"] == 0.0
    assert not bool(r["valid"])  # the noise nuisance flips 1/6 > 10% of clean passes
    quiet = scores[scores.model != "oracle~noise:1"]
    m2 = validity_tables(quiet, man)["matrix"].set_index("metric")
    assert bool(m2.loc["probe.reappearance", "valid"])
    assert not bool(m2.loc["temporal.flicker", "valid"])  # standard metrics never gate the pass rate
