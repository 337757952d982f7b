"""av.av_align — AV-Align (Yariv et al., "Diverse and Aligned Audio-to-Video Generation via
Text-to-Video Model Adaptation", AAAI 2024), implemented from its definition.

Audio peaks A: onset times (s).  Video peaks V: times i / fps of strict local maxima
(m_{i-1} < m_i > m_{i+1}) of the optical-flow magnitude sequence m, where m_i is the mean
flow magnitude between frames i-1 and i (m_0 = m_1, the first pair counted twice, as in the
authors' script).  With I the
number of audio peaks having a video peak strictly within one frame (|a - v| < 1 / fps),

    AV-Align = I / (|A| + |V| - I)        (an intersection over union; 1 = every peak paired)

Differences from the reference script: the flow is the suite's shared flow (OpenCV DIS by
default, ``BENCH_FLOW``; computed once per video for the temporal metrics) instead of Farneback
(0.5, 3, 15, 3, 5, 1.2), which alone cost twice the rest of a video's scoring; audio onsets come
from ``bench.audio.onsets`` (librosa's onset-strength formulation, our peak picking) instead of
``librosa.onset.onset_detect`` on a 22.05 kHz reload; both sets empty gives NaN (the script
divides by zero).  Higher is better;
NaN, unavailable, without audio.
"""

from __future__ import annotations

import math

import numpy as np

from bench.audio.onsets import onset_times
from bench.metrics.av.common import no_audio
from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample, VideoMetric
from bench.video import Video


def iou(audio_peaks: np.ndarray, video_peaks: np.ndarray, fps: float) -> float:
    """I / (|A| + |V| - I) with I = #audio peaks within (v - 1/fps, v + 1/fps) of some video peak."""
    inter = sum(1 for a in audio_peaks if any(v - 1 / fps < a < v + 1 / fps for v in video_peaks))
    den = len(audio_peaks) + len(video_peaks) - inter
    return inter / den if den else math.nan


def flow_magnitudes(video: Video) -> np.ndarray:
    """m_i (T,) as in the module docstring, from the shared flow (``bench.metrics.temporal.flow``)."""
    from bench.metrics.temporal.flow import flows

    f = flows(video, [(i - 1, i) for i in range(1, video.T)])
    m = np.sqrt(f[..., 0] ** 2 + f[..., 1] ** 2).mean(axis=(1, 2), dtype=np.float64)
    return np.concatenate([m[:1], m])


def video_peaks(m: np.ndarray, fps: float) -> np.ndarray:
    i = np.flatnonzero((m[1:-1] > m[:-2]) & (m[1:-1] > m[2:])) + 1
    return i / fps


@METRICS.register("av.av_align")
class AVAlign(VideoMetric):
    spec = MetricSpec(
        id="av.av_align", version="1", needs=("frames",), direction="higher", range=(0.0, 1.0),
        kind="standard", description="AV-Align: IoU of audio onsets and optical-flow peaks (+-1 frame).",
        reference="Yariv et al. 2024 (AAAI), github.com/guyyariv/TempoTokens av_align.py; see module docs",
        min_frames=3)

    def applies(self, sample: Sample) -> bool:
        return bool(sample.row.get("audio"))

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        na = no_audio(video)
        if na is not None:
            return na
        A, _ = onset_times(video.audio)
        V = video_peaks(flow_magnitudes(video), video.fps)
        v = iou(A, V, video.fps)
        if not math.isfinite(v):
            return MetricValue(math.nan, None, "no audio onset and no motion peak", {"audio_peaks": 0, "video_peaks": 0})
        return MetricValue(v, None, f"{len(A)} audio onset(s), {len(V)} motion peak(s)",
                           {"audio_peaks": len(A), "video_peaks": len(V)})
