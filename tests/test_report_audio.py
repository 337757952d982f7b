"""The leaderboard's audio column set: sound presence and av.* pass rates per entry, shown only
when some video has sound; numbers checked against a direct count."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bench.report import build_leaderboard
from bench.report.compute import audio_table
from bench.report.synthetic import SynthModel, make_run
from tests.test_report_leaderboard import fast_schema


def _add_sound(run, model: str, every: int = 2, seed: int = 0):
    """Give every ``every``-th video of ``model`` a manifest audio record and av.* verdicts."""
    rng = np.random.default_rng(seed)
    man = run / "manifest.jsonl"
    rows = [json.loads(x) for x in man.read_text().splitlines() if x.strip()]
    sc = pd.read_parquet(run / "scores.parquet")
    extra, k = [], 0
    for r in rows:
        if r["model"] != model:
            continue
        k += 1
        if k % every:
            continue
        r["audio"] = {"codec": "flac", "sample_rate": 16000, "channels": 2, "duration": 1.0}
        base = sc[(sc["model"] == model) & (sc["probe_id"] == r["probe_id"]) & (sc["sample"] == r["sample"])].iloc[0]
        for c in ("av.sync", "av.silence_when_still"):
            verdict = "pass" if rng.random() < 0.7 else "fail"
            extra.append({**base.to_dict(), "metric": c, "metric_kind": "probe", "value": float(verdict == "pass"),
                          "verdict": verdict, "reason": "", "status": "ok"})
        extra[-1]["verdict"] = "not_applicable" if k % 4 == 0 else extra[-1]["verdict"]
    man.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pd.concat([sc, pd.DataFrame(extra)], ignore_index=True).to_parquet(run / "scores.parquet", index=False)
    return pd.DataFrame(extra), sum(1 for r in rows if r["model"] == model), sum(1 for r in rows if "audio" in r)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("audio")
    silent = make_run(root / "silent", {"oracle": SynthModel(1.0), "genA": SynthModel(0.8)},
                      probes_per_category=2, samples=1, seed=1, videos=False)
    loud = make_run(root / "loud", {"oracle": SynthModel(1.0), "genA": SynthModel(0.8)},
                    probes_per_category=2, samples=1, seed=1, videos=False)
    return silent, loud, _add_sound(loud, "genA")


def test_audio_section_only_when_some_video_has_sound(runs, tmp_path):
    silent, loud, _ = runs
    build_leaderboard([silent], tmp_path / "s", schema=fast_schema(tmp_path), seed=0)
    assert "## Audio" not in (tmp_path / "s" / "leaderboard.md").read_text()
    build_leaderboard([loud], tmp_path / "l", schema=fast_schema(tmp_path), seed=0)
    md = (tmp_path / "l" / "leaderboard.md").read_text()
    assert "## Audio" in md and "av.sync pass" in md


def test_audio_rates_match_a_direct_count(runs):
    from bench.report.compute import compute_leaderboard
    from bench.report import load, load_schema
    from bench.report.schema import DEFAULT_SCHEMA

    _, loud, (extra, n_videos, n_sound) = runs
    lb = compute_leaderboard(load.scores_df([loud]), load.set_scores_df([loud]), load.manifest_df([loud]),
                             load.runs_df([loud]), schema=load_schema(DEFAULT_SCHEMA))
    a = lb.audio.set_index("entry")
    assert a.loc["genA", "videos"] == n_videos and a.loc["genA", "with_sound"] == n_sound > 0
    assert a.loc["genA", "sound_share"] == pytest.approx(n_sound / n_videos)
    assert a.loc["oracle", "with_sound"] == 0 and np.isnan(a.loc["oracle", "av.sync"])
    for c in ("av.sync", "av.silence_when_still"):
        v = extra.loc[extra["metric"] == c, "verdict"]
        v = v[v != "not_applicable"]
        assert a.loc["genA", f"{c} n"] == len(v)
        assert a.loc["genA", c] == pytest.approx((v == "pass").mean())


def test_audio_table_is_empty_without_sound():
    man = pd.DataFrame({"model": ["m"], "status": ["ok"], "random_weights": [False], "audio": [None]})
    ent = pd.DataFrame({"entry": ["m"], "model": ["m"], "section": ["generator"], "random_weights": [False]})
    sc = pd.DataFrame({"entry": ["m"], "metric": ["av.sync"], "verdict": ["pass"]})
    assert audio_table(sc, man, ent).empty
    assert audio_table(sc, man.drop(columns="audio"), ent).empty
