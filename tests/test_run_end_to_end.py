"""`bench run --config` end to end, as `make bench` runs it: two worker ranks, a barrier between
generate and score, the final single-process pass, the validity notebook and the leaderboard."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from bench.cli import main


@pytest.mark.slow
def test_bench_run_with_two_workers_writes_leaderboard_and_validity(tmp_path, capsys):
    out = tmp_path / "results"
    cfg = {
        "name": "tiny", "suites": ["permanence"], "samples": 1, "limit": 2, "seed": 3, "workers": 2,
        "models": ["oracle", "oracle+vanish:1.0", "oracle+vanish:0.5", "oracle~noise"],
        "settings": {"frames": 12, "size": 64},
        "metrics": ["temporal.flicker", "probe.reappearance", "probe.spurious"],
        "report": {"out": str(out)}, "validate": True,
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(cfg))
    run = tmp_path / "run"
    assert main(["run", "--config", str(path), "--run", str(run)]) == 0
    err = capsys.readouterr().err
    assert "score (final pass): videos=8, decoded=0" in err  # the worker ranks scored everything
    from bench.store.run import RunStore

    assert {r["rank"] for r in RunStore.open(run).rows()} == {0, 1}  # both workers generated
    sc = pd.read_parquet(run / "scores.parquet")
    assert not sc.duplicated(["model", "probe_id", "sample", "metric"]).any()
    assert set(sc.model) == set(cfg["models"])
    for f in ("leaderboard.md", "leaderboard.csv", "leaderboard.html", "validity.csv", "validity.md",
              "validity.html"):
        assert (out / f).stat().st_size > 200, f
    v = pd.read_csv(out / "validity.csv")
    assert {"probe.reappearance"} <= set(v.metric) and (v.violation == "vanish").any()
    meta = json.loads((run / "run.json").read_text())
    assert meta["profile"] == "tiny" and set(meta["suites"]) == {"permanence"}
    # running again resumes: nothing generated, nothing decoded, the same scores
    before = (run / "scores.parquet").read_bytes()
    assert main(["run", "--config", str(path), "--run", str(run), "--no-report", "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "generated=0" in err and (run / "scores.parquet").read_bytes() == before
