"""Audio through the pipeline: Video.audio, FLAC/AAC encode, decode, import byte for byte, manifest."""

from __future__ import annotations

import numpy as np
import pytest

from bench.audio.track import Audio, read_audio, to_s16
from bench.importer import import_videos
from bench.store.run import RunStore
from bench.video import Video, read_video, sha256_file, write_video

RED = "physics.test.red_ball_drop"


def _audio(n=8000, ch=2, sr=16000, seed=0):
    x = np.random.default_rng(seed).uniform(-1, 1, (n, ch)).astype(np.float32)
    x[0, 0], x[1, 0] = 1.0, -1.0          # full scale both ways
    return Audio(x, sr)


def _video(audio=None, T=12):
    f = np.random.default_rng(1).integers(0, 255, (T, 32, 32, 3), dtype=np.uint8)
    return Video(f, 24.0, {"source": "rendered"}, audio)


def test_lossless_round_trip_within_one_lsb(tmp_path):
    a = _audio()
    write_video(_video(a), tmp_path / "v.mkv", lossless=True)
    v = read_video(tmp_path / "v.mkv")
    assert v.audio.codec == "flac" and v.audio.sample_rate == 16000 and v.audio.samples.shape == a.samples.shape
    assert np.abs(v.audio.samples.astype(np.float64) - a.samples).max() <= 2.0 ** -15 + 1e-12
    assert (to_s16(v.audio.samples) == to_s16(a.samples)).all()      # the 16-bit samples are exact
    assert v.audio.content_hash() == a.content_hash()


def test_silent_video_has_no_audio_stream_and_same_bytes_as_before(tmp_path):
    write_video(_video(), tmp_path / "s.mkv", lossless=True)
    assert read_audio(tmp_path / "s.mkv") is None and read_video(tmp_path / "s.mkv").audio is None


def test_preview_mp4_carries_aac_in_time(tmp_path):
    x = np.zeros((16000, 1), np.float32)
    x[4000] = 0.9                         # a click at 0.25 s
    write_video(_video(Audio(x, 16000)), tmp_path / "p.mp4", lossless=False)
    a = read_video(tmp_path / "p.mp4").audio
    assert a.codec == "aac" and a.channels == 1
    assert abs(int(np.argmax(np.abs(a.samples[:, 0]))) - 4000) <= 16   # encoder delay compensated


def test_bad_audio_values_are_refused():
    with pytest.raises(ValueError):
        Audio(np.zeros((10, 2), np.float64), 16000)
    with pytest.raises(ValueError):
        Audio(np.full((10, 1), np.nan, np.float32), 16000)
    with pytest.raises(TypeError):
        Video(np.zeros((2, 8, 8, 3), np.uint8), 8.0, {}, audio=np.zeros((10, 1)))


def test_import_keeps_aac_audio_byte_for_byte_and_manifest_records_it(tmp_path, tiny_suite):
    d = tmp_path / "exports"
    d.mkdir()
    src = d / f"{RED}-0.mp4"
    write_video(_video(_audio(16000, 2, 48000 // 3)), src, lossless=False)   # H.264 + AAC, 16 kHz
    store = RunStore.create(tmp_path / "run", {"config": {}})
    rep = import_videos(store, "veo-3", tiny_suite, d)
    assert len(rep.imported) == 1
    row = rep.imported[0]
    stored = store.root / row["path"]
    assert sha256_file(stored) == sha256_file(src)                         # the user's bytes, exactly
    assert row["audio"]["codec"] == "aac" and row["audio"]["sample_rate"] == 16000
    assert row["audio"]["channels"] == 2 and row["audio"]["duration"] > 0.9
    back = read_video(stored).audio
    orig = read_video(src).audio
    assert back.content_hash() == orig.content_hash()


def test_add_video_records_audio_only_when_present(tmp_path):
    store = RunStore.create(tmp_path / "run", {"config": {}})
    key = {"model": "m", "suite": "s", "probe_id": "physics.audio.p", "sample": 0}
    silent = store.add_video(dict(key), _video(), preview=False)
    assert "audio" not in silent
    loud = store.add_video({**key, "sample": 1}, _video(_audio()), preview=True)
    assert loud["audio"]["codec"] == "flac" and loud["audio"]["samples"] == 8000
    assert read_video(store.root / loud["path"]).audio.content_hash() == loud["audio"]["sha256"]
