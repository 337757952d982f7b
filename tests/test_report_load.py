"""Readers of run directories: every analysis goes through these."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bench.errors import UserError
from bench.report.load import SCORE_COLUMNS, manifest_df, runs_df, scores_df, set_scores_df
from bench.report.synthetic import SynthModel, make_run


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    a = make_run(root / "run-a", {"oracle": SynthModel(1.0), "gen": SynthModel(0.6, 0.1),
                                  "tiny": SynthModel(0.5, random_weights=True)},
                 probes_per_category=2, samples=2, seed=1)
    b = make_run(root / "run-b", {"gen2": SynthModel(0.5)}, probes_per_category=2, samples=1, seed=2,
                 videos=False, run_meta={"random_weights": True})
    return a, b


def test_scores_df_has_contract_columns_and_flags(two_runs):
    a, b = two_runs
    s = scores_df([a, b])
    assert list(s.columns[: len(SCORE_COLUMNS)]) == SCORE_COLUMNS
    assert set(s["run_id"]) == {"run-a", "run-b"}
    rw = s.groupby("model")["random_weights"].agg(["all", "any"])
    # per-video manifest flag (tiny) and run-level run.json flag (gen2, every row of run-b)
    assert rw.loc["tiny", "all"] and rw.loc["gen2", "all"]
    assert not rw.loc["gen", "any"] and not rw.loc["oracle", "any"]
    # one path or a list give the same rows
    pd.testing.assert_frame_equal(scores_df(a), scores_df([a]))


def test_unconsolidated_score_parts_are_read(two_runs, tmp_path):
    import shutil

    run = tmp_path / "run-c"
    shutil.copytree(two_runs[1], run)
    (run / "run.json").write_text(json.dumps({**json.loads((run / "run.json").read_text()), "run_id": "run-c"}))
    s = pd.read_parquet(run / "scores.parquet")
    extra = s.iloc[:1].assign(metric="temporal.extra")
    (run / "scores.parts").mkdir()
    extra.to_parquet(run / "scores.parts" / "rank0000-1.parquet", index=False)
    out = scores_df(run)
    assert "temporal.extra" in set(out["metric"])
    assert (out["run_id"] == "run-c").all()


def test_manifest_runs_and_set_scores(two_runs):
    a, b = two_runs
    m = manifest_df([a, b])
    assert {"run_id", "run_dir", "abs_path", "random_weights"} <= set(m.columns)
    ok = m[m["run_id"] == "run-a"]
    assert all(p.endswith(".mkv") for p in ok["abs_path"])
    assert all(__import__("os").path.exists(p) for p in ok["abs_path"])
    r = runs_df([a, b]).set_index("run_id")
    assert r.at["run-b", "random_weights"] and r.at["run-a", "random_weights"]   # run-a holds 'tiny'
    assert r.at["run-a", "suites"]["physics"] == "a" * 64
    assert r.at["run-a", "profile"] == "synthetic"
    sets = set_scores_df([a, b])
    assert {"n", "n_ref", "floor", "value_subsets"} <= set(sets.columns)
    assert sets.groupby("model")["random_weights"].all().to_dict() == {"gen": False, "gen2": True,
                                                                        "oracle": False, "tiny": True}


def test_bad_run_dirs_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="not found"):
        scores_df(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no run.json"):
        runs_df(tmp_path / "empty")
    with pytest.raises(UserError, match="no run directories"):
        manifest_df([])
