"""av.silence_when_still — no impact sound while nothing on screen moves.

For each audio onset (``bench.audio.onsets``) the check asks whether any named probe object
moves within +-2 frames of it (``visual.moving``: a centre displacement above 0.5 px per frame,
or an object appearing/disappearing), or is not fully visible within +-1 frame
(``visual.something_hidden``: what cannot be seen may be moving).  A sound with everything still has no visible cause.
``still`` = number of such onsets; r = still / 1 (one unexplained sound is one tolerance off,
so any fails); value = 2^(-r^2), pass iff none.  NaN, unavailable, without audio.
"""

from __future__ import annotations

import numpy as np

from bench.audio.onsets import onset_times
from bench.metrics.av.common import AVCheck, no_audio
from bench.metrics.av.visual import moving, something_hidden
from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample
from bench.metrics.probes.analysis import analyse
from bench.metrics.probes.base import result
from bench.video import Video


@METRICS.register("av.silence_when_still")
class SilenceWhenStill(AVCheck):
    spec = MetricSpec(
        id="av.silence_when_still", version="1", needs=("frames", "probe"), direction="higher",
        range=(0.0, 1.0), kind="probe",
        description="Audio onsets while no tracked object moves (a sound with no visible cause).",
        reference="new (weight-free)", min_frames=4)

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        na = no_audio(video, sample.probe)
        if na is not None:
            return na
        a = analyse(video, sample.probe or {})
        onsets, _ = onset_times(video.audio)
        frames = np.clip(np.rint(onsets * video.fps).astype(int), 0, video.T - 1)
        still = [float(t) for t, f in zip(onsets, frames) if not moving(a, int(f)) and not something_hidden(a, int(f))]
        why = (f"{len(still)} of {len(onsets)} sound onset(s) while nothing moves (at "
               + ", ".join(f"{t:.2f} s" for t in still[:5]) + ")") if still else \
            f"every one of {len(onsets)} sound onset(s) coincides with motion"
        return result(float(len(still)), why, still_onsets=still, onsets=len(onsets))
