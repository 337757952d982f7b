"""Runner + store + scorer end to end with a test generator and test metrics (no oracle needed).

The generator draws a bright square whose position depends on the seed, so determinism and
resume can be checked exactly; two test metrics count how often they run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench import scoring
from bench.generators.base import GENERATORS, Generator, GeneratorInfo
from bench.metrics.base import METRICS, MetricSpec, MetricValue, VideoMetric
from bench.runner import generate
from bench.store.run import RunStore
from bench.video import Video

CALLS = {"gen": 0, "m1": 0, "m2": 0}


class SquareGen(Generator):
    info = GeneratorInfo(name="test-square", kind="synthetic", access="local")

    def __init__(self, name: str):
        self.info = GeneratorInfo(name=name, kind="synthetic", access="local")

    def supports(self, probe):
        return (probe["category"] != "P6", "test generator does not do friction probes")

    def generate(self, probe, seed, settings):
        CALLS["gen"] += 1
        rng = np.random.default_rng(seed)
        t, s = settings.get("frames", 4), settings.get("size", 16)
        f = np.zeros((t, s, s, 3), np.uint8)
        y, x = rng.integers(0, s - 4, 2)
        f[:, y:y + 4, x:x + 4] = 255
        return Video(f, fps=8.0, provenance={"params": dict(settings), "source": "generated"})


class MeanBrightness(VideoMetric):
    spec = MetricSpec(id="test.mean", version="1", needs=("frames",), direction="none", range=(0, 255))

    def compute(self, video, sample):
        CALLS["m1"] += 1
        return MetricValue(float(video.frames.mean()))


class AlwaysPass(VideoMetric):
    spec = MetricSpec(id="test.check", version="1", needs=("frames", "probe"), kind="probe", range=(0, 1))

    def compute(self, video, sample):
        CALLS["m2"] += 1
        return MetricValue(1.0, verdict="pass", reason=f"{sample.probe_id} drawn")


class NeedsWeights(VideoMetric):
    spec = MetricSpec(id="test.weighted", version="1", needs=("frames",), weights=("no-such-weights",))

    def available(self):
        return False, "weights 'no-such-weights' missing; get them with `bench weights fetch no-such-weights`"


for name, obj in (("test-square", SquareGen),):
    if name not in GENERATORS:
        GENERATORS.add(name, obj)
for cls in (MeanBrightness, AlwaysPass, NeedsWeights):
    if cls.spec.id not in METRICS:
        METRICS.add(cls.spec.id, cls)

IDS = ["test.mean", "test.check", "test.weighted"]


def _gen(store, suite, **kw):
    return generate(store, ["test-square"], [suite], samples=2, global_seed=3,
                    settings={"frames": 4, "size": 16}, **kw)


def test_generate_resume_and_unsupported_jobs(tmp_path, tiny_suite):
    store = RunStore.create(tmp_path / "r", {"config": {}})
    CALLS["gen"] = 0
    s1 = _gen(store, tiny_suite)
    assert s1["generated"] == 2 and s1["unsupported"] == 2 and CALLS["gen"] == 2
    s2 = _gen(store, tiny_suite)  # resume: nothing left to do
    assert s2["generated"] == 0 and s2["skipped_done"] == 4 and CALLS["gen"] == 2
    skipped = [r for r in store.rows() if r["status"] == "skipped"]
    assert len(skipped) == 2 and all("friction" in r["reason"] for r in skipped)


def test_two_ranks_split_the_jobs_and_merge_without_duplicates(tmp_path, tiny_suite):
    store = RunStore.create(tmp_path / "r", {"config": {}})
    a = _gen(store, tiny_suite, rank=0, world=2)
    b = _gen(store, tiny_suite, rank=1, world=2)
    assert a["planned"] + b["planned"] == 4
    keys = [(r["probe_id"], r["sample"]) for r in store.rows()]
    assert len(keys) == len(set(keys)) == 4


def test_score_decodes_each_video_once_and_records_unavailable(tmp_path, tiny_suite, monkeypatch):
    store = RunStore.create(tmp_path / "r", {"config": {}})
    _gen(store, tiny_suite)
    decodes = []
    real = scoring.read_video
    monkeypatch.setattr(scoring, "read_video", lambda p: decodes.append(p) or real(p))
    CALLS["m1"] = CALLS["m2"] = 0
    summ = scoring.score_run(store, IDS, suites={tiny_suite.name: tiny_suite})
    assert len(decodes) == 2 == summ["decoded"]          # one decode per video, three metrics
    assert CALLS["m1"] == CALLS["m2"] == 2
    df = pd.read_parquet(store.scores_path)
    assert len(df) == 2 * 3
    un = df[df.metric == "test.weighted"]
    assert (un.status == "unavailable").all() and un.value.isna().all()
    assert un.reason.str.contains("bench weights fetch").all()
    ok = df[df.metric == "test.check"]
    assert (ok.verdict == "pass").all() and ok.reason.str.endswith("drawn").all()
    # the bright 4x4 square on 16x16 black: mean = 255 * 16 / 256 = 15.9375 exactly
    assert np.allclose(df[df.metric == "test.mean"].value, 255 * 16 / 256)
    # scoring again decodes nothing and writes identical bytes
    before = store.scores_path.read_bytes()
    decodes.clear()
    scoring.score_run(store, IDS, suites={tiny_suite.name: tiny_suite})
    assert decodes == [] and store.scores_path.read_bytes() == before


def test_score_refuses_a_corrupted_video(tmp_path, tiny_suite):
    from bench.errors import UserError

    store = RunStore.create(tmp_path / "r", {"config": {}})
    _gen(store, tiny_suite)
    row = store.video_rows()[0]
    p = store.root / row["path"]
    p.write_bytes(p.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(UserError, match="sha256 does not match the manifest"):
        scoring.score_run(store, ["test.mean"], suites={tiny_suite.name: tiny_suite})


def test_rescoring_redoes_only_a_changed_metric_version_and_newly_available_weights(tmp_path, tiny_suite,
                                                                                    monkeypatch):
    store = RunStore.create(tmp_path / "r", {"config": {}})
    _gen(store, tiny_suite)
    suites = {tiny_suite.name: tiny_suite}
    scoring.score_run(store, IDS, suites=suites)
    CALLS["m1"] = CALLS["m2"] = 0
    # a new release of test.mean (version 2) and the weights of test.weighted appear
    monkeypatch.setattr(MeanBrightness, "spec", MetricSpec(id="test.mean", version="2", needs=("frames",),
                                                           direction="none", range=(0, 255)))
    monkeypatch.setattr(NeedsWeights, "available", lambda self: (True, ""))
    monkeypatch.setattr(NeedsWeights, "compute", lambda self, v, s: MetricValue(7.0), raising=False)
    scoring.score_run(store, IDS, suites=suites)
    assert CALLS["m1"] == 2 and CALLS["m2"] == 0  # only the changed metric ran again
    df = pd.read_parquet(store.scores_path)
    assert len(df) == 2 * 3  # replaced, not duplicated
    assert set(df[df.metric == "test.mean"].metric_version) == {"2"}
    w = df[df.metric == "test.weighted"]
    assert (w.status == "ok").all() and (w.value == 7.0).all()


def test_resuming_with_a_new_generator_revision_is_refused(tmp_path, tiny_suite, monkeypatch):
    from bench.errors import UserError

    store = RunStore.create(tmp_path / "r", {"config": {}})
    monkeypatch.setattr(SquareGen, "__init__", lambda self, name: setattr(
        self, "info", GeneratorInfo(name=name, kind="synthetic", access="local", revision="v1")))
    _gen(store, tiny_suite)
    assert {r["revision"] for r in store.video_rows()} == {"v1"}
    assert _gen(store, tiny_suite)["generated"] == 0  # same revision: a plain resume
    monkeypatch.setattr(SquareGen, "__init__", lambda self, name: setattr(
        self, "info", GeneratorInfo(name=name, kind="synthetic", access="local", revision="v2")))
    # the same plan is all done: nothing new is made, the run stays one revision
    assert _gen(store, tiny_suite)["generated"] == 0
    n_videos = len(store.video_rows())
    with pytest.raises(UserError, match="made by revision 'v1'.*now at 'v2'.*--fresh"):
        generate(store, ["test-square"], [tiny_suite], samples=3, global_seed=3,
                 settings={"frames": 4, "size": 16})  # a third sample would be made by v2
    rows = store.video_rows()  # no v2 video was written beside the v1 ones
    assert len(rows) == n_videos and {r["revision"] for r in rows} == {"v1"}
