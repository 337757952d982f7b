"""FVD/KVD: the numerics against independent references, mergeable statistics, the I3D loaders
(state_dict and TorchScript, through the registry), references and ``score_sets``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.linalg

from bench.errors import UserError
from bench.metrics.base import METRICS
from bench.metrics.fvd import extractor as ext
from bench.metrics.fvd import stats
from bench.metrics.fvd.fvd import FVD
from bench.metrics.fvd.kvd import KVD
from bench.metrics.fvd.sets import reference_clips, score_sets
from bench.video import Video, write_video
from tests.tinymodels import build_i3d_files, moving_pattern


def _ref_fd(x: np.ndarray, y: np.ndarray, ddof: int) -> float:
    """Independent reference: numpy covariance + scipy sqrtm of the product (StyleGAN-V's route)."""
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False, ddof=ddof), np.cov(y, rowvar=False, ddof=ddof)
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.real(np.trace(covmean)))


@pytest.fixture
def feats():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(16, 16))
    x = rng.normal(size=(300, 16)) @ a + 1.0
    y = rng.normal(size=(250, 16)) @ (a * 1.3) + 0.5
    return x, y


@pytest.mark.parametrize("cov,ddof", [("biased", 0), ("unbiased", 1)])
@pytest.mark.parametrize("sqrt", ["eigh", "scipy"])
def test_fd_matches_independent_reference(feats, cov, ddof, sqrt):
    x, y = feats
    want = _ref_fd(x, y, ddof)
    got = stats.fd(x, y, cov=cov, sqrt=sqrt)
    assert got == pytest.approx(want, rel=1e-6)
    assert want > 1.0  # a non-trivial distance


def test_fd_of_identical_sets_is_zero():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 400)) * 3.0  # N < d: rank-deficient covariance, as with small runs
    assert abs(stats.fd(x, x)) < 1e-6
    assert abs(stats.fd(x, x, cov="unbiased")) < 1e-6


def test_biased_vs_unbiased_convention(feats):
    x, y = feats
    b, u = stats.FeatureStats.from_features(x), stats.FeatureStats.from_features(x)
    np.testing.assert_allclose(b.cov("biased") * 300 / 299, u.cov("unbiased"), rtol=1e-12)
    np.testing.assert_allclose(b.cov("unbiased"), np.cov(x, rowvar=False), rtol=1e-10, atol=1e-12)


def test_merging_shards_equals_whole(feats):
    x, y = feats
    whole = stats.FeatureStats.from_features(x)
    shards = [stats.FeatureStats.from_features(s) for s in np.array_split(x, 7)]
    merged = shards[0]
    for s in shards[1:]:
        merged = merged + s
    assert merged.n == whole.n
    np.testing.assert_allclose(merged.s1, whole.s1, rtol=1e-12)
    np.testing.assert_allclose(merged.s2, whole.s2, rtol=1e-12)
    ref = stats.FeatureStats.from_features(y)
    assert stats.fd_from_stats(merged, ref) == pytest.approx(stats.fd_from_stats(whole, ref), rel=1e-10)
    # round trip through arrays (what a shard would save)
    assert stats.FeatureStats.from_arrays(merged.to_arrays()).n == merged.n


def test_kvd_known_value():
    # d = 1, k(a, b) = (ab + 1)^3.  x = {0, 1}, y = {2, 3}:
    #   k(0,1) = 1           -> within-x term 2·1 / (2·1) = 1
    #   k(2,3) = 7^3 = 343   -> within-y term 2·343 / 2 = 343
    #   k(0,2) = k(0,3) = 1, k(1,2) = 27, k(1,3) = 64 -> cross term 2·93 / 4 = 46.5
    # MMD²_u = 1 + 343 − 46.5 = 297.5 (m = n: the single subset is the whole set, std 0)
    mean, std, m = stats.kvd(np.array([[0.0], [1.0]]), np.array([[2.0], [3.0]]))
    assert (mean, std, m) == (pytest.approx(297.5, abs=1e-12), 0.0, 2)


def test_kvd_subsets_are_seeded_and_unbiased_near_zero():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(120, 8)), rng.normal(size=(150, 8))
    a = stats.kvd(x, y, num_subsets=20, max_subset_size=50, seed=3)
    b = stats.kvd(x, y, num_subsets=20, max_subset_size=50, seed=3)
    assert a == b and a[2] == 50 and a[1] > 0
    assert abs(a[0]) < 0.05  # same distribution: the unbiased estimate centres on 0
    far = stats.kvd(x, y + 2.0, num_subsets=20, max_subset_size=50, seed=3)
    assert far[0] > 10 * abs(a[0])


def test_fvd_compute_set_reports_n_and_floor(feats):
    x, y = feats
    m = FVD.__new__(FVD)  # numerics only: no extractor needed
    FVD.__init__(m)
    res = m.compute_set(x[:40], y)
    assert res["n"] == 40 and res["n_ref"] == 250 and res["floor_n"] == 40
    assert res["value"] == pytest.approx(stats.fd(x[:40], y), rel=1e-12)
    assert math.isfinite(res["floor"]) and res["floor"] < res["value"]
    assert math.isnan(m.compute_set(x[:200], y)["floor"])  # N_ref < 2N: no floor at the same N
    k = KVD().compute_set(x[:40], y)
    assert k["n"] == 40 and k["std"] >= 0 and math.isfinite(k["floor"])


def test_t_below_9_is_a_clear_error():
    v = Video(np.zeros((8, 32, 32, 3), np.uint8), fps=8.0)
    with pytest.raises(UserError, match="8 frames; I3D .* needs at least 9"):
        FVD().features(v)
    with pytest.raises(UserError, match="at least 9"):
        ext.I3DFeatures(clip_frames=8)


def test_unavailable_without_weights():
    ok, why = FVD().available()
    assert not ok and "i3d-styleganv-torchscript" in why and "bench weights fetch" in why
    ok, why = FVD(extractor="state_dict").available()
    assert not ok and "i3d-pretrained-400" in why


@pytest.fixture(scope="module")
def i3d_files(tmp_path_factory):
    return build_i3d_files(tmp_path_factory.mktemp("i3d"))


def test_statedict_and_torchscript_give_the_same_features(i3d_files, monkeypatch, tmp_path):
    """Both real loading paths, through the registry (BENCH_WEIGHTS_DIR and an explicit path)."""
    sd_path, ts_path = i3d_files
    wdir = tmp_path / "weights"
    (wdir / "i3d-styleganv-torchscript").mkdir(parents=True)
    (wdir / "i3d-styleganv-torchscript" / "i3d_torchscript.pt").write_bytes(ts_path.read_bytes())
    monkeypatch.setenv("BENCH_WEIGHTS_DIR", str(wdir))
    video = Video(moving_pattern(t=9, h=48, w=64), fps=8.0)

    ts = FVD(extractor="torchscript")                    # found in $BENCH_WEIGHTS_DIR
    sd = FVD(extractor="state_dict", weights=sd_path)   # explicit path
    assert ts.available() == (True, "") or ts.available()[0]
    f_ts, f_sd = ts.features(video), sd.features(video)
    assert f_ts.shape == (400,) and f_ts.dtype == np.float64
    np.testing.assert_allclose(f_ts, f_sd, rtol=1e-4, atol=1e-4 * np.abs(f_sd).max())
    assert np.abs(f_sd).max() > 1e-3  # not a trivial all-zero output
    # the same network through our own preprocessing (rescale=False, resize=False) in another mode
    f_ts2 = FVD(extractor="torchscript", mode="tf_legacy").features(video)
    f_sd2 = FVD(extractor="state_dict", mode="tf_legacy", weights=sd_path).features(video)
    np.testing.assert_allclose(f_ts2, f_sd2, rtol=1e-4, atol=1e-4 * np.abs(f_sd2).max())
    assert not np.allclose(f_sd2, f_sd, rtol=1e-6)  # the resize filter changes the features
    # the cache key names the extractor, the weights' checksum and the mode, and is shared with KVD
    k = ts.cache_key()
    assert "extractor=torchscript" in k and "mode=styleganv" in k and "clip_frames=16" in k
    assert KVD(extractor="torchscript").cache_key() == k
    assert sd.cache_key() != k and FVD(extractor="torchscript", mode="center_crop").cache_key() != k


def test_state_dict_loader_rejects_wrong_files(tmp_path):
    import torch

    p = tmp_path / "i3d_pretrained_400.pt"
    torch.save({"conv.weight": torch.zeros(1)}, p)
    with pytest.raises(UserError, match="not an InceptionI3d"):
        ext.load_state_dict_model(p)


def test_preprocess_modes_shape_and_range():
    frames = moving_pattern(t=9, h=40, w=72)
    for mode in ext.MODES:
        x = ext.preprocess(frames, mode)
        assert tuple(x.shape) == (1, 3, 9, 224, 224)
        assert float(x.min()) >= -1.0 - 1e-6 and float(x.max()) <= 1.0 + 1e-6
    # TF1 legacy bilinear: source index = destination × in/out (no half-pixel offset)
    m = ext._tf_legacy_matrix(4, 8)
    np.testing.assert_allclose(m[:, :] @ np.arange(4.0), [0, 0.5, 1, 1.5, 2, 2.5, 3, 3])
    with pytest.raises(UserError, match="unknown FVD preprocessing mode"):
        ext.preprocess(frames, "bicubic")


class _MeanColourFVD(FVD):
    """FVD numerics on a cheap 3-d feature (mean colour + a little texture): tests ``score_sets``
    without I3D.  Not a real metric."""

    def __init__(self):
        super().__init__()

    def available(self):
        return True, ""

    def features(self, video):
        f = video.frames.astype(np.float64)
        return np.array([f[..., 0].mean(), f[..., 1].mean(), f[..., 2].std()])

    def cache_key(self):
        return "mean-colour-test@1"


def test_score_sets_groups_models_and_writes_parquet(tmp_path):
    import pandas as pd

    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"run_id": "r1"}))
    rng = np.random.default_rng(0)
    refs = [Video(moving_pattern(t=4, h=16, w=16, phase=float(p)), 8.0) for p in rng.uniform(0, 6, 12)]
    metric = _MeanColourFVD()
    rows, feats = [], {"fvd.i3d": {}}
    for model, shift in (("good", 0.0), ("bad", 40.0)):
        for i in range(3):
            v = Video(np.clip(moving_pattern(t=4, h=16, w=16, phase=float(rng.uniform(0, 6))).astype(int) + int(shift),
                              0, 255).astype(np.uint8), 8.0)
            sha = f"{model}{i}"
            rows.append({"model": model, "suite": "physics", "probe_id": f"p{i}", "sample": 0, "sha256": sha})
            if i < 2:
                feats["fvd.i3d"][sha] = metric.features(v)
            else:  # a feature only in the on-disk cache (written by another rank)
                from bench.metrics.fvd.sets import cached_features

                cached_features(run, metric, v, sha)
    rows.append({"model": "bad", "suite": "physics", "probe_id": "p9", "sample": 0, "sha256": "x", "status": "skipped"})
    df = score_sets(run, ["fvd.i3d"], feats, rows, refs, metrics={"fvd.i3d": metric})
    assert (run / "set_scores.parquet").exists()
    back = pd.read_parquet(run / "set_scores.parquet")
    assert list(back.columns)[:11] == ["run_id", "model", "suite", "metric", "metric_version", "n", "n_ref", "value",
                                       "std", "floor", "reference"]
    by = df.set_index("model")
    assert set(by.index) == {"good", "bad"} and (df["run_id"] == "r1").all()
    assert by.loc["good", "n"] == 3 and by.loc["good", "n_ref"] == 12 and by.loc["good", "floor_n"] == 3
    assert by.loc["bad", "value"] > by.loc["good", "value"]
    assert (df["status"] == "ok").all() and by.loc["good", "reference"] == "given videos: 12 videos"
    # reference features are cached by content hash
    assert len(list((run / "features").rglob("*.npy"))) == 12 + 2


def test_score_sets_records_a_missing_reference(tmp_path):
    rows = [{"model": "m", "suite": "s", "probe_id": "p", "sample": i, "sha256": f"h{i}"} for i in range(2)]
    feats = {"fvd.i3d": {"h0": np.zeros(3), "h1": np.ones(3)}}
    df = score_sets(tmp_path, ["fvd.i3d"], feats, rows, tmp_path / "no-such-folder", metrics={"fvd.i3d": _MeanColourFVD()})
    assert df.loc[0, "status"] == "error" and "reference folder not found" in df.loc[0, "reason"]


def test_reference_clips_are_seeded_shuffled_and_skip_short(tmp_path):
    for i, t in enumerate([12, 12, 3, 12, 12]):
        frames = np.full((t, 16, 16, 3), 40 * i, np.uint8)
        frames[:, 0, 0, 0] = np.arange(t, dtype=np.uint8)  # frame index, to read offsets back
        write_video(Video(frames, 8.0), tmp_path / f"v{i}.mkv", lossless=True)
    a = reference_clips(tmp_path, n=3, frames=9, seed=0)
    b = reference_clips(tmp_path, n=3, frames=9, seed=0)
    assert [v.provenance["file"] for v in a] == [v.provenance["file"] for v in b]
    assert all(v.T == 9 for v in a) and all("v2.mkv" not in v.provenance["file"] for v in a)
    for v in a:
        off = v.provenance["offset"]
        assert 0 <= off <= 3 and list(v.frames[:, 0, 0, 0]) == list(range(off, off + 9))
    c = reference_clips(tmp_path, n=4, frames=9, seed=1)
    assert len(c) == 4
    with pytest.raises(UserError, match="no reference video has at least 20 frames"):
        reference_clips(tmp_path, n=2, frames=20)


def test_registered():
    assert "fvd.i3d" in METRICS and "kvd.i3d" in METRICS
    spec = METRICS.get("fvd.i3d").spec
    assert spec.level == "set" and spec.direction == "lower" and spec.weights == ("i3d-styleganv-torchscript",)


def test_score_sets_oracle_ensemble_reference(tmp_path):
    """The CPU-profile reference: oracle renders of the same probes, 2 × samples per probe."""
    from bench.generators.base import resolve
    from bench.suites import load_suite

    probes = [p for p in load_suite("physics").probes if p.get("scene")][:2]
    gen = resolve("oracle")
    metric = _MeanColourFVD()
    rows, feats = [], {"fvd.i3d": {}}
    for p in probes:
        for s in range(2):
            v = gen.generate(p, 100 + s, gen.default_settings())
            sha = f"{p['id']}-{s}"
            rows.append({"model": "oracle", "suite": "physics", "probe_id": p["id"], "sample": s, "sha256": sha})
            feats["fvd.i3d"][sha] = metric.features(v)
    df = score_sets(tmp_path, ["fvd.i3d"], feats, rows, "oracle-ensemble", metrics={"fvd.i3d": metric})
    r = df.iloc[0]
    assert r["status"] == "ok" and r["n"] == 4 and r["n_ref"] == 8 and r["floor_n"] == 4
    assert "oracle-ensemble" in r["reference"] and "4 renders/probe" in r["reference"] and r["reference"].endswith(": 8 videos")
    assert math.isfinite(r["value"]) and math.isfinite(r["floor"])


def test_short_videos_do_not_enter_sets(tmp_path):
    m = _MeanColourFVD()
    from bench.metrics.base import Sample

    assert not m.applies(Sample("m", "p", 0, "", row={"frames": 8}))
    assert m.applies(Sample("m", "p", 0, "", row={"frames": 9})) and m.applies(Sample("m", "p", 0, ""))
    rng = np.random.default_rng(0)
    rows = [{"model": "m", "suite": "s", "probe_id": f"p{i}", "sample": 0, "sha256": f"h{i}", "frames": 16} for i in range(3)]
    rows.append({"model": "m", "suite": "s", "probe_id": "short", "sample": 0, "sha256": "hs", "frames": 5})
    feats = {"fvd.i3d": {r["sha256"]: rng.normal(size=3) for r in rows[:3]}}
    refs = [Video(moving_pattern(t=4, h=8, w=8, phase=float(p)), 8.0) for p in range(6)]
    df = score_sets(tmp_path, ["fvd.i3d"], feats, rows, refs, metrics={"fvd.i3d": m})
    assert df.loc[0, "n"] == 3 and df.loc[0, "status"] == "ok"
    # excluded below the protocol's clip length (16 frames), not just I3D's minimum (9), and named
    assert "1 videos shorter than 16 frames excluded" in df.loc[0, "reason"] and "short#0 (5)" in df.loc[0, "reason"]
