"""Audio violations and nuisances of the oracle world (a registry parallel to
``bench.world.violations`` / ``bench.world.nuisances``, same name grammar: ``oracle+av_late:0.5``,
``oracle~aac:32``).

Violations (magnitude m in [0, 1]; m = 0 changes nothing).  k(m) = ceil(4 m) video frames.

============  =================================================================================
av_early      the whole track k(m) frames early (samples advanced; the tail padded with room tone)
av_late       the whole track k(m) frames late
av_drift      the track stretched so that the offset grows linearly from 0 at the first frame to
              k(m) frames late at the last (a clock-rate mismatch of k / T)
av_missing    the sounds of ceil(m n) of the n sounding contacts removed (loudest first)
av_extra      ceil(3 m) impact sounds with no contact (at least 0.25 s from every contact)
av_foreign    the track of another clip: ceil(m n) of the sounds (at least one) moved to random
              times at least 0.25 s from every contact of this one
============  =================================================================================

Each records ``truth.violation`` (name, magnitude, checks ``av.sync``, details) and rewrites
``truth.sounds`` to what is heard.  Sounds are re-synthesised with ``bench.audio.synth`` from
edited contact lists (same seed), or shifted in time, so the ground truth stays exact.

Nuisances (must not change verdicts): ``aac`` (kbit/s; AAC-LC re-encode in memory), ``resample``
(Hz; polyphase resampling, scipy), ``anoise`` (dBFS RMS of added white noise), ``gain`` (dB;
clipped at full scale), ``mono`` (channel mean).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from bench.audio.synth import SAMPLE_RATE, room_tone, synthesize_audio
from bench.audio.track import Audio

GAP_S = 0.25


@dataclass(frozen=True)
class AudioViolation:
    name: str
    description: str
    needs_sound: bool
    default: float = 1.0


@dataclass(frozen=True)
class AudioNuisance:
    name: str
    unit: str
    levels: tuple[float, ...]
    default: float
    lo: float
    hi: float
    description: str
    apply: Callable[[Audio, float, np.random.Generator], Audio]


def frames_k(m: float) -> int:
    return int(math.ceil(4 * m - 1e-9))


AUDIO_VIOLATIONS: dict[str, AudioViolation] = {v.name: v for v in [
    AudioViolation("av_early", "sound k frames early", True),
    AudioViolation("av_late", "sound k frames late", True),
    AudioViolation("av_drift", "sound drifts late, up to k frames at the end", True),
    AudioViolation("av_missing", "impact sounds missing", True),
    AudioViolation("av_extra", "impact sounds with no contact", False),
    AudioViolation("av_foreign", "sound track of another clip", True),
]}


def _shift(audio: Audio, seconds: float, rng: np.random.Generator) -> Audio:
    """Delay (seconds > 0) or advance the track, filling with room tone; length kept."""
    n, d = audio.n, int(round(seconds * audio.sample_rate))
    fill = room_tone(abs(d), audio.channels, rng).astype(np.float32)
    x = audio.samples
    y = np.concatenate([fill, x[: n - d]]) if d >= 0 else np.concatenate([x[-d:], fill])
    return Audio(y[:n].astype(np.float32), audio.sample_rate)


def _drift(audio: Audio, late_end: float, duration: float) -> Audio:
    """Heard at time t: what was made at t - late_end t / duration (linear interpolation)."""
    t = np.arange(audio.n) / audio.sample_rate
    src = (t - late_end * t / duration) * audio.sample_rate
    y = np.stack([np.interp(src, np.arange(audio.n), audio.samples[:, c]) for c in range(audio.channels)], 1)
    return Audio(y.astype(np.float32), audio.sample_rate)


def _free_times(truth: Any, count: int, duration: float, rng: np.random.Generator) -> list[float]:
    """``count`` times at least GAP_S from every contact and each other (fewer if none fit)."""
    busy = [float(c["t"]) for c in truth.contacts or []]
    out: list[float] = []
    for _ in range(200):
        if len(out) == count:
            break
        t = float(rng.uniform(0.1, max(duration - 0.2, 0.11)))
        if all(abs(t - b) >= GAP_S for b in busy + out):
            out.append(t)
    return sorted(out)


def apply_audio_violation(name: str, m: float, video: Any, truth: Any, fps: float, seed: int) -> None:
    """Inject audio violation ``name`` at magnitude ``m`` into ``video.audio`` and ``truth``
    (in place).  One that needs a sound in a clip with none (a perturbed scene whose contact
    fell silent) changes nothing and says so in its record, like a picture violation with
    nothing visible to act on; the validity study then leaves the pair out."""
    spec = AUDIO_VIOLATIONS[name]
    sounds = truth.sounds or []
    if spec.needs_sound and not sounds:
        m = 0.0
    rng = np.random.default_rng([int(seed), 0xED17])
    T, duration = video.T, video.T / fps
    details: dict[str, Any] = {}
    k = frames_k(m)
    if m <= 0:
        details = {"change": "none" if sounds or not spec.needs_sound else "none: no sounding contact in this clip"}
    elif name in ("av_early", "av_late"):
        sec = (k if name == "av_late" else -k) / fps
        video.audio = _shift(video.audio, sec, rng)
        truth.sounds = [{**s, "t": s["t"] + sec, "frame": (s["t"] + sec) * fps} for s in sounds
                        if 0 <= s["t"] + sec < duration]
        details = {"frames": k if name == "av_late" else -k, "seconds": sec}
    elif name == "av_drift":
        late = k / fps
        video.audio = _drift(video.audio, late, duration)
        moved = [s["t"] / (1 - late / duration) for s in sounds]
        truth.sounds = [{**s, "t": t, "frame": t * fps} for s, t in zip(sounds, moved) if t < duration]
        details = {"frames_at_end": k, "rate": 1 - late / duration}
    else:
        contacts = [dict(c) for c in truth.contacts or []]
        if name == "av_missing":
            heard = sorted(range(len(sounds)), key=lambda i: -sounds[i]["amplitude"])[: math.ceil(m * len(sounds))]
            gone = {(round(sounds[i]["t"], 6), tuple(sounds[i]["source"])) for i in heard}
            keep = [c for c in contacts if (round(round(c["t"] * SAMPLE_RATE) / SAMPLE_RATE, 6), tuple(c["objects"])) not in gone]
            details = {"removed": len(contacts) - len(keep)}
            contacts = keep
        elif name == "av_extra":
            times = _free_times(truth, math.ceil(3 * m), duration, rng)
            for t in times:
                contacts.append({"t": t, "kind": "impact", "objects": ["(none)"], "speed": 5.0,
                                 "x": truth.width / 2, "shape": "disc", "size": 0.1, "restitution": 0.6, "support": None})
            details = {"added": times}
        else:  # av_foreign
            n = max(1, math.ceil(m * len(sounds)))
            times = _free_times(truth, n, duration, rng)
            sounding = [i for i, c in enumerate(contacts) if any(abs(c["t"] - s["t"]) < 1e-3 for s in sounds)]
            for i, t in zip(sounding[:len(times)], times):
                contacts[i] = {**contacts[i], "t": t}
            details = {"moved": len(times), "to": times}
        saved = truth.contacts
        truth.contacts = contacts
        video.audio, truth.sounds = synthesize_audio(truth, fps, T, seed)
        truth.contacts = saved
    truth.violation = {"name": name, "magnitude": m, "object": None, "checks": ["av.sync"],
                       "description": f"{spec.description} (k = {k})", "details": details,
                       "times": None, "frames": [], "objects": []}


# --------------------------------------------------------------------------- nuisances


def _aac(a: Audio, kbps: float, rng: np.random.Generator) -> Audio:
    import io

    import av

    from bench.audio.track import add_audio_stream, mux_audio, read_audio

    buf = io.BytesIO()
    c = av.open(buf, mode="w", format="matroska")
    s = add_audio_stream(c, a, lossless=False)
    s.codec_context.bit_rate = int(kbps * 1000)
    mux_audio(c, s, a)
    c.close()
    buf.seek(0)
    b = read_audio(buf)
    y = b.samples[: a.n]
    y = np.concatenate([y, np.zeros((a.n - len(y), a.channels), np.float32)]) if len(y) < a.n else y
    return Audio(y, a.sample_rate)


def _resample(a: Audio, hz: float, rng: np.random.Generator) -> Audio:
    from fractions import Fraction

    from scipy.signal import resample_poly

    f = Fraction(int(hz), a.sample_rate)
    y = resample_poly(a.samples.astype(np.float64), f.numerator, f.denominator, axis=0)
    return Audio(np.clip(y, -1, 1).astype(np.float32), int(hz))


def _anoise(a: Audio, dbfs: float, rng: np.random.Generator) -> Audio:
    y = a.samples + rng.standard_normal(a.samples.shape) * 10 ** (dbfs / 20)
    return Audio(np.clip(y, -1, 1).astype(np.float32), a.sample_rate)


def _gain(a: Audio, db: float, rng: np.random.Generator) -> Audio:
    return Audio(np.clip(a.samples * 10 ** (db / 20), -1, 1).astype(np.float32), a.sample_rate)


def _mono(a: Audio, level: float, rng: np.random.Generator) -> Audio:
    return Audio(a.samples.mean(axis=1, keepdims=True).astype(np.float32), a.sample_rate)


AUDIO_NUISANCES: dict[str, AudioNuisance] = {n.name: n for n in [
    AudioNuisance("aac", "kbit/s", (32, 64, 96), 64, 16, 320, "AAC-LC re-encode", _aac),
    AudioNuisance("resample", "Hz", (8000, 22050, 44100), 22050, 8000, 96000, "resampled", _resample),
    AudioNuisance("anoise", "dBFS", (-50, -40, -30), -40, -90, -20, "white noise added to the sound", _anoise),
    AudioNuisance("gain", "dB", (-12, -6, 6), -6, -30, 12, "sound level changed", _gain),
    AudioNuisance("mono", "", (1,), 1, 1, 1, "stereo mixed down to mono", _mono),
]}


def apply_audio_nuisance(name: str, level: float, video: Any, truth: Any, seed: int) -> None:
    """Apply audio nuisance ``name`` at ``level`` to ``video.audio`` (in place); records it in
    ``truth.nuisance``."""
    spec = AUDIO_NUISANCES[name]
    rng = np.random.default_rng([int(seed), 0xA015E])
    video.audio = spec.apply(video.audio, float(level), rng)
    truth.nuisance = {"name": name, "level": float(level), "unit": spec.unit, "params": {}}
