"""An invisible, weight-free frame watermark (DWT-DCT with quantisation index modulation).

Method (per frame, on luma ``Y = 0.299 R + 0.587 G + 0.114 B``, BT.601):

1. one-level Haar DWT of ``Y`` (PyWavelets); keep the low-low band ``LL`` (half size);
2. cut ``LL`` into 4 x 4 blocks and take each block's orthonormal 2-D DCT (scipy); block ``k``
   (raster order) carries payload bit ``k mod n_bits``;
3. quantisation index modulation (Chen & Wornell 2001) on the DC coefficient: it is moved to the
   nearest point of the lattice ``step * Z`` (bit 0) or ``step * Z + step / 2`` (bit 1);
4. inverse DCT and DWT give the new luma; the same change is added to R, G and B (the BT.601
   weights sum to 1, so chroma is unchanged) and rounded to uint8.

The DC term of a 4 x 4 block of the Haar LL band is 8 x the mean of an 8 x 8 pixel area, so a
``step`` of 48 changes pixels by at most 3 grey levels (PSNR about 44 dB on oracle renders).
48 was chosen on oracle renders (6 videos, H.264): bit accuracy 1.0 after CRF 18 and 23 (24
gave 0.95 at CRF 23, 64 costs 4 dB more PSNR); none of these steps survives CRF 35.

Detection reads the DC terms at the same grid as phases ``theta = 2 pi DC / step``.  A global
brightness offset (an RGB -> limited-range YUV -> RGB round trip shifts 8 x 8 means by about one
grey level, i.e. half a step) moves every phase alike; it is estimated as ``phi = arg(sum
exp(2 i theta)) / 2`` (doubling the phase removes the bits) and each block votes
``cos(theta - phi)`` (+1 = bit 0, -1 = bit 1).  Votes are summed per bit over blocks and frames,
their mean over the bits is subtracted (flat areas whose mark a re-encode wiped vote alike for
every bit; without this H.264 CRF 23 left 19 of 32 bits on oracle renders, with it 29-32), and the
signs read.  ``phi`` is known up to half a step, so the payload is also compared inverted:
``bit_accuracy`` is the larger share of bits equal to the expected payload, and ``p_value`` the
chance of matching at least that many bits by luck either way, ``2 P(Binomial(n, 1/2) >= m)``:
the detector's false-positive rate for an unmarked video.  ``detected`` means ``p_value <= 1e-4``
(at 32 bits: 28 or more bits right).

Why hand-written.  The ``invisible-watermark`` package (imwatermark) implements DWT-DCT but
declares ``opencv-python`` and ``torch`` as requirements; ``opencv-python`` clashes with this
project's ``opencv-python-headless`` (both install ``cv2``), so pip would break the environment.
The method is about 60 lines on PyWavelets + scipy, which we depend on directly.  What it does
not do: survive resizing or cropping by a non-multiple of 8 pixels (the block grid moves), and
it is not a learned watermark (VideoSeal and friends are not included).
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

METHOD = "dwt-dct-qim/v1"
N_BITS = 32
STEP = 48.0
P_DETECT = 1e-4
CHUNK = 16  # frames transformed at once (float64 working memory: ~50 bytes per pixel per frame)
_LUMA = np.array([0.299, 0.587, 0.114])


def default_payload(n_bits: int = N_BITS) -> np.ndarray:
    """The suite's mark: the first ``n_bits`` bits of sha256("bench-watermark/v1"), uint8 0/1."""
    d = hashlib.sha256(b"bench-watermark/v1").digest()
    return np.unpackbits(np.frombuffer(d, np.uint8))[:n_bits].astype(np.uint8)


def payload_hex(bits: np.ndarray) -> str:
    return np.packbits(np.asarray(bits, np.uint8)).tobytes().hex()


def _dc_grid(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Haar LL band of luma ``y`` ``(T, H, W)`` (H, W multiples of 8) cut into 4 x 4 blocks:
    (DCT coefficients ``(T, H/8, W/8, 4, 4)``, the LL band ``(T, H/2, W/2)``)."""
    import pywt
    from scipy.fft import dctn

    ll, _ = pywt.dwt2(y, "haar", axes=(-2, -1))
    t, h, w = ll.shape
    blocks = ll.reshape(t, h // 4, 4, w // 4, 4).transpose(0, 1, 3, 2, 4)
    return dctn(blocks, axes=(3, 4), norm="ortho"), ll


def _region(frames: np.ndarray) -> tuple[int, int]:
    h, w = frames.shape[1] // 8 * 8, frames.shape[2] // 8 * 8
    if h < 8 or w < 8:
        raise ValueError(f"frames of {frames.shape[2]}x{frames.shape[1]} are too small to watermark (need 8x8)")
    return h, w


def embed(frames: np.ndarray, bits: np.ndarray | None = None, step: float = STEP) -> np.ndarray:
    """Watermarked copy of uint8 RGB ``frames`` ``(T, H, W, 3)`` carrying ``bits`` (0/1)."""
    import pywt
    from scipy.fft import idctn

    bits = default_payload() if bits is None else np.asarray(bits, np.uint8)
    if len(frames) > CHUNK:
        return np.concatenate([embed(frames[i:i + CHUNK], bits, step) for i in range(0, len(frames), CHUNK)])
    h, w = _region(frames)
    rgb = frames[:, :h, :w].astype(np.float64)
    coef, ll = _dc_grid(rgb @ _LUMA)
    t, by, bx = coef.shape[:3]
    dither = bits[np.arange(by * bx) % len(bits)].reshape(by, bx) * (step / 2.0)
    dc = coef[..., 0, 0]
    coef[..., 0, 0] = np.round((dc - dither) / step) * step + dither
    ll_new = idctn(coef, axes=(3, 4), norm="ortho").transpose(0, 1, 3, 2, 4).reshape(ll.shape)
    # the transforms are linear: the luma change is the inverse DWT of the LL change alone
    dy = pywt.idwt2((ll_new - ll, (None, None, None)), "haar", axes=(-2, -1))
    out = frames.copy()
    out[:, :h, :w] = np.clip(np.rint(rgb + dy[..., None]), 0, 255).astype(np.uint8)
    return out


def detect(frames: np.ndarray, bits: np.ndarray | None = None, step: float = STEP) -> dict[str, Any]:
    """Look for payload ``bits`` in uint8 RGB ``frames`` ``(T, H, W, 3)``.

    Returns ``decoded`` (hex), ``bit_accuracy`` in [0, 1], ``p_value`` (binomial tail, see the
    module docstring), ``detected`` and ``strength`` (mean |vote| in [0, 1]; about 0.64 for
    uniformly random DC terms, 1 for a pristine mark).
    """
    bits = default_payload() if bits is None else np.asarray(bits, np.uint8)
    nb = len(bits)
    try:
        h, w = _region(frames)
    except ValueError:
        return {"method": METHOD, "detected": False, "bit_accuracy": None, "p_value": 1.0, "note": "too small"}
    th = np.concatenate([  # (T, blocks), CHUNK frames at a time to bound float64 memory
        2.0 * math.pi * _dc_grid(frames[i:i + CHUNK, :h, :w].astype(np.float64) @ _LUMA)[0][..., 0, 0]
        .reshape(len(frames[i:i + CHUNK]), -1) / step for i in range(0, len(frames), CHUNK)])
    # a global brightness offset (colour-range round trips shift 8x8 means by ~1 grey level)
    # moves every DC term alike: estimate it from the doubled phase, which the bits do not move
    phi = 0.5 * float(np.angle(np.exp(2j * th).sum()))
    v = np.cos(th - phi)
    votes = np.bincount(np.arange(th.shape[1]) % nb, weights=v.sum(0), minlength=nb)[:nb]
    # flat areas whose mark a re-encode wiped vote alike for every bit: remove that common mode
    votes = votes - votes.mean()
    decoded = (votes < 0).astype(np.uint8)
    m = int((decoded == bits).sum())
    if m < nb - m:  # the doubled phase leaves the offset known up to half a step: a sign flip
        decoded, m = 1 - decoded, nb - m
    p = min(1.0, 2.0 * binomial_tail(m, nb))
    return {"method": METHOD, "decoded": payload_hex(decoded), "bit_accuracy": m / nb, "p_value": p,
            "detected": bool(p <= P_DETECT), "strength": float(np.abs(v).mean())}


def binomial_tail(m: int, n: int) -> float:
    """P(X >= m) for X ~ Binomial(n, 1/2), exactly."""
    return float(sum(math.comb(n, k) for k in range(m, n + 1)) / 2.0 ** n)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB between uint8 arrays (inf when equal)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * math.log10(255.0 ** 2 / mse)


def watermark_enabled() -> bool:
    """``BENCH_WATERMARK`` set to 1/on/true/yes: watermark every video the suite writes.  Off by
    default because it changes the pixels metrics score (by at most 3 grey levels)."""
    import os

    return os.environ.get("BENCH_WATERMARK", "").strip().lower() in ("1", "on", "true", "yes")


def mark_video(video: Any) -> tuple[Any, dict[str, Any]]:
    """Watermark a ``bench.video.Video``: (new Video, the manifest row's ``watermark`` entry)."""
    from bench.video import Video

    bits = default_payload()
    frames = embed(video.frames, bits)
    found = detect(frames, bits)
    rec = {"method": METHOD, "payload": payload_hex(bits), "step": STEP, "psnr_db": round(psnr(video.frames, frames), 2),
           "bit_accuracy": found["bit_accuracy"], "p_value": found["p_value"], "detected": found["detected"]}
    return Video(frames, video.fps, dict(video.provenance)), rec
