"""The 3-D world makes sound: contacts mapped from the 3-D truth, sounds at the contact times,
audio edits parsed and applied for ``oracle3d``."""

from __future__ import annotations

import numpy as np
import pytest

from bench.audio.onsets import onset_times
from bench.errors import UserError
from bench.generators.oracle.generator import parse_name
from bench.generators.oracle.world3d import Oracle3DGenerator, parse_name3d
from bench.world3d import render_probe3d

BOUNCE = "physics.bounce.red_ball_in_place"
KW = {"frames": 24, "size": 64}


@pytest.fixture(scope="module")
def probe():
    from bench.suites import load_suite

    return load_suite("physics").by_id[BOUNCE]


@pytest.fixture(scope="module")
def sounding(probe):
    return render_probe3d(probe, 2, audio=True, **KW)


def test_silent_by_default(probe):
    v, t = render_probe3d(probe, 2, **KW)
    assert v.audio is None and t.contacts is None and t.sounds is None
    assert "contacts" not in t.to_json_dict()


def test_contacts_follow_the_3d_truth(sounding):
    v, t = sounding
    raw = [c for c in t.extra["contacts"] if c["kind"] in ("impact", "collision")]
    mapped = [c for c in t.contacts if c["kind"] in ("impact", "collision")]
    assert raw and len(mapped) <= len(raw)
    for c in mapped:   # same event: world time -> video time (identity clock here), speed renamed
        src = min(raw, key=lambda r: abs(r["time"] - c["t"]))
        assert c["t"] == pytest.approx(src["time"], abs=1e-6)
        assert c["speed"] == pytest.approx(abs(src["impact_speed"]), abs=1e-6)
        assert 0 <= c["x"] <= t.width and c["shape"] and c["size"] > 0
    assert v.audio.samples.shape[0] == round(KW["frames"] / v.fps * v.audio.sample_rate)


def test_sounds_at_the_contacts_and_heard(sounding):
    v, t = sounding
    loud = [c["t"] for c in t.contacts if c["kind"] in ("impact", "collision") and c["speed"] >= 0.05]
    assert t.sounds and [s["t"] for s in t.sounds] == pytest.approx(loud, abs=1 / 16000)
    on, _ = onset_times(v.audio)
    first = t.sounds[0]["t"]
    assert np.abs(on - first).min() <= 0.02          # the first impact is detected within 20 ms
    assert "sounds" in t.to_json_dict() and "contacts" in t.to_json_dict()


def test_oracle3d_parses_audio_edits():
    assert parse_name3d("oracle3d+av_late:0.5~aac:32") == (("av_late", 0.5), ("aac", 32.0))
    assert parse_name("oracle+av_drift") [0][0] == "av_drift"
    with pytest.raises(UserError):
        parse_name3d("oracle3d+av_late:2")


def test_oracle3d_audio_violation_and_setting(probe, sounding):
    g = Oracle3DGenerator("oracle3d+av_late:0.5")
    assert g.supports(probe)[0]
    late = g.generate(probe, 2, KW)
    clean_v, clean_t = sounding
    assert late.audio is not None and late.provenance["params"]["audio"] is True
    assert late.provenance["violation"]["name"] == "av_late"
    first = clean_t.sounds[0]["t"]
    on_late, _ = onset_times(late.audio)
    assert on_late.min() > first + 0.5 / late.fps    # the sound now comes after the first impact
    plain = Oracle3DGenerator("oracle3d").generate(probe, 2, {**KW, "audio": True})
    np.testing.assert_array_equal(plain.audio.samples, clean_v.audio.samples)
    assert Oracle3DGenerator("oracle3d").generate(probe, 2, KW).audio is None
