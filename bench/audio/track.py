"""The audio track a ``Video`` may carry, and its only reader/writer (PyAV).

``Audio``: float32 samples ``(N, C)`` in ``[-1, 1]`` at ``sample_rate`` Hz, ``C`` channels, plus
the codec it was decoded from (``None`` for audio made in memory).

Storage (beside the video stream of ``bench.video.write_video``):
- lossless copy (``.mkv``): FLAC, signed 16-bit.  A float sample x is stored as
  ``round(clip(x, -1, 1 - 2^-15) * 2^15)``, so decode(encode(x)) differs from x by at most half
  an LSB of 16-bit (2^-16) for x in range;
- preview (``.mp4``): AAC-LC at 128 kbit/s (lossy; never scored).

``read_audio(path)`` decodes the first audio stream of any file FFmpeg reads (AAC, Opus, MP3,
FLAC, PCM in MP4/MKV/WebM/MOV) to ``Audio``; ``None`` when the file has no audio stream.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from bench.errors import UserError

#: Longest audio accepted from a file (guards against decompression bombs): 10 minutes.
MAX_SECONDS = 600.0
MAX_CHANNELS = 8
LSB = 2.0 ** -15


@dataclass
class Audio:
    """float32 samples ``(N, C)`` in ``[-1, 1]`` at ``sample_rate`` Hz.

    >>> a = Audio(np.zeros((160, 2), np.float32), 16000)
    >>> a.channels, a.duration
    (2, 0.01)
    """

    samples: np.ndarray
    sample_rate: int
    codec: str | None = None

    def __post_init__(self) -> None:
        s = self.samples
        if not isinstance(s, np.ndarray) or s.ndim != 2 or s.dtype != np.float32:
            raise ValueError(f"Audio.samples must be a float32 (N, C) array, got "
                             f"{getattr(s, 'dtype', type(s))} {getattr(s, 'shape', '')}")
        if not 1 <= s.shape[1] <= MAX_CHANNELS:
            raise ValueError(f"Audio.samples must have 1..{MAX_CHANNELS} channels, got {s.shape[1]}")
        if not np.isfinite(s).all():
            raise ValueError("Audio.samples holds NaN/inf")
        if isinstance(self.sample_rate, bool) or not 1000 <= int(self.sample_rate) <= 384_000:
            raise ValueError(f"Audio.sample_rate must be 1000..384000 Hz, got {self.sample_rate}")
        self.sample_rate = int(self.sample_rate)

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def n(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        return self.n / self.sample_rate

    def mono(self) -> np.ndarray:
        """Channel mean, float64 ``(N,)``."""
        return self.samples.astype(np.float64).mean(axis=1)

    def content_hash(self) -> str:
        """sha256 of the samples as 16-bit integers, the rate and the channel count."""
        h = hashlib.sha256()
        h.update(np.asarray([self.n, self.channels, self.sample_rate], np.int64).tobytes())
        h.update(to_s16(self.samples).tobytes())
        return h.hexdigest()

    def info(self) -> dict[str, Any]:
        """The manifest's ``audio`` record: codec, sample_rate, channels, duration, samples, sha256."""
        return {"codec": self.codec, "sample_rate": self.sample_rate, "channels": self.channels,
                "duration": round(self.duration, 6), "samples": self.n, "sha256": self.content_hash()}


def to_s16(x: np.ndarray) -> np.ndarray:
    """float in [-1, 1] -> int16 (round half to even; +1.0 saturates at 32767)."""
    return np.clip(np.rint(np.asarray(x, np.float64) * 32768.0), -32768, 32767).astype(np.int16)


def _layout(channels: int) -> str:
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")


# --------------------------------------------------------------------------- encode


def add_audio_stream(container: Any, audio: Audio, *, lossless: bool) -> Any:
    """Add an audio stream for ``audio`` to an output container: FLAC (s16) when ``lossless``,
    else AAC-LC 128 kbit/s (fltp).  Call after the video stream is added (it stays stream 0)."""
    if lossless:
        stream = container.add_stream("flac", rate=audio.sample_rate, layout=_layout(audio.channels))
        stream.codec_context.format = "s16"
        stream.codec_context.options = {"flags": "+bitexact"}
    else:
        stream = container.add_stream("aac", rate=audio.sample_rate, layout=_layout(audio.channels))
        stream.codec_context.bit_rate = 128_000
        stream.codec_context.options = {"flags": "+bitexact"}
    return stream


def mux_audio(container: Any, stream: Any, audio: Audio) -> None:
    """Encode all of ``audio`` into ``stream`` and mux it (frames of the codec's frame size)."""
    import av

    cc = stream.codec_context
    fmt = cc.format.name
    step = cc.frame_size or 4096
    if fmt == "s16":
        data = to_s16(audio.samples)                          # packed (N, C)
    else:                                                    # fltp/flt: the float samples
        data = np.clip(audio.samples, -1.0, 1.0).astype(np.float32)
    planar = fmt.endswith("p")
    for start in range(0, audio.n, step):
        chunk = data[start:start + step]
        arr = np.ascontiguousarray(chunk.T) if planar else np.ascontiguousarray(chunk.reshape(1, -1))
        fr = av.AudioFrame.from_ndarray(arr, format=fmt, layout=_layout(audio.channels))
        fr.sample_rate = audio.sample_rate
        fr.pts = start
        fr.time_base = Fraction(1, audio.sample_rate)
        for packet in stream.encode(fr):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


# --------------------------------------------------------------------------- decode


def read_audio(path: str | os.PathLike) -> Audio | None:
    """Decode the first audio stream of ``path`` (``None`` if it has none).

    Raises ``UserError`` naming the file when the stream is undecodable, has more than
    ``MAX_CHANNELS`` channels or lasts longer than ``MAX_SECONDS``.
    """
    import av

    try:
        container = av.open(path if hasattr(path, "read") else str(path), mode="r")
    except Exception as e:
        raise UserError(f"{path}: cannot open for audio ({type(e).__name__}: {e})") from None
    try:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        codec = stream.codec_context.name
        rate = int(stream.codec_context.sample_rate or 0)
        if not 1000 <= rate <= 384_000:
            raise UserError(f"{path}: audio sample rate {rate} Hz is unusable")
        chunks, total = [], 0
        try:
            for fr in container.decode(stream):
                a = _frame_to_float(fr)
                total += a.shape[0]
                if total > MAX_SECONDS * rate:
                    raise UserError(f"{path}: audio longer than {MAX_SECONDS:g} s")
                chunks.append(a)
        except UserError:
            raise
        except Exception as e:
            if not chunks:
                raise UserError(f"{path}: cannot decode audio ({type(e).__name__}: {e})") from None
        if not chunks:
            return None
        widths = {c.shape[1] for c in chunks}
        if len(widths) != 1:
            raise UserError(f"{path}: audio channel count changes mid-stream ({sorted(widths)})")
        samples = np.concatenate(chunks).astype(np.float32)
        try:
            return Audio(np.clip(samples, -1.0, 1.0), rate, codec)
        except ValueError as e:
            raise UserError(f"{path}: {e}") from None
    finally:
        container.close()


def _frame_to_float(fr: Any) -> np.ndarray:
    """One decoded ``AudioFrame`` -> float64 ``(n, C)`` in [-1, 1]."""
    name = fr.format.name
    ch = len(fr.layout.channels)
    a = fr.to_ndarray()
    if not fr.format.is_planar:
        a = a.reshape(-1, ch).T
    a = a[:, : fr.samples]
    scale = {"s16": 32768.0, "s16p": 32768.0, "s32": 2.0 ** 31, "s32p": 2.0 ** 31, "u8": 128.0, "u8p": 128.0}
    if name.startswith("u8"):
        out = (a.astype(np.float64) - 128.0) / 128.0
    elif name in scale:
        out = a.astype(np.float64) / scale[name]
    else:
        out = a.astype(np.float64)
    return out.T
