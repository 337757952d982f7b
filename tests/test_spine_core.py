"""The spine's contracts: registries, seeds, sharding, Video I/O, run store, resume."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.errors import UserError
from bench.registry import Registry
from bench.runner import derive_seed, plan, shard, shard_from_env
from bench.store.run import RunStore
from bench.video import Video, read_metadata, read_video, write_video


def test_registry_duplicates_raise_and_unknown_names_are_user_errors():
    reg: Registry[int] = Registry("thing")
    reg.add("a", 1)
    with pytest.raises(ValueError, match="duplicate thing name 'a'"):
        reg.add("a", 2)
    with pytest.raises(UserError, match="unknown thing 'b' \\(known: a\\)"):
        reg.get("b")


def test_seed_is_deterministic_distinct_and_independent_of_model():
    s = derive_seed(7, "physics", "physics.freefall.red_ball", 0)
    assert s == derive_seed(7, "physics", "physics.freefall.red_ball", 0)
    assert 0 <= s < 2**63
    others = {derive_seed(7, "physics", "physics.freefall.red_ball", k) for k in range(1, 50)}
    others |= {derive_seed(8, "physics", "physics.freefall.red_ball", 0),
               derive_seed(7, "identity", "physics.freefall.red_ball", 0)}
    assert s not in others and len(others) == 51


def test_shard_env_parsing_and_partition():
    assert shard_from_env({}) == (0, 1)
    assert shard_from_env({"RANK": "1", "WORLD_SIZE": "3"}) == (1, 3)
    assert shard_from_env({"SLURM_PROCID": "2", "SLURM_NTASKS": "4"}) == (2, 4)
    with pytest.raises(UserError, match="RANK=3 is not in"):
        shard_from_env({"RANK": "3", "WORLD_SIZE": "3"})
    with pytest.raises(UserError, match="must be integers"):
        shard_from_env({"RANK": "x", "WORLD_SIZE": "2"})
    jobs = list(range(10))
    parts = [shard(jobs, r, 3) for r in range(3)]
    assert sorted(sum(parts, [])) == jobs  # every job exactly once


def test_plan_is_sorted_and_validates_counts(tiny_suite):
    jobs = plan(["m2", "m1"], [tiny_suite], samples=2, global_seed=0)
    assert [j.key for j in jobs] == sorted(j.key for j in jobs)
    assert len(jobs) == 2 * len(tiny_suite.probes) * 2
    with pytest.raises(UserError, match="--samples"):
        plan(["m"], [tiny_suite], samples=0, global_seed=0)
    with pytest.raises(UserError, match="--limit"):
        plan(["m"], [tiny_suite], samples=1, global_seed=0, limit=0)


def test_video_lossless_round_trip_is_bit_exact_and_tagged(tmp_path):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (6, 21, 30, 3), dtype=np.uint8)  # odd height on purpose
    v = Video(frames, fps=12.5, provenance={"model": "m", "prompt": "a red ball falls",
                                            "probe_id": "physics.x.y", "source": "rendered"})
    write_video(v, tmp_path / "a.mkv", lossless=True)
    back = read_video(tmp_path / "a.mkv")
    assert np.array_equal(back.frames, frames)
    assert back.fps == pytest.approx(12.5)
    tags = {k.lower(): v for k, v in read_metadata(tmp_path / "a.mkv").items()}
    assert tags["bench_synthetic"] == "1" and tags["bench_prompt"] == "a red ball falls"
    assert "synthetic" in tags["comment"] and "generator=m" in tags["comment"]
    write_video(v, tmp_path / "a.mp4", lossless=False)
    prev = read_video(tmp_path / "a.mp4")
    assert prev.T == 6 and prev.frames.shape[1:3] == (22, 30)  # padded to even for yuv420p
    assert read_metadata(tmp_path / "a.mp4")["bench_model"] == "m"
    assert not list(tmp_path.glob(".tmp-*"))


@pytest.mark.parametrize("content,msg", [(b"", "empty file"), (b"not a video at all" * 10, "cannot decode")])
def test_bad_video_files_are_one_line_user_errors(tmp_path, content, msg):
    p = tmp_path / "bad.mp4"
    p.write_bytes(content)
    with pytest.raises(UserError, match=msg) as e:
        read_video(p)
    assert str(p) in str(e.value) and "\n" not in str(e.value)


def test_video_rejects_wrong_dtype_and_shape():
    with pytest.raises(ValueError, match="uint8"):
        Video(np.zeros((2, 4, 4, 3), np.float32), fps=8)
    with pytest.raises(ValueError, match="T x H x W x 3"):
        Video(np.zeros((2, 4, 4), np.uint8), fps=8)
    with pytest.raises(ValueError, match="fps"):
        Video(np.zeros((2, 4, 4, 3), np.uint8), fps=0)


def _video(seed: int) -> Video:
    rng = np.random.default_rng(seed)
    return Video(rng.integers(0, 256, (3, 8, 8, 3), dtype=np.uint8), fps=8,
                 provenance={"params": {"frames": 3}, "artifacts": {"truth.json": b"{}"}})


def test_run_store_rows_resume_and_torn_lines(tmp_path):
    store = RunStore.create(tmp_path / "run", {"config": {}})
    key = {"model": "m", "suite": "physics", "probe_id": "physics.a.b", "sample": 0, "seed": 1}
    row = store.add_video(dict(key), _video(0))
    assert (store.root / row["path"]).exists() and (store.root / row["preview"]).exists()
    assert (store.root / row["artifacts"]["truth.json"]).read_bytes() == b"{}"
    assert row["params"] == {"frames": 3} and row["status"] == "ok"
    # a second shard racing on the same key, and a torn line from a killed writer
    store.add_video(dict(key), _video(1))
    with open(store.manifest_path, "ab") as f:
        f.write(b'{"model": "m", "suite": "phys')
    rows = store.rows()
    assert len(rows) == 1 and rows[0]["sha256"] == row["sha256"]  # first complete row wins
    assert store.done_keys() == {("m", "physics", "physics.a.b", 0)}
    # a deleted video file means the job is not done (it will be regenerated)
    (store.root / row["path"]).unlink()
    assert store.done_keys() == set()


def test_run_store_refuses_other_formats_and_missing_dirs(tmp_path):
    with pytest.raises(UserError, match="run directory not found"):
        RunStore.open(tmp_path / "nope")
    d = tmp_path / "old"
    d.mkdir()
    (d / "run.json").write_text(json.dumps({"format": 0}))
    with pytest.raises(UserError, match="run format 0 is not the supported format"):
        RunStore.open(d)


def _race_writer(root: str, rank: int, n: int) -> None:
    import pandas as pd

    store = RunStore.open(root)
    for i in range(n):
        df = pd.DataFrame([{"model": f"m{rank}", "suite": "s", "probe_id": f"p{i}", "sample": 0,
                            "metric": "x", "value": float(i)}])
        store.write_score_part(df, f"rank{rank}-{i:05d}")
        store.consolidate_scores()


def _race_reader(root: str, n: int, errors) -> None:
    store = RunStore.open(root)
    for _ in range(n):
        try:
            store.scores()
        except Exception as e:  # noqa: BLE001 - the test reports whatever broke
            errors.put(f"{type(e).__name__}: {e}")
            return


def test_reading_scores_while_other_ranks_consolidate_never_loses_a_part(tmp_path):
    # Regression: a rank reading scores (listing parts, then reading them) while another rank
    # consolidated (merging, then deleting parts) read a part that had just been deleted.
    import multiprocessing as mp

    store = RunStore.create(tmp_path / "run", {"config": {}})
    ctx = mp.get_context("fork")
    errors = ctx.Queue()
    procs = [ctx.Process(target=_race_writer, args=(str(store.root), r, 40)) for r in range(2)]
    procs += [ctx.Process(target=_race_reader, args=(str(store.root), 150, errors)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert errors.empty(), errors.get()
    df = store.scores()
    # every row of both writers survives consolidation: 2 ranks x 40 parts of one row each
    assert len(df) == 80 and not list(store.parts_dir.glob("*.parquet"))
