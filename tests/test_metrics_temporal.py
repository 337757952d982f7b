"""Temporal metrics: known values, references (scikit-image, lpips), controlled violations, and
the shared optical flow."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.errors import UserError
from bench.metrics.base import METRICS, Sample
from bench.metrics.temporal import flow as fl
from bench.metrics.temporal.dynamic_degree import DynamicDegree
from bench.metrics.temporal.flicker import Flicker
from bench.metrics.temporal.lpips_metric import TemporalLPIPS, build_lpips, lpips_pairs
from bench.metrics.temporal.motion import Motion
from bench.metrics.temporal.motion_smoothness import MotionSmoothnessFlow
from bench.metrics.temporal.psnr import PSNR_CAP_DB, TemporalPSNR, psnr_pair
from bench.metrics.temporal.ssim import TemporalSSIM, ssim_pair
from bench.metrics.temporal.warping_error import WarpingError
from bench.video import Video
from tests.tinymodels import moving_pattern

S = Sample(model="m", probe_id="p", sample=0, prompt="x")
WEIGHT_FREE = ("temporal.flicker", "temporal.ssim", "temporal.psnr", "temporal.warping_error",
               "temporal.motion_smoothness_flow", "temporal.dynamic_degree", "temporal.motion")


@pytest.fixture
def moving():
    return Video(moving_pattern(t=12, h=64, w=64, dx=2.0, dy=1.0), fps=8.0)


@pytest.fixture
def static():
    return Video(np.repeat(moving_pattern(t=1, h=64, w=64), 12, axis=0), fps=8.0)


@pytest.fixture
def shuffled(moving):
    return Video(moving.frames[np.random.default_rng(0).permutation(moving.T)], fps=8.0)


def test_weight_free_metrics_run_without_weights(moving):
    for mid in WEIGHT_FREE:
        m = METRICS.get(mid)()
        assert m.available() == (True, ""), mid
        assert math.isfinite(m.compute(moving, S).value), mid
        spec = m.spec
        assert spec.description and spec.reference and spec.version, mid
    motion = METRICS.get("temporal.motion").spec
    assert motion.direction == "none" and motion.kind == "covariate"


def test_flicker_static_is_exactly_one_and_known_value(static):
    assert Flicker().compute(static, S).value == 1.0
    # frames alternate between 0 and 10 everywhere: mean |diff| = 10 -> (255 - 10) / 255
    f = np.zeros((5, 8, 8, 3), np.uint8)
    f[1::2] = 10
    assert Flicker().compute(Video(f, 8.0), S).value == pytest.approx(245 / 255, abs=1e-12)


def test_warping_error_static_zero_translation_small_shuffle_large(static, moving, shuffled):
    assert WarpingError().compute(static, S).value == 0.0
    small = WarpingError().compute(moving, S)
    large = WarpingError().compute(shuffled, S)
    assert small.value < 2e-3 and small.extra["valid_fraction"] > 0.7
    assert large.value > 10 * small.value


def test_warping_error_occlusion_mask():
    from bench.metrics.temporal.warping_error import occlusion_mask

    h = w = 16
    zero = np.zeros((h, w, 2), np.float32)
    assert not occlusion_mask(zero, zero).any()
    # consistent forward/backward translation by 2 px: only pixels whose target leaves the frame
    fw = np.zeros((h, w, 2), np.float32)
    fw[..., 0] = 2.0
    bw = -fw
    m = occlusion_mask(fw, bw)
    assert m[:, -2:].all() and not m[:, :-2].any()
    # inconsistent backward flow (should be -2, is +2): |b + f|² = 16 > 0.01·8 + 0.5 -> occluded
    assert occlusion_mask(fw, fw)[:, :-2].all()


def test_ssim_and_psnr_match_scikit_image():
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    rng = np.random.default_rng(0)
    pairs = [(rng.integers(0, 256, (33, 41, 3), dtype=np.uint8), rng.integers(0, 256, (33, 41, 3), dtype=np.uint8))]
    f = moving_pattern(t=2, h=40, w=52, dx=1.5)
    pairs.append((f[0], f[1]))
    for a, b in pairs:
        want = structural_similarity(a, b, channel_axis=-1, data_range=255)
        assert ssim_pair(a, b) == pytest.approx(want, abs=1e-12)
        assert psnr_pair(a, b) == pytest.approx(peak_signal_noise_ratio(a, b, data_range=255), abs=1e-10)
    v = Video(np.stack([pairs[1][0], pairs[1][1], pairs[1][1]]), 8.0)
    mv = TemporalPSNR().compute(v, S)
    # pair 0 is the pattern pair, pair 1 identical frames (PSNR = inf, counted as the cap)
    assert mv.value == pytest.approx((peak_signal_noise_ratio(f[0], f[1], data_range=255) + PSNR_CAP_DB) / 2)
    assert mv.extra["identical_pairs"] == 1 and math.isinf(psnr_pair(f[1], f[1]))
    ms = TemporalSSIM().compute(v, S)
    assert ms.value == pytest.approx((structural_similarity(f[0], f[1], channel_axis=-1, data_range=255) + 1.0) / 2)


def test_flow_is_xy_ordered_and_motion_measures_it(static):
    v = Video(moving_pattern(t=6, h=64, w=64, dx=2.0, dy=0.0), 8.0)
    f = fl.flows(v, fl.consecutive(v.T), "dis")
    inner = f[:, 8:-8, 8:-8]
    assert inner[..., 0].mean() == pytest.approx(2.0, abs=0.3)  # x first (OpenCV / RAFT order)
    assert abs(inner[..., 1].mean()) < 0.3
    assert Motion().compute(v, S).value == pytest.approx(2.0, abs=0.4)
    assert Motion().compute(static, S).value == 0.0


def test_flow_is_computed_once_and_shared(moving, monkeypatch):
    fl.clear_cache()
    calls = []
    real = fl._dis_flows

    def counting(gray, pairs):
        calls.extend(pairs)
        return real(gray, pairs)

    monkeypatch.setattr(fl, "_dis_flows", counting)
    for m in (WarpingError(), Motion(), DynamicDegree(), MotionSmoothnessFlow(), WarpingError()):
        m.compute(moving, S)
    t = moving.T
    # forward + backward consecutive pairs, plus the (t-1, t+1) pairs both ways for the odd frames
    assert len(calls) == len(set(calls)) == 2 * (t - 1) + 2 * len(range(1, t - 1, 2))


def test_dynamic_degree_rule(static):
    assert DynamicDegree().compute(static, S).value == 0.0
    # 64 px frames at 8 fps: threshold 6·64/256 = 1.5 px; a 4 px/frame translation moves every pair
    fast = Video(moving_pattern(t=16, h=64, w=64, dx=4.0), 8.0)
    r = DynamicDegree().compute(fast, S)
    assert r.value == 1.0 and r.extra["pairs_needed"] == 4 and r.extra["moving_pairs"] >= 4
    assert r.extra["threshold_px"] == pytest.approx(1.5)
    # at 24 fps every 3rd frame is used (VBench's ~8 fps sampling)
    r24 = DynamicDegree().compute(Video(fast.frames, 24.0), S)
    assert r24.extra["stride"] == 3 and r24.extra["pairs"] == 5


def test_motion_smoothness_flow(static, moving, shuffled):
    assert MotionSmoothnessFlow().compute(static, S).value == 1.0
    smooth = MotionSmoothnessFlow().compute(moving, S).value
    assert smooth > 0.98
    assert MotionSmoothnessFlow().compute(shuffled, S).value < smooth - 0.05


def test_lpips_unavailable_here_and_its_plumbing():
    import lpips
    import torch
    from torchvision.models import alexnet

    ok, why = TemporalLPIPS().available()
    assert not ok and "torchvision-alexnet" in why and "bench weights fetch torchvision-alexnet" in why
    # our backbone loading maps torchvision AlexNet `features.*` onto lpips' slices
    torch.manual_seed(0)
    sd = alexnet(weights=None).state_dict()
    model = build_lpips(sd)
    assert torch.equal(getattr(model.net.slice1, "0").weight, sd["features.0.weight"])
    assert torch.equal(getattr(model.net.slice5, "10").bias, sd["features.10.bias"])
    frames = moving_pattern(t=3, h=64, w=64, dx=3)
    got = lpips_pairs(model, frames)
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 127.5 - 1
    with torch.no_grad():
        want = model(x[:-1], x[1:]).reshape(-1).double().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert isinstance(model, lpips.LPIPS) and got.shape == (2,)


def test_raft_plumbing_random_weights():
    import torch
    from torchvision.models.optical_flow import raft_small

    torch.manual_seed(0)
    model = raft_small(weights=None, progress=False).eval()
    f = fl.raft_flows(model, moving_pattern(t=2, h=130, w=132), [(0, 1)], num_flow_updates=2)
    assert f.shape == (1, 130, 132, 2) and np.isfinite(f).all()
    with pytest.raises(UserError, match="at least 128"):
        fl.raft_flows(model, moving_pattern(t=2, h=64, w=64), [(0, 1)])
    ok, why = WarpingError(flow="raft_small").available()
    assert not ok and "raft-small" in why


def test_too_short_videos_are_setup_failures():
    one = Video(np.zeros((1, 16, 16, 3), np.uint8), 8.0)
    for m in (Flicker(), TemporalSSIM(), TemporalPSNR(), Motion(), MotionSmoothnessFlow()):
        r = m.compute(one, S)
        assert math.isnan(r.value) and r.verdict == "setup_failed"
