"""Oracle sound, onsets, audio violations/nuisances and the av.* checks, on small inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.audio.onsets import onset_strength, onset_times
from bench.audio.synth import amplitude
from bench.audio.track import Audio
from bench.metrics.av.av_align import AVAlign, iou, video_peaks
from bench.metrics.av.sync import judge, match, sync_stats
from bench.metrics.av.visual import contact_events
from bench.metrics.base import Sample
from bench.video import Video

BOUNCE = "physics.bounce.red_ball_in_place"


@pytest.fixture(scope="module")
def bounce_probe():
    from bench.suites import load_suite

    return load_suite("physics").by_id[BOUNCE]


def _clicks(times, sr=16000, dur=1.0):
    x = np.random.default_rng(0).standard_normal((int(dur * sr), 1)) * 1e-3
    for t in times:
        i = int(t * sr)
        n = 800
        x[i:i + n, 0] += 0.5 * np.exp(-np.arange(n) / 200) * np.sin(2 * np.pi * 700 * np.arange(n) / sr)
    return Audio(x.astype(np.float32), sr)


def test_onsets_of_clicks_within_10_ms():
    t, s = onset_times(_clicks([0.2, 0.55, 0.8]))
    assert len(t) == 3 and np.abs(t - [0.2, 0.55, 0.8]).max() <= 0.010 and (s > 0).all()


def test_onset_envelope_agrees_with_librosa():
    librosa = pytest.importorskip("librosa")
    a = _clicks([0.3, 0.7])
    env, rate = onset_strength(a)
    ref = librosa.onset.onset_strength(y=a.mono().astype(np.float32), sr=16000, hop_length=80, n_fft=256,
                                       n_mels=40, fmin=60, fmax=3800, lag=1, max_size=1)
    k = min(len(env), len(ref))
    # peaks at the same envelope frames (+-1 hop = 5 ms); scales differ (filter normalisation)
    for t in (0.3, 0.7):
        w = slice(int((t - 0.05) * rate), int((t + 0.05) * rate))
        assert abs(int(np.argmax(env[:k][w])) - int(np.argmax(ref[:k][w]))) <= 1


def test_amplitude_follows_speed():
    v = [0.01, 0.5, 1, 2, 5, 10]
    a = [amplitude(x) for x in v]
    assert a[0] == 0 and all(b > c for b, c in zip(a[2:], a[1:-1])) and max(a) < 0.5


def test_oracle_sound_matches_its_contacts_and_is_deterministic(bounce_probe):
    from bench.world.pipeline import render_probe

    v, tr = render_probe(bounce_probe, 3, audio=True)
    v2, _ = render_probe(bounce_probe, 3, audio=True)
    assert v.audio.content_hash() == v2.audio.content_hash()
    assert [c["kind"] for c in tr.contacts][:2] == ["impact", "impact"] and len(tr.sounds) >= 2
    t, _ = onset_times(v.audio)
    truth_t = np.asarray([s["t"] for s in tr.sounds])
    assert len(t) == len(truth_t) and np.abs(t - truth_t).max() <= 0.010
    silent, st = render_probe(bounce_probe, 3)
    assert silent.audio is None and st.contacts is None and b'"sounds"' not in st.to_bytes()["truth.json"]
    from bench.world.truth import Truth

    back = Truth.from_bytes(tr.to_bytes()["truth.npz"], tr.to_bytes()["truth.json"])
    assert back.sounds == tr.sounds and back.contacts == tr.contacts


def test_audio_violations_and_nuisances(bounce_probe):
    from bench.errors import UserError
    from bench.generators.oracle.generator import OracleGenerator, parse_name

    assert parse_name("oracle+av_late:0.5~aac:32") == (("av_late", 0.5), ("aac", 32.0))
    with pytest.raises(UserError):
        parse_name("oracle+av_late:2")
    clean = OracleGenerator("oracle").generate(bounce_probe, 1, {"audio": True})
    t0, _ = onset_times(clean.audio)
    late = OracleGenerator("oracle+av_late:0.5").generate(bounce_probe, 1, {})
    t1, _ = onset_times(late.audio)
    assert np.allclose(t1[: len(t0)], t0 + 2 / clean.fps, atol=0.01)
    miss = OracleGenerator("oracle+av_missing:1").generate(bounce_probe, 1, {})
    assert len(onset_times(miss.audio)[0]) == 0
    for n in ("oracle~aac:32", "oracle~resample:8000", "oracle~gain:-12", "oracle~mono", "oracle~anoise"):
        t, _ = onset_times(OracleGenerator(n).generate(bounce_probe, 1, {}).audio)
        assert len(t) == len(t0) and np.abs(t - t0).max() <= 0.011, n


def test_visual_event_time_is_sub_frame():
    fps, tau = 10.0, 0.537                     # a velocity step at 0.537 s, between frames 5 and 6
    t = np.arange(12) / fps
    x = np.where(t < tau, 50 * t, 50 * tau - 30 * (t - tau))
    xy = np.stack([x * 10, np.zeros_like(x)], 1)
    ev = contact_events(xy, np.ones(12, bool), fps)
    assert len(ev) == 1 and abs(ev[0].t - tau) < 1e-9


def test_sync_statistics_by_hand():
    ev, on = np.array([0.5, 1.0, 2.0]), np.array([0.52, 1.03, 1.6])
    assert match(ev, on) == [(0, 0), (1, 1)]                       # 2.0 vs 1.6 is beyond 0.3 s
    st = sync_stats(ev, on)
    assert st["offset_ms"] == pytest.approx(25.0) and st["heard"] == pytest.approx(2 / 3)
    assert st["seen"] == pytest.approx(2 / 3) and st["spread_ms"] == pytest.approx(5.0)
    assert st["worst_ms"] == pytest.approx(30.0)
    r = judge(st)                                                   # a third of the sound unseen: > 30 %
    assert r.verdict == "fail" and r.extra["r"] == pytest.approx((1 / 3) / 0.3)
    ok = judge(sync_stats(ev[:2], on[:2]))
    assert ok.verdict == "pass" and ok.extra["r"] == pytest.approx(30.0 / 125.0)
    early = judge(sync_stats(ev[:2], ev[:2] - 0.09))                # 90 ms early: 2 tolerances of 45 ms
    assert early.extra["r"] == pytest.approx(2.0)
    # seen is amplitude-weighted: an unmatched onset 20 dB fainter than the matched one weighs 1/10
    assert sync_stats(ev[:1], np.array([0.5, 1.5]), np.array([40.0, 20.0]))["seen"] == pytest.approx(1 / 1.1)
    late = judge(sync_stats(ev, ev + 0.25))                         # 250 ms late: 2 tolerances
    assert late.verdict == "fail" and late.extra["r"] == pytest.approx(2.0)
    assert judge(sync_stats(ev, np.array([]))).verdict == "fail"    # nothing heard
    assert judge(sync_stats(np.array([]), np.array([]))).value == 1.0


def test_av_align_by_hand():
    # A = {0.1, 0.5, 0.9}, V = {0.12, 0.9, 1.5} at 10 fps: 0.1~0.12 and 0.9~0.9 pair; I = 2,
    # IoU = 2 / (3 + 3 - 2) = 0.5
    assert iou(np.array([0.1, 0.5, 0.9]), np.array([0.12, 0.9, 1.5]), 10.0) == pytest.approx(0.5)
    assert iou(np.array([0.1]), np.array([0.2]), 10.0) == 0.0       # exactly one frame apart: not within
    assert math.isnan(iou(np.array([]), np.array([]), 10.0))
    m = np.array([1.0, 1.0, 3.0, 2.0, 5.0, 1.0])
    assert list(video_peaks(m, 10.0)) == [0.2, 0.4]


def test_checks_unavailable_without_audio():
    from bench.metrics.av.silence import SilenceWhenStill
    from bench.metrics.av.sync import AVSync

    v = Video(np.zeros((6, 16, 16, 3), np.uint8), 8.0)
    s = Sample("m", "p", 0, "", {"objects": [{"name": "ball"}]}, {})
    for m in (AVSync(), SilenceWhenStill(), AVAlign()):
        r = m.compute(v, s)
        assert math.isnan(r.value) and "no audio" in r.reason and not m.applies(s)


def test_probe_audio_expectation_schema_and_silent_fail():
    from bench.metrics.av.sync import AVSync
    from bench.suites.schema import validate_probe

    base = {"id": "physics.t.x", "suite": "physics", "category": "bounce", "prompt": "A ball bounces.",
            "objects": [{"name": "ball", "colour": "red", "shape": "disc"}], "checks": []}
    ok = {**base, "expect": {"audio": {"impacts": 3, "sources": ["ball"]}}}
    assert not [e for e in validate_probe(ok) if "audio" in e]
    for bad in ({"impacts": -1}, {"impacts": True}, {"sources": ["cup"]}, {"loud": 1}, "yes"):
        assert any("audio" in e for e in validate_probe({**base, "expect": {"audio": bad}})), bad
    v = Video(np.zeros((6, 16, 16, 3), np.uint8), 8.0)
    s = Sample("m", "p", 0, "", ok, {})
    assert AVSync().applies(s)
    r = AVSync().compute(v, s)
    assert r.verdict == "fail" and "asks for sound" in r.reason


def test_audio_variants_parse_and_refuse_silent_scenes():
    from bench.generators.base import list_models
    from bench.generators.oracle.generator import OracleGenerator, parse_name
    from bench.suites import load_suite

    names = [n for n in list_models() if n.startswith("oracle+av_") or n.split("~")[-1] in
             ("aac", "resample", "anoise", "gain", "mono")]
    assert len(names) == 11
    for n in names:
        parse_name(n)
    pendulum = load_suite("physics").by_id["physics.pendulum.yellow_bob"]
    ok, why = OracleGenerator("oracle+av_missing").supports(pendulum)
    assert not ok and "no contact" in why
    assert OracleGenerator("oracle+av_extra").supports(pendulum) == (True, "")
    v = OracleGenerator("oracle+av_missing").generate(pendulum, 1, {})    # nothing to act on: no change
    assert v.provenance["violation"]["details"]["change"].startswith("none")
    assert v.audio.content_hash() == OracleGenerator("oracle").generate(pendulum, 1, {"audio": True}).audio.content_hash()
