"""The explorer's audio view: onset envelope under the frame strip on one time axis, and a player."""

from __future__ import annotations

import numpy as np
import pytest

from bench.audio.onsets import onset_strength
from bench.audio.track import Audio
from bench.explore import play_audio
from bench.report.plots import onset_strip
from bench.video import Video


def _video(clicks=(0.25, 0.6), sr=16000, fps=24.0, T=24):
    x = np.random.default_rng(0).standard_normal((int(T / fps * sr), 2)) * 1e-3
    n = 800
    for t in clicks:
        i = int(t * sr)
        x[i:i + n] += (0.5 * np.exp(-np.arange(n) / 200) * np.sin(2 * np.pi * 700 * np.arange(n) / sr))[:, None]
    frames = np.zeros((T, 16, 16, 3), np.uint8)
    return Video(frames, fps, audio=Audio(x.astype(np.float32), sr))


def test_onset_strip_draws_the_envelope_and_onsets_on_the_frame_time_axis():
    v = _video()
    fig = onset_strip(v, n_frames=6)
    top, bottom = fig.axes
    env, rate = onset_strength(v.audio)
    line = bottom.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), env)
    np.testing.assert_allclose(line.get_xdata(), np.arange(len(env)) / rate)
    marks = sorted(float(ln.get_xdata()[0]) for ln in bottom.get_lines()[1:])
    assert len(marks) == 2 and np.abs(np.array(marks) - [0.25, 0.6]).max() <= 0.010
    x0, x1, _, _ = top.get_images()[0].get_extent()
    assert (x0, x1) == pytest.approx((0.0, 1.0))      # 24 frames at 24 fps = the envelope's 1 s
    assert bottom.get_xlim()[0] == 0.0 and bottom.get_xlim()[1] >= 1.0


def test_silent_video_has_no_audio_view():
    v = Video(np.zeros((4, 8, 8, 3), np.uint8), 8.0)
    assert onset_strip(v) is None and play_audio(v) is None


def test_player_carries_the_samples_at_their_rate():
    pytest.importorskip("IPython")
    v = _video()
    p = play_audio(v)
    assert p.mimetype == "audio/wav" and p.data[:4] == b"RIFF"
    assert int.from_bytes(p.data[24:28], "little") == 16000 and int.from_bytes(p.data[22:24], "little") == 2
