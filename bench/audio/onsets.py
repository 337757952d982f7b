"""Audio onsets: the onset-strength envelope and its peaks.

``onset_strength(audio)`` follows librosa's ``librosa.onset.onset_strength`` formulation
(Böck & Widmer 2013 without the max filter; librosa docs, "onset_strength"): the log-power mel
spectrogram S (dB, floored 80 dB below its maximum) and the spectral flux

    o(k) = mean_f max(0, S[f, k] - S[f, k - 1])

on a centred STFT (numpy's rfft).  Here the window is 16 ms and the hop 5 ms at any sample rate (n_fft the
power of two nearest 0.016 sr) and the 40 mel bands span 60..3800 Hz, a range every rate from
8 kHz up can represent, so resampling the track barely changes the envelope.  It is written with
numpy instead of calling librosa because librosa's numba kernels cost several seconds of JIT
compilation in every fresh scoring process, more than the whole audio scoring of a run.  The
test suite checks it against librosa when librosa is installed.

``onset_times(audio)`` picks the peaks of o: local maxima within +-``PEAK_S`` that rise at least
``MIN_FLUX`` dB above the envelope's median.  Times are the envelope frame centres, k * hop / sr
(seconds); an attack at t0 peaks within a hop of t0 - n_fft / (4 sr) at worst (a few ms).
Peaks in the first and last window (16 ms) are dropped: there the envelope sees the ends of the
track (its zero padding), not an attack.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from bench.audio.track import Audio

HOP_S = 0.005
WIN_S = 0.016
N_MELS = 40
FMIN, FMAX = 60.0, 3800.0
TOP_DB = 80.0
PEAK_S = 0.05
#: dB (band-mean flux) an onset must rise above the envelope's median.
MIN_FLUX = 4.0


def _mel(f: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mel_filterbank(sr: int, n_fft: int, n_mels: int = N_MELS, fmin: float = FMIN, fmax: float = FMAX) -> np.ndarray:
    """Triangular mel filters ``(n_mels, n_fft // 2 + 1)`` (HTK mel scale, area-normalised)."""
    freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    edges_mel = np.linspace(_mel(np.asarray(fmin)), _mel(np.asarray(min(fmax, sr / 2))), n_mels + 2)
    edges = 700.0 * (10 ** (edges_mel / 2595.0) - 1.0)
    fb = np.zeros((n_mels, len(freqs)))
    for m in range(n_mels):
        lo, c, hi = edges[m], edges[m + 1], edges[m + 2]
        up = (freqs - lo) / max(c - lo, 1e-9)
        down = (hi - freqs) / max(hi - c, 1e-9)
        fb[m] = np.maximum(0.0, np.minimum(up, down)) * 2.0 / max(hi - lo, 1e-9)
    return fb


def stft_params(sr: int) -> tuple[int, int]:
    """(n_fft, hop) in samples for rate ``sr``."""
    return 2 ** int(round(math.log2(WIN_S * sr))), max(1, int(round(HOP_S * sr)))


@lru_cache(maxsize=8)
def _filters(sr: int, n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    """(mel filterbank (mels, bins), sparse; periodic Hann window) for rate and size."""
    from scipy.sparse import csr_matrix

    # sparse (each filter spans a few bins), and no BLAS call: BLAS thread pools spin on a busy
    # machine and cost more CPU than the product itself
    return csr_matrix(mel_filterbank(sr, n_fft).astype(np.float32)), np.hanning(n_fft + 1)[:-1].astype(np.float32)


def onset_strength(audio: Audio) -> tuple[np.ndarray, float]:
    """The envelope o (one value per hop, dB) and the envelope frame rate (frames / s).

    STFT: frames of n_fft samples every hop, centred (the signal zero-padded by n_fft / 2 at
    both ends), periodic Hann window, power |rfft|^2 (an overall scale cancels in the flux)."""
    sr = audio.sample_rate
    n_fft, hop = stft_params(sr)
    fb, win = _filters(sr, n_fft)
    mono = audio.samples[:, 0].copy()
    for c in range(1, audio.channels):
        mono += audio.samples[:, c]
    mono /= audio.channels
    x = np.concatenate([np.zeros(n_fft // 2, np.float32), mono, np.zeros(n_fft // 2, np.float32)])
    if len(x) < n_fft:
        return np.zeros(1), sr / hop
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
    spec = np.fft.rfft(frames * win, axis=1)
    S = (fb @ (spec.real ** 2 + spec.imag ** 2).T).T           # (frames, mels)
    db = 10.0 * np.log10(np.maximum(S.astype(np.float64), 1e-10))
    db = np.maximum(db, db.max() - TOP_DB)
    flux = np.maximum(0.0, np.diff(db, axis=0)).mean(axis=1)
    return np.concatenate([[0.0], flux]), sr / hop


_cache: "dict[int, tuple[Audio, tuple[np.ndarray, np.ndarray]]]" = {}


def onset_times(audio: Audio) -> tuple[np.ndarray, np.ndarray]:
    """Onset times (s) and their strengths (dB above the envelope median).  The last few
    results are remembered per ``Audio`` object (the three av.* metrics of a video share them)."""
    hit = _cache.get(id(audio))
    if hit is not None and hit[0] is audio:
        return hit[1]
    out = _onset_times(audio)
    if len(_cache) >= 4:
        _cache.pop(next(iter(_cache)))
    _cache[id(audio)] = (audio, out)
    return out


def _onset_times(audio: Audio) -> tuple[np.ndarray, np.ndarray]:
    env, rate = onset_strength(audio)
    if len(env) < 3:
        return np.zeros(0), np.zeros(0)
    from scipy.ndimage import maximum_filter1d

    w = max(1, int(round(PEAK_S * rate)))
    base = float(np.median(env))
    local_max = env == maximum_filter1d(env, 2 * w + 1, mode="constant", cval=-np.inf)
    cand = np.flatnonzero(local_max & (env - base >= MIN_FLUX))
    peaks: list[int] = []
    for k in cand:                  # a plateau or twin peaks within w: the first one
        if k >= 1 and (not peaks or k - peaks[-1] > w):
            peaks.append(int(k))
    # the first and last window's worth of envelope see the track's ends (the zero padding),
    # not an attack
    idx = np.asarray([k for k in peaks if WIN_S * rate <= k < len(env) - WIN_S * rate], int)
    return idx / rate, env[idx] - base if len(idx) else np.zeros(0)
