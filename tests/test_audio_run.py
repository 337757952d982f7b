"""`bench run` with sound: the clean oracle with `audio: true`, an audio violation and an audio
nuisance, scored by av.sync, reported in the validity matrix."""

from __future__ import annotations

import pandas as pd
import yaml

from bench.cli import main


def test_run_with_audio_controls(tmp_path, capsys):
    out = tmp_path / "results"
    cfg = {
        "name": "tiny-audio", "suites": ["physics"], "samples": 1, "limit": 3, "seed": 3, "workers": 1,
        "models": ["oracle", "oracle+av_late:1.0", "oracle~mono", "oracle+vanish:1.0"],
        "settings": {"frames": 24, "size": 96}, "model_settings": {"oracle": {"audio": True}},
        "metrics": ["av.sync", "av.silence_when_still"],
        "report": {"out": str(out)}, "validate": True,
    }
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump(cfg))
    run = tmp_path / "run"
    assert main(["run", "--config", str(path), "--run", str(run), "--no-report"]) == 0
    from bench.store.run import RunStore

    rows = {r["model"]: r for r in RunStore.open(run).video_rows()}
    assert rows["oracle"]["audio"]["codec"] == "flac" and rows["oracle"]["params"]["audio"] is True
    assert "audio" not in rows["oracle+vanish:1.0"] and "audio" not in rows["oracle+vanish:1.0"]["params"]
    sc = pd.read_parquet(run / "scores.parquet")
    sync = sc[sc.metric == "av.sync"]
    assert set(sync.model) == {"oracle", "oracle+av_late:1.0", "oracle~mono"}     # silent videos: no rows
    assert (sync[sync.model == "oracle"].verdict == "pass").all()
    assert (sync[sync.model == "oracle+av_late:1.0"].verdict == "fail").all()
    from bench.validity import validity_tables

    t = validity_tables(sc, pd.DataFrame(RunStore.open(run).video_rows()))
    m = t["matrix"]
    row = m[(m.metric == "av.sync") & (m.violation == "av_late")].iloc[0]
    assert row.n_pairs >= 2 and row.auroc == 1.0 and row.targets
    nu = t["nuisance"]
    assert float(nu[(nu.metric == "av.sync") & (nu.nuisance == "mono")].fpr.iloc[0]) == 0.0
