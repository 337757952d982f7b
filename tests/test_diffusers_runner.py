"""End to end: tiny pipelines through the runner and the run store (bench generate), offline."""

from __future__ import annotations

import json

import numpy as np

from bench.cli import main
from bench.store.run import RunStore
from bench.video import read_video
from tests.tinypipes import tiny_dir  # noqa: F401


def test_runner_generates_resumes_and_marks_random_weights(tmp_path, tiny_suite, tiny_dir):  # noqa: F811
    from bench import runner

    store = RunStore.create(tmp_path / "run", {"config": {"test": True}})
    s = runner.generate(store, ["tiny-wan"], [tiny_suite], samples=2, global_seed=7, settings={"frames": 5},
                        rank=0, world=1)
    assert s["generated"] == 4 and s["planned"] == 4
    rows = sorted(store.video_rows(), key=lambda r: (r["probe_id"], r["sample"]))
    assert len(rows) == 4
    for r in rows:
        assert r["random_weights"] is True and r["source"] == "generated"
        assert r["params"]["random_weights"] is True and r["params"]["frames"] == 5
        assert r["seed"] == runner.derive_seed(7, "physics", r["probe_id"], r["sample"])
        assert r["params"]["call"]["generator"] == f"torch.Generator('cpu').manual_seed({r['seed']})"
        v = read_video(tmp_path / "run" / r["path"])               # the lossless copy
        assert v.shape == (5, 32, 32, 3)
        assert v.content_hash() == r["content_sha256"]
    # two samples of one probe have different seeds, hence different videos
    a, b = (read_video(tmp_path / "run" / r["path"]).frames for r in rows[:2])
    assert not np.array_equal(a, b)
    again = runner.generate(store, ["tiny-wan"], [tiny_suite], samples=2, global_seed=7,
                            settings={"frames": 5}, rank=0, world=1)
    assert again["generated"] == 0 and again["skipped_done"] == 4


def test_same_job_same_frames_across_ranks(tmp_path, tiny_suite, tiny_dir):  # noqa: F811
    """Sharding changes who makes a video, never what it is."""
    from bench import runner

    one = RunStore.create(tmp_path / "one", {"config": {}})
    runner.generate(one, ["tiny-ltx"], [tiny_suite], samples=1, global_seed=3, rank=0, world=1)
    two = RunStore.create(tmp_path / "two", {"config": {}})
    for rank in (0, 1):
        runner.generate(two, ["tiny-ltx"], [tiny_suite], samples=1, global_seed=3, rank=rank, world=2)
    h1 = {r["probe_id"]: r["content_sha256"] for r in one.video_rows()}
    h2 = {r["probe_id"]: r["content_sha256"] for r in two.video_rows()}
    assert h1 == h2 and len(h1) == 2


def test_cli_generate_with_a_tiny_model(tmp_path, tiny_suite, tiny_dir, capsys):  # noqa: F811
    run = tmp_path / "cli"
    rc = main(["generate", "--model", "tiny-cogvideox", "--suite", str(tiny_suite.path), "--run", str(run),
               "--limit", "1", "--frames", "9"])
    assert rc == 0
    rows = [json.loads(x) for x in (run / "manifest.jsonl").read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["model"] == "tiny-cogvideox" and rows[0]["frames"] == 9
    assert rows[0]["random_weights"] is True
