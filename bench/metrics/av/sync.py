"""av.sync — is every visible contact heard, at the moment it happens, and is every sound seen?

Visual contact events (``visual.video_events``: velocity discontinuities of the tracked probe
objects, timed to a fraction of a frame) are matched one-to-one, nearest first, to audio
onsets (``bench.audio.onsets.onset_times``) within +-``MATCH_S``.  Reported:

- ``offset_ms``: median of (onset - event) over matched pairs (positive = sound late) whose
  visual event is timed to a fraction of a frame (``VisualEvent.timed``);
- ``worst_ms``: the matched pair's (onset - event) furthest outside its tolerance (a drifting
  track is in sync at the start and late at the end);
- ``heard``: share of visual events with a matched onset; ``seen``: share of the onsets'
  amplitude (10^(strength / 20), strength in dB above the envelope median) that is matched, so
  a faint sound of a contact too small to see (a ball's last tiny bounces) weighs less than a
  full impact; an unmatched onset while some tracked object is not fully visible (behind an
  occluder, in a cup, at the edge) is left out (``excused``): its cause may be out of sight;
- ``spread_ms``: largest |(onset - event) - offset| over matched pairs (reported).

Tolerances follow ITU-R BT.1359 (detectability of sound/picture misalignment in broadcast):
sound early by more than ``EARLY_MS`` = 45 ms or late by more than ``LATE_MS`` = 125 ms is
detectable.  Normalised errors r_offset = worst / tol (tol by sign),
r_heard = (1 - heard) / (1 - MIN_HEARD) and r_seen = (1 - seen) / (1 - MIN_SEEN) (at least
half the visible contacts heard, MIN_HEARD = 0.5, and 70 % of the sound seen, MIN_SEEN = 0.7:
contacts merge and faint ones escape the eye, while a sound with no cause is a full impact); value = 2^(-r^2) with r the worst (the probe checks'
scale), pass iff r <= 1.  No events and no onsets: nothing to check, value 1.  A video without
audio: NaN, unavailable, unless the probe asks for sound (``expect.audio``): then a fail.  Needs the probe's named objects (tracked by colour).
"""

from __future__ import annotations

import math

import numpy as np

from bench.audio.onsets import onset_times
from bench.metrics.av.common import AVCheck, no_audio
from bench.metrics.av.visual import something_hidden, video_events
from bench.metrics.base import METRICS, MetricSpec, MetricValue, Sample
from bench.metrics.probes.analysis import analyse
from bench.metrics.probes.base import result
from bench.video import Video

MATCH_S = 0.3
EARLY_MS, LATE_MS = 45.0, 125.0
MIN_HEARD = 0.5
MIN_SEEN = 0.7


def match(events: np.ndarray, onsets: np.ndarray, window: float = MATCH_S) -> list[tuple[int, int]]:
    """Greedy one-to-one matching, nearest pairs first, |onset - event| <= window: (i, j) pairs."""
    pairs = sorted((abs(o - e), i, j) for i, e in enumerate(events) for j, o in enumerate(onsets) if abs(o - e) <= window)
    used_i, used_j, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            out.append((i, j))
    return sorted(out)


def sync_stats(events: np.ndarray, onsets: np.ndarray, strength: np.ndarray | None = None,
               timed: np.ndarray | None = None, hidden: np.ndarray | None = None) -> dict[str, float]:
    """offset_ms, spread_ms (over pairs whose event is ``timed``), heard, seen
    (strength-weighted, unmatched onsets at ``hidden`` moments left out; NaN where undefined)
    and the counts."""
    pairs = match(events, onsets)
    w = np.ones(len(onsets)) if strength is None else 10.0 ** (np.asarray(strength, float) / 20.0)
    if hidden is not None:
        matched = {j for _, j in pairs}
        w = np.where([bool(hidden[j]) and j not in matched for j in range(len(onsets))], 0.0, w)
    ok = np.ones(len(events), bool) if timed is None else np.asarray(timed, bool)
    d = np.asarray([onsets[j] - events[i] for i, j in pairs if ok[i]]) * 1000.0
    off = float(np.median(d)) if len(d) else math.nan
    worst = float(d[np.argmax(np.abs(d) / np.where(d >= 0, LATE_MS, EARLY_MS))]) if len(d) else math.nan
    return {"offset_ms": off, "worst_ms": worst, "spread_ms": float(np.abs(d - off).max()) if len(d) else math.nan,
            "heard": len(pairs) / len(events) if len(events) else math.nan,
            "seen": float(sum(w[j] for _, j in pairs) / w.sum()) if len(onsets) and w.sum() > 0 else math.nan,
            "events": len(events), "onsets": len(onsets), "matched": len(pairs),
            "excused": int((w == 0).sum()) if len(onsets) else 0}


def judge(st: dict[str, float]) -> MetricValue:
    if st["events"] == 0 and st["onsets"] == 0:
        return result(0.0, "no visible contact and no sound: nothing to synchronise", **st)
    rs = {}
    off, w_ms = st["offset_ms"], st.get("worst_ms", st["offset_ms"])
    if math.isfinite(w_ms):
        rs["offset"] = w_ms / LATE_MS if w_ms >= 0 else -w_ms / EARLY_MS
    for k, least in (("heard", MIN_HEARD), ("seen", MIN_SEEN)):
        share = st[k]
        rs[k] = (1.0 - share) / (1.0 - least) if math.isfinite(share) else 0.0
    worst = max(rs, key=rs.get)
    parts = [f"{st['events']} visible contact(s), {st['onsets']} sound onset(s), {st['matched']} matched"]
    if math.isfinite(off):
        parts.append(f"sound {'late' if off >= 0 else 'early'} by {abs(off):.0f} ms (median; worst contact "
                     f"{'late' if w_ms >= 0 else 'early'} by {abs(w_ms):.0f} ms)")
    if st["events"]:
        parts.append(f"{100 * st['heard']:.0f}% of contacts heard")
    if st["onsets"]:
        parts.append(f"{100 * st['seen']:.0f}% of sounds seen")
    return result(rs[worst], "; ".join(parts) + f" (worst: {worst})", **st)


@METRICS.register("av.sync")
class AVSync(AVCheck):
    spec = MetricSpec(
        id="av.sync", version="1", needs=("frames", "probe"), direction="higher", range=(0.0, 1.0),
        kind="probe",
        description="Visible contacts (velocity jumps of the tracked objects) matched to audio onsets: "
                    "offset in ms, share of contacts heard and of sounds seen; ITU-R BT.1359 tolerances.",
        reference="new (weight-free, ground-truth-validated); tolerances from ITU-R BT.1359",
        min_frames=4)

    def compute(self, video: Video, sample: Sample) -> MetricValue:
        na = no_audio(video, sample.probe)
        if na is not None:
            return na
        a = analyse(video, sample.probe or {})
        ev = video_events(a)
        events = np.asarray([e.t for e in ev])
        onsets, strength = onset_times(video.audio)
        hidden = np.asarray([something_hidden(a, int(round(t * video.fps))) for t in onsets], bool)
        out = judge(sync_stats(events, onsets, strength, np.asarray([e.timed for e in ev], bool), hidden))
        want = ((sample.probe or {}).get("expect") or {}).get("audio") or {}
        if "impacts" in want:  # reported beside the verdict (the count of faint sounds is uncertain)
            out.extra["impacts_expected"] = int(want["impacts"])
            out.reason += f"; the probe expects {int(want['impacts'])} impact sound(s)"
        return out
