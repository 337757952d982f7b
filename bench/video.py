"""The ``Video`` value and its only reader/writer.

Every metric reads one ``Video``: uint8 frames ``T x H x W x 3`` (RGB), a frame rate, and a
provenance dict.  Videos are decoded exactly once per scoring run (``bench.scoring``); nothing
else in the package opens a video file.

Storage (see ARCHITECTURE.md, run directory):
- the **lossless** copy that metrics read: FFV1 (``bgr0``, bit-exact RGB) in Matroska, ``.mkv``;
- the **preview** for people: H.264 ``yuv420p`` in MP4 (lossy; never scored).
A video may carry sound (``Video.audio``, ``bench.audio.track``): FLAC beside FFV1 in the lossless
copy, AAC in the preview; ``read_video`` decodes the first audio stream of any file.
Both carry container metadata tags saying the content is synthetic / AI-generated, by what,
and from which prompt (``comment``, ``title``, ``encoder`` plus our ``bench_*`` keys).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from bench.atomic import atomic_path
from bench.errors import UserError

#: Largest frame we accept from a file (guards against decompression bombs); checked on every
#: decoded frame *before* it is converted, so a 32x32 first frame cannot hide 8000x8000 ones.
MAX_PIXELS = 4096 * 4096
MAX_FRAMES = 10_000
#: Budget for one decoded video (T x H x W x 3 bytes), checked frame by frame while decoding.
MAX_DECODED_BYTES = 1 << 30
#: Frame rates a file or a generator may have (score, import and generate use the same bounds).
FPS_MAX = 240.0


@dataclass
class Video:
    """uint8 RGB frames ``(T, H, W, 3)`` at ``fps``, with provenance and, optionally, sound
    (``audio``: a ``bench.audio.track.Audio``, float32 samples ``(N, C)`` in [-1, 1]).

    >>> v = Video(np.zeros((4, 8, 8, 3), np.uint8), fps=8.0)
    >>> v.shape
    (4, 8, 8, 3)
    """

    frames: np.ndarray
    fps: float
    provenance: dict[str, Any] = field(default_factory=dict)
    #: optional sound track (``bench.audio.track.Audio``); None = silent video (no audio stream)
    audio: Any = None

    def __post_init__(self) -> None:
        f = self.frames
        if not isinstance(f, np.ndarray):
            raise TypeError("Video.frames must be a numpy array")
        if f.dtype != np.uint8:
            raise ValueError(f"Video.frames must be uint8, got {f.dtype}")
        if f.ndim != 4 or f.shape[-1] != 3:
            raise ValueError(f"Video.frames must be T x H x W x 3, got shape {f.shape}")
        if f.shape[0] < 1 or f.shape[1] < 1 or f.shape[2] < 1:
            raise ValueError(f"Video.frames is empty: shape {f.shape}")
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise ValueError(f"Video.fps must be a positive number, got {self.fps}")
        if self.audio is not None:
            from bench.audio.track import Audio

            if not isinstance(self.audio, Audio):
                raise TypeError("Video.audio must be a bench.audio.track.Audio or None")

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return tuple(self.frames.shape)  # type: ignore[return-value]

    @property
    def T(self) -> int:
        return int(self.frames.shape[0])

    @property
    def H(self) -> int:
        return int(self.frames.shape[1])

    @property
    def W(self) -> int:
        return int(self.frames.shape[2])

    @property
    def duration(self) -> float:
        return self.T / self.fps

    def content_hash(self) -> str:
        """sha256 of the decoded pixels and shape (independent of the container)."""
        h = hashlib.sha256()
        h.update(np.asarray(self.frames.shape, np.int64).tobytes())
        h.update(np.ascontiguousarray(self.frames).tobytes())
        return h.hexdigest()


#: Float output may overshoot its declared range by this share of the range (rounding in a VAE
#: decoder); beyond it the generator produced another range (0-255, or [-1, 1] as [0, 1]).
FLOAT_RANGE_SLACK = 0.02


def frames_from_float(x: np.ndarray, lo: float = 0.0, hi: float = 1.0, what: str = "frames") -> np.ndarray:
    """Convert float frames in ``[lo, hi]`` to uint8, refusing NaN/inf and values outside the
    range (beyond ``FLOAT_RANGE_SLACK``): float frames in 0-255 would become an all-white video
    and frames in [-1, 1] half black.  The caller (the runner) adds the model's name."""
    x = np.asarray(x)
    if not np.isfinite(x).all():
        bad = int((~np.isfinite(x)).sum())
        raise UserError(f"{what}: {bad} non-finite pixel values (NaN/inf) in generator output")
    if x.size and np.issubdtype(x.dtype, np.floating):
        slack = FLOAT_RANGE_SLACK * (hi - lo)
        xmin, xmax = float(x.min()), float(x.max())
        if xmin < lo - slack or xmax > hi + slack:
            raise UserError(f"{what}: float pixel values span [{xmin:.4g}, {xmax:.4g}], outside the expected "
                            f"[{lo:g}, {hi:g}] (0-255 or [-1, 1] output would be scored as a white or half-black video)")
    y = (x.astype(np.float64) - lo) / (hi - lo)
    return np.clip(np.rint(y * 255.0), 0, 255).astype(np.uint8)


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """sha256 of a regular file (a FIFO or device is refused, never read forever)."""
    from bench.safeio import open_regular

    h = hashlib.sha256()
    with open_regular(path, "video file") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


# --------------------------------------------------------------------------- metadata


def synthetic_tags(provenance: dict[str, Any]) -> dict[str, str]:
    """Container tags that mark a file as synthetic/AI-generated and say by what, from what."""
    source = provenance.get("source", "generated")
    model = str(provenance.get("model", "unknown"))
    prompt = str(provenance.get("prompt", ""))
    kind = "synthetic (procedural render)" if source == "rendered" else "AI-generated"
    tags = {
        "comment": f"{kind} video; generator={model}; prompt={prompt}"[:1000],
        "title": f"{provenance.get('probe_id', '')} [{kind}]",
        "bench_synthetic": "1",
        "bench_source": str(source),
        "bench_model": model,
        "bench_prompt": prompt[:1000],
        "bench_probe_id": str(provenance.get("probe_id", "")),
        "bench_seed": str(provenance.get("seed", "")),
    }
    return tags


# --------------------------------------------------------------------------- encode


def _fps_fraction(fps: float) -> Fraction:
    return Fraction(fps).limit_denominator(1001)


def write_video(video: Video, path: str | os.PathLike, *, lossless: bool, crf: int = 18,
                tags: dict[str, str] | None = None, credentials: dict[str, Any] | None = None,
                sign: bool = True) -> dict[str, Any] | None:
    """Encode ``video`` to ``path`` atomically, with C2PA content credentials.

    ``lossless=True``: FFV1/bgr0 in Matroska (bit-exact RGB round trip; use a ``.mkv`` path).
    ``lossless=False``: H.264/yuv420p MP4 preview at ``crf`` (frame size padded to even).
    Credentials (:mod:`bench.credentials`): embedded in MP4, a ``.c2pa`` sidecar for MKV, made
    from ``video.provenance`` updated with ``credentials``; returns their manifest-row summary
    (None only with ``sign=False``, which exists for the signing-cost benchmark).
    """
    import av

    path = Path(path)
    frames = video.frames
    if not lossless:
        # yuv420p needs even dimensions: pad by edge replication (preview only).
        ph, pw = frames.shape[1] % 2, frames.shape[2] % 2
        if ph or pw:
            frames = np.pad(frames, ((0, 0), (0, ph), (0, pw), (0, 0)), mode="edge")
    tags = dict(tags if tags is not None else synthetic_tags(video.provenance))
    with atomic_path(path) as tmp:
        # bitexact: no muxer date or random segment id, so the same pixels and tags give the same
        # file bytes (and file hash) on every run
        opts = {"fflags": "+bitexact"}
        if not lossless:
            opts["movflags"] = "use_metadata_tags"  # keep bench_* tags in MP4
        container = av.open(str(tmp), mode="w", options=opts)
        try:
            for k, v in tags.items():
                container.metadata[k] = v
            rate = _fps_fraction(video.fps)
            if lossless:
                stream = container.add_stream("ffv1", rate=rate)
                stream.pix_fmt = "bgr0"
                stream.codec_context.options = {"flags": "+bitexact"}
            else:
                stream = container.add_stream("libx264", rate=rate)
                stream.pix_fmt = "yuv420p"
                stream.options = {"crf": str(int(crf)), "preset": "medium"}
            stream.width = frames.shape[2]
            stream.height = frames.shape[1]
            astream = None
            if video.audio is not None:  # audio hook: FLAC beside FFV1, AAC beside H.264
                from bench.audio.track import add_audio_stream

                astream = add_audio_stream(container, video.audio, lossless=lossless)
            for i in range(frames.shape[0]):
                fr = av.VideoFrame.from_ndarray(np.ascontiguousarray(frames[i]), format="rgb24")
                for packet in stream.encode(fr):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
            if astream is not None:
                from bench.audio.track import mux_audio

                mux_audio(container, astream, video.audio)
        finally:
            container.close()
        if sign:
            from bench.credentials import sign_video

            return sign_video(tmp, {**video.provenance, **(credentials or {})}, path)
    return None


def encode_bytes_h264(video: Video, crf: int) -> Video:
    """Round-trip ``video`` through an in-memory H.264 encode at ``crf`` (for nuisances)."""
    import io

    import av

    buf = io.BytesIO()
    frames = video.frames
    ph, pw = frames.shape[1] % 2, frames.shape[2] % 2
    if ph or pw:
        frames = np.pad(frames, ((0, 0), (0, ph), (0, pw), (0, 0)), mode="edge")
    container = av.open(buf, mode="w", format="mp4")
    stream = container.add_stream("libx264", rate=_fps_fraction(video.fps))
    stream.pix_fmt = "yuv420p"
    stream.options = {"crf": str(int(crf)), "preset": "medium"}
    stream.width, stream.height = frames.shape[2], frames.shape[1]
    for i in range(frames.shape[0]):
        for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frames[i]), format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    buf.seek(0)
    out = _decode_container(av.open(buf, mode="r"), "<in-memory h264>")
    out.frames = out.frames[:, : video.H, : video.W]
    out.provenance = dict(video.provenance)
    out.audio = video.audio  # the picture nuisance leaves the sound alone
    return out


# --------------------------------------------------------------------------- decode


def read_video(path: str | os.PathLike) -> Video:
    """Decode a video file (any container PyAV/FFmpeg reads, GIF included) to a ``Video``.

    Raises ``UserError`` naming the file for: missing, empty, undecodable, no video stream,
    fewer than 1 frame, absurd size, or an unknown frame rate.
    """
    import av

    from bench.safeio import regular_file

    path = regular_file(path, "video file")  # no FIFO, device or folder reaches FFmpeg
    if path.stat().st_size == 0:
        raise UserError(f"{path}: empty file (0 bytes)")
    try:
        container = av.open(str(path), mode="r")
    except Exception as e:  # av.error.InvalidDataError and friends
        raise UserError(f"{path}: cannot decode video ({type(e).__name__}: {e})") from None
    try:
        meta = dict(container.metadata)
    except Exception:
        meta = {}
    video = _decode_container(container, str(path))
    video.provenance = {**video.provenance, "file": str(path), "container_metadata": meta}
    from bench.audio.track import read_audio  # audio hook: the first audio stream, if any

    video.audio = read_audio(path)
    return video


def _bgr0_to_rgb(fr: Any) -> np.ndarray:
    """Our lossless FFV1 frames are ``bgr0``: reorder the plane in numpy (exact, and ~1.5x faster
    per video than swscale's conversion to rgb24)."""
    plane = fr.planes[0]
    h, w = fr.height, fr.width
    a = np.frombuffer(plane, np.uint8).reshape(h, plane.line_size)[:, : w * 4].reshape(h, w, 4)
    return np.ascontiguousarray(a[..., 2::-1])


def _has_alpha(fmt: Any) -> bool:
    try:
        return any(c.is_alpha for c in fmt.components) or fmt.name == "pal8"
    except Exception:  # pragma: no cover - a format PyAV cannot describe
        return False


def display_rotation(frame: Any, name: str) -> int:
    """Quarter turns (counter-clockwise, as ``np.rot90``) a player applies to ``frame``, read from
    its display matrix (FFmpeg ``AV_FRAME_DATA_DISPLAYMATRIX``: nine int32, 16.16 fixed point for
    the 2x2 part ``[[a, b], [c, d]]`` = ``m[0], m[1], m[3], m[4]``; FFmpeg's
    ``av_display_rotation_set(θ)`` writes ``a = d = cos θ``, ``b = -sin θ``, ``c = sin θ``).

    Only a proper rotation by an exact multiple of 90° is applied.  ``UserError`` naming the file
    for a mirror (determinant < 0; PyAV reports a horizontal flip as rotation ±180 and it used to
    be applied as a turn), a degenerate matrix (all zero: it used to be applied as 270°), a shear
    or unequal scale, or any other angle (45° used to be ignored silently).  Hand-written: PyAV 18
    exposes the matrix bytes (``frame.side_data``) and only a derived angle (``frame.rotation``),
    which cannot tell a mirror from a turn."""
    import math
    import struct

    raw = None
    for sd in getattr(frame, "side_data", None) or ():
        if getattr(getattr(sd, "type", None), "name", "") == "DISPLAYMATRIX":
            raw = bytes(memoryview(sd))
            break
    if raw is None:
        deg = float(getattr(frame, "rotation", 0) or 0)
        if deg % 90:
            raise UserError(f"{name}: display rotation of {deg:g} degrees is not a multiple of 90; re-encode it "
                            "upright (e.g. `ffmpeg -i IN OUT.mp4` applies it)")
        return int(round(deg / 90.0)) % 4
    if len(raw) < 36:
        raise UserError(f"{name}: display matrix of {len(raw)} bytes (36 expected)")
    m = struct.unpack("<9i", raw[:36])
    a, b, c, d = (m[i] / 65536.0 for i in (0, 1, 3, 4))
    scale = math.hypot(a, c)
    det = a * d - b * c
    fix = "; re-encode it as it should be shown (e.g. `ffmpeg -i IN OUT.mp4` applies the matrix)"
    if scale < 1e-3 or abs(det) < 1e-6:
        raise UserError(f"{name}: degenerate display matrix {list(m)} (it maps the picture to a line or a "
                        f"point){fix}")
    if det < 0:
        raise UserError(f"{name}: the display matrix mirrors the picture (determinant {det:.3g} < 0); bench "
                        f"applies only rotations{fix}")
    tol = 1e-3 * scale
    if abs(a - d) > tol or abs(b + c) > tol:
        raise UserError(f"{name}: the display matrix {list(m)} is not a pure rotation (shear or unequal scale)"
                        f"{fix}")
    deg = math.degrees(math.atan2(c, a))
    k = round(deg / 90.0)
    if abs(deg - 90.0 * k) > 0.01:
        raise UserError(f"{name}: display rotation of {deg:g} degrees is not a multiple of 90{fix}")
    return k % 4


def _decode_container(container: Any, name: str) -> Video:
    """Decode the first video stream as a player shows it.

    - every frame's size is checked against ``MAX_PIXELS`` and the running total against
      ``MAX_DECODED_BYTES`` *before* the frame is converted (nothing large is allocated first);
    - display-matrix rotation (phones store portrait video sideways) is applied;
    - GIF frame rates come from the frame timestamps (GIF delays are centiseconds, so the
      container's nominal rate is off: 12 fps comes out as 12.5);
    - an alpha channel is dropped (the probes see RGB) and noted in provenance (``alpha``);
    - a file that decodes fewer frames than its header declares is marked ``truncated`` in
      provenance (``bench import`` refuses it; a run's own files never are).
    """
    try:
        if not container.streams.video:
            raise UserError(f"{name}: no video stream")
        stream = container.streams.video[0]
        w, h = stream.codec_context.width, stream.codec_context.height
        if w and h and w * h > MAX_PIXELS:
            raise UserError(f"{name}: frame size {w}x{h} exceeds the {MAX_PIXELS} pixel limit")
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        is_gif = getattr(container.format, "name", "") == "gif"
        frames = []
        times = []
        first: tuple[int, int] | None = None
        total = 0
        alpha = False
        rotation = 0
        decode_error = None
        try:
            for fr in container.decode(stream):
                fw, fh = fr.width, fr.height
                if fw * fh > MAX_PIXELS:
                    raise UserError(f"{name}: frame {len(frames)} is {fw}x{fh}, above the {MAX_PIXELS} pixel limit")
                if first is None:
                    first = (fw, fh)
                    alpha = _has_alpha(fr.format)
                    rotation = display_rotation(fr, name)
                elif (fw, fh) != first:
                    raise UserError(f"{name}: frame size changes mid-stream ({first[0]}x{first[1]} to {fw}x{fh} "
                                    f"at frame {len(frames)})")
                total += fw * fh * 3
                if total > MAX_DECODED_BYTES:
                    raise UserError(f"{name}: more than {MAX_DECODED_BYTES >> 20} MiB of decoded pixels "
                                    f"({len(frames) + 1}+ frames of {fw}x{fh}); shorten or downscale it")
                if len(frames) >= MAX_FRAMES:
                    raise UserError(f"{name}: more than {MAX_FRAMES} frames")
                arr = _bgr0_to_rgb(fr) if fr.format.name == "bgr0" else fr.to_ndarray(format="rgb24")
                if rotation:
                    arr = np.ascontiguousarray(np.rot90(arr, rotation))
                frames.append(arr)
                if fr.time is not None:
                    times.append(float(fr.time))
        except UserError:
            raise
        except Exception as e:
            if not frames:
                raise UserError(f"{name}: cannot decode video ({type(e).__name__}: {e})") from None
            decode_error = f"{type(e).__name__}: {e}"  # a truncated file: keep what decoded, say so
        if not frames:
            raise UserError(f"{name}: no decodable frames")
        if len(times) >= 3:
            d = np.diff(np.asarray(times))
            if d.min() <= 0 or (d.max() > 1.5 * d.min() and d.max() - d.min() > 2e-3):
                raise UserError(
                    f"{name}: variable frame rate (frame intervals {d.min():.4f}-{d.max():.4f} s); "
                    "physics checks need a constant rate: re-encode it, e.g. `ffmpeg -i IN -fps_mode cfr -r 24 OUT.mp4`")
        fps = float(rate) if rate else 0.0
        if (is_gif or not fps > 0) and len(times) >= 2 and times[-1] > times[0]:
            fps = (len(times) - 1) / (times[-1] - times[0])
        if not (np.isfinite(fps) and 0 < fps <= FPS_MAX):
            raise UserError(f"{name}: unknown or absurd frame rate ({fps:g}; at most {FPS_MAX:g} fps is read)")
        declared = _declared_frames(container, stream, fps)
        arr = np.stack(frames)
        grey = stream.codec_context.pix_fmt in ("gray", "gray10le", "gray12le", "gray16le", "ya8") or bool(
            (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all())
        prov: dict[str, Any] = {"file": name, "grey": grey}
        if alpha:
            prov["alpha"] = "dropped: the file has an alpha channel; its colour channels are scored as stored"
        if rotation:
            prov["rotation_applied"] = 90 * rotation
        if declared and arr.shape[0] < declared - max(1, int(0.05 * declared)):
            prov["truncated"] = f"decodes {arr.shape[0]} of {declared} declared frames"
        if decode_error:
            prov["decode_error"] = decode_error
        return Video(arr, fps=fps, provenance=prov)
    finally:
        container.close()


def _declared_frames(container: Any, stream: Any, fps: float) -> int:
    """Frames the file's header promises: ``nb_frames``, else duration x rate (0 = unknown)."""
    try:
        n = int(stream.frames or 0)
        if n > 0:
            return n
        if stream.duration and stream.time_base:
            secs = float(stream.duration * stream.time_base)
        elif container.duration:
            secs = container.duration / 1e6
        else:
            return 0
        return int(round(secs * fps)) if secs > 0 else 0
    except Exception:  # pragma: no cover - headers PyAV cannot read
        return 0


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    import av

    with av.open(str(path)) as c:
        return dict(c.metadata)


def provenance_json(prov: dict[str, Any]) -> str:
    return json.dumps(prov, sort_keys=True, default=str)
