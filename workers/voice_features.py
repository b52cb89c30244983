"""Frame-wise voice features in plain numpy: MFCCs (timbre) and pitch (YIN).

Every 10 ms the recording gets a feature vector: 19 mel-frequency cepstral coefficients
of a 25 ms frame (the shape of the spectrum: vocal tract, microphone, room) and, where
the frame is voiced, its fundamental frequency. `workers.voices` clusters these into
voices. Work goes in blocks of a minute so a long recording never needs much memory.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
HOP = 160  # 10 ms between frames
FRAME = 400  # 25 ms for the spectrum: short enough to follow the vowels
N_FFT = 512
N_MELS = 40
N_MFCC = 20  # coefficients 1..19 are kept; 0 is loudness, which says nothing of who speaks
PITCH_FRAME = 640  # 40 ms: two periods of an 80 Hz voice
PITCH_FFT = 1024  # >= PITCH_FRAME + the longest lag, so the autocorrelation does not wrap
MIN_HZ = 70.0
MAX_HZ = 500.0  # a small child's voice, raised in excitement, stays below
# YIN's absolute threshold: the first dip of the normalised difference below it is the
# period (the paper's 0.1-0.15); a frame whose best dip stays above VOICED_DIP is unvoiced.
YIN_THRESHOLD = 0.15
VOICED_DIP = 0.3
BLOCK_FRAMES = 6000  # one minute of frames per block
# The pitch is measured every PITCH_EVERY frames (20 ms) and held between: a voice's pitch
# hardly moves in 20 ms, and YIN is most of the features' cost.
PITCH_EVERY = 2


@dataclass(frozen=True)
class Frames:
    """Per-frame features; frame i covers the 10 ms from i * HOP / SAMPLE_RATE seconds."""

    mfcc: np.ndarray  # (n, N_MFCC - 1) float32
    log_energy: np.ndarray  # (n,) float32, natural log of the mean power
    pitch_hz: np.ndarray  # (n,) float32, NaN where unvoiced


def mel_filterbank(n_mels: int = N_MELS, n_fft: int = N_FFT, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Triangular filters, equally spaced on the mel scale from 60 Hz to 7600 Hz."""

    def mel(hz: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    def hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(np.array(60.0)), mel(np.array(7600.0)), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, 1.0 / rate)
    low, centre, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None, :] - low) / (centre - low)
    falling = (high - bins[None, :]) / (high - centre)
    return np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)


def dct_matrix(n_out: int = N_MFCC, n_in: int = N_MELS) -> np.ndarray:
    """Orthonormal DCT-II as a matrix (n_in, n_out)."""
    k = np.arange(n_out)[None, :]
    n = np.arange(n_in)[:, None]
    basis = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    basis[:, 0] /= np.sqrt(2.0)
    return basis.astype(np.float32)


_MEL = mel_filterbank()
_DCT = dct_matrix()
_WINDOW = np.hamming(FRAME).astype(np.float32)


def frame_count(n_samples: int) -> int:
    return max(0, 1 + (n_samples - 1) // HOP) if n_samples else 0


def _framed(audio: np.ndarray, first: int, count: int, length: int) -> np.ndarray:
    """`count` frames of `length` samples, centred on frames first.., zero outside the audio."""
    half = length // 2
    start = first * HOP - half
    stop = (first + count - 1) * HOP - half + length
    piece = np.zeros(stop - start, dtype=np.float32)
    lo, hi = max(start, 0), min(stop, len(audio))
    if hi > lo:
        piece[lo - start : hi - start] = audio[lo:hi]
    return np.lib.stride_tricks.sliding_window_view(piece, length)[::HOP][:count]


def spectral_features(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(MFCC 1..19, log energy) of frames (n, FRAME)."""
    power = np.abs(np.fft.rfft(frames * _WINDOW, N_FFT, axis=1)) ** 2
    mel = np.log(power @ _MEL.T + 1e-8)
    mfcc = mel @ _DCT
    energy = np.log(power.mean(axis=1) + 1e-10)
    return mfcc[:, 1:].astype(np.float32), energy.astype(np.float32)


def yin_pitch(frames: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Fundamental frequency (Hz) of each frame (n, length) by YIN; NaN where unvoiced.

    The difference function d(tau) = sum (x_j - x_{j+tau})^2 is computed from the
    autocorrelation (one FFT per frame) and running energies, then normalised by its own
    cumulative mean (YIN's step 3) so the threshold means the same for loud and quiet frames.
    """
    n, length = frames.shape
    min_lag, max_lag = int(rate / MAX_HZ), int(np.ceil(rate / MIN_HZ))
    if n == 0 or length <= max_lag:
        return np.full(n, np.nan, dtype=np.float32)
    x = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(x, PITCH_FFT, axis=1)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), PITCH_FFT, axis=1)[:, : max_lag + 2]
    energy = np.cumsum(x * x, axis=1)
    lags = np.arange(max_lag + 2)
    total = energy[:, -1:]
    head = energy[:, length - 1 - lags]  # sum of x_j^2 for j < length - tau
    tail = total - np.concatenate([np.zeros((n, 1)), energy[:, : max_lag + 1]], axis=1)
    diff = np.maximum(head + tail - 2.0 * acf, 0.0)
    diff[:, 0] = 0.0
    running = np.cumsum(diff[:, 1:], axis=1) / lags[1:]
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] / np.maximum(running, 1e-12)
    search = cmnd[:, min_lag : max_lag + 1]
    below = search < YIN_THRESHOLD
    first = np.where(below.any(axis=1), below.argmax(axis=1), search.argmin(axis=1))
    # From the first dip, go down to its bottom (the dip ends before half a period more).
    offsets = np.arange(search.shape[1])[None, :]
    in_dip = (offsets >= first[:, None]) & (offsets <= first[:, None] * 1.5 + 2)
    best = np.where(in_dip, search, np.inf).argmin(axis=1)
    depth = search[np.arange(n), best]
    # Parabolic interpolation between neighbouring lags for a finer period.
    lag = best + min_lag
    left = cmnd[np.arange(n), np.maximum(lag - 1, 1)]
    mid = cmnd[np.arange(n), lag]
    right = cmnd[np.arange(n), np.minimum(lag + 1, max_lag + 1)]
    curve = left - 2 * mid + right
    shift = np.where(curve > 1e-9, 0.5 * (left - right) / np.where(curve > 1e-9, curve, 1), 0)
    period = lag + np.clip(shift, -0.5, 0.5)
    pitch = rate / period
    voiced = (depth < VOICED_DIP) & (total[:, 0] > 1e-6 * length)
    return np.where(voiced, pitch, np.nan).astype(np.float32)


def frame_features(audio: np.ndarray, *, progress: Callable[[float], None] | None = None) -> Frames:
    """Features of every 10 ms frame of 16 kHz mono audio."""
    audio = np.asarray(audio, dtype=np.float32)
    n = frame_count(len(audio))
    mfcc = np.zeros((n, N_MFCC - 1), dtype=np.float32)
    energy = np.full(n, -23.0, dtype=np.float32)
    pitch = np.full(n, np.nan, dtype=np.float32)
    for first in range(0, n, BLOCK_FRAMES):
        count = min(BLOCK_FRAMES, n - first)
        block = slice(first, first + count)
        mfcc[block], energy[block] = spectral_features(_framed(audio, first, count, FRAME))
        measured = yin_pitch(_framed(audio, first, count, PITCH_FRAME)[::PITCH_EVERY])
        pitch[block] = np.repeat(measured, PITCH_EVERY)[:count]
        if progress:
            progress((first + count) / n)
    return Frames(mfcc=mfcc, log_energy=energy, pitch_hz=pitch)
