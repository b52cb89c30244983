"""Who speaks: the voices in a recording, each labelled adult or child, offline on the CPU.

1. Speech: the intervals given (the transcription's VAD) or faster-whisper's Silero VAD;
   inside them, frames far quieter than the speech around them are pauses.
2. Frame features (`workers.voice_features`): MFCCs for timbre, YIN pitch where voiced.
3. Windows of 1 s of speech, each summed up by its mean MFCCs (of the voiced frames where
   there are enough: vowels vary less with what is said) and mean log pitch, scaled so
   one voice's own spread is 1 in every direction (learnt from neighbouring windows,
   nearly always one voice), then clustered bottom-up. Two clusters stay apart only when
   their centres lie APART typical within-voice distances apart and the difference is
   beyond chance for their sizes. Scale-free: no tuning per microphone or noise level.
4. Resegmentation: a Gaussian model of each voice's frames, and a Viterbi pass over the
   speech with a cost per change of voice, puts the boundaries to within ~50 ms and
   keeps turns from flickering. Then the voices' models are compared per frame (so a long
   recording is judged as a short one): the nearest two, when no further apart than parts
   of one voice are, become one, and the Viterbi pass runs again, until none are.
   A small cluster (a phrase said again and again in a long recording) is part of a
   larger voice when its frames are nearly as likely under that voice's model; a small
   one at two pitches far apart (one word said by two people) is dissolved.
5. Divisive: the first pass may take two alike voices (two women of one pitch; an adult
   and a child when turns follow without pauses) as one, and step 4 only joins. So each
   voice is cut in two where its 1-s chunks differ most; the cut stands when both halves
   are a good share of the speech and step 4 keeps them apart. Until no cut stands.
6. Each voice is a child when its median pitch is above CHILD_PITCH_HZ.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workers.voice_features import HOP, SAMPLE_RATE, Frames, frame_features

FPS = SAMPLE_RATE // HOP  # frames per second
WINDOW = int(1.0 * FPS)  # a syllable or two: turns may follow each other without a pause
MIN_WINDOW = int(0.3 * FPS)  # a shorter stretch of speech gets no window of its own
# Two clusters are two voices when their centres lie further apart than APART times the
# typical distance between two windows of one voice (measured on the test dialogues: parts
# of one voice split by what is said lie 1.1-1.6 apart when small, two adults of the same
# pitch 1.5, an adult and a child 2.5-4), and the difference is more than
# chance: Ward's increase above SIGNIFICANT * dims (its mean for one voice is dims, were
# windows independent; neighbouring windows are not, hence the margin).
APART = 1.45
SIGNIFICANT = 4.0
MAX_CLUSTERED = 1200
# The typical distance is this quantile of the distances between neighbouring windows: low,
# as where turns follow without a pause a good share of neighbours are two voices.
SCALE_QUANTILE = 0.3
MAX_VOICES = 4
MAX_CLUSTERS = 8  # the first pass may split a voice; the model comparison joins it again
# Two voices whose frames' Gaussians are less than this apart (symmetric KL divergence per
# frame, over the MFCCs and log pitch, less its expected value by chance) are one voice.
# Measured on the test dialogues: parts of one voice 1-5, two adults of one pitch 6-7.5,
# an adult and a child 35-80.
SAME_VOICE = 5.0
# A voice with less than this share of the speech is part of another when its frames are
# nearly as likely under the other's model as the other's own are (FRAGMENT_DROP nats;
# parts of one voice 1-3.5, two adults of one pitch ~4, an adult and a child 15-50).
FRAGMENT_SHARE = 0.08
FRAGMENT_DROP = 4.0
# A cluster with less speech than this is not taken as a voice: too little to tell a
# person from a cough, a stretch of noise or an odd few words of another voice. Its
# windows go to the nearest voice.
MIN_VOICE_S = 4.0
# Frames this far below the speech's loud frames (90th percentile) are pauses within it.
PAUSE_DB = 30.0
BLOCK = 5  # frames per Viterbi step (50 ms)
# Viterbi cost of a change of voice, in nats per 50 ms block of average evidence: a change
# needs ~SWITCH_BLOCKS blocks of the other voice being as likely as a typical block is.
SWITCH_BLOCKS = 6.0
# Adults speak at ~85-250 Hz (women's median ~200-210 Hz, ~20 Hz spread between women, so
# one speaking high in a stressful conversation reaches ~250), children 6-10 at ~250-300 Hz:
# the boundary is at the top of adult women's range, not between the two means.
CHILD_PITCH_HZ = 250.0
# A voice is cut in two (see `resegment`) only when each half has this share of the
# speech: a person told from another only by the cut, as alike as parts of one voice are
# to the first pass, must speak enough for the difference to be trusted (parts of one
# child's voice cut by what is said reached SAME_VOICE as ~10 % of the speech; two women of
# one pitch are 20-45 %). A smaller voice alike to another stays unfound.
SPLIT_SHARE = 0.15
# Before the Viterbi passes a cut is tried only when its halves are this far apart (as
# SAME_VOICE; before the passes move the boundaries two women of one pitch are ~3.6, parts
# of one voice 0-3.6): only saves time, the passes and the merging decide.
SPLIT_APART = 2.0
SPLIT_REFINE = 3  # rounds of each chunk to the half that explains it better
# A small voice whose pitch falls in two groups this far apart in log pitch (x1.65: more
# than one person's range in a conversation) is two people's same word (a greeting).
PITCH_GROUPS_APART = 0.5
MERGE_GAP_S = 0.5  # one voice's turns this close together are one turn
VAD_OPTIONS = {"min_silence_duration_ms": 250, "speech_pad_ms": 60}


@dataclass(frozen=True)
class VoiceTurn:
    start: float  # seconds
    end: float
    voice: int  # numbered 1.. by first appearance


@dataclass(frozen=True)
class Voice:
    number: int
    role: str  # "adult" | "child"
    pitch_hz: float | None  # median of the voiced frames
    seconds: float  # speech time in its turns


@dataclass(frozen=True)
class Voices:
    voices: list[Voice]
    turns: list[VoiceTurn]  # sorted by start, not overlapping


def separate_file(path: Path, *, progress: Callable[[float], None] | None = None) -> Voices:
    """The voices in an audio or video file (decoded to 16 kHz mono)."""
    from faster_whisper import decode_audio

    return separate(decode_audio(str(path), sampling_rate=SAMPLE_RATE), progress=progress)


def separate(
    audio: np.ndarray,
    *,
    sample_rate: int = SAMPLE_RATE,
    speech: list[tuple[float, float]] | None = None,
    progress: Callable[[float], None] | None = None,
) -> Voices:
    """The voices in 16 kHz mono audio; `speech` (seconds) skips the VAD."""
    report = progress or (lambda fraction: None)
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"audio must be {SAMPLE_RATE} Hz, not {sample_rate}")
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    if len(audio) < MIN_WINDOW * HOP:
        report(1.0)
        return Voices(voices=[], turns=[])
    # The VAD (onnxruntime) and the features (numpy's FFTs) both leave the GIL: side by side
    # they take the time of the longer one on a worker's two cores.
    with ThreadPoolExecutor(max_workers=1) as pool:
        heard = pool.submit(detect_speech, audio) if speech is None else None
        report(0.1)
        frames = frame_features(audio, progress=lambda f: report(0.1 + 0.5 * f))
        found = heard.result() if heard is not None else speech
    assert found is not None
    mask = speech_frames(frames, found)
    labels = np.zeros(len(mask), dtype=np.int64)  # 0: no speech, 1..: voice
    windows = speech_windows(mask)
    if windows:
        clusters = cluster_windows(frames, mask, windows)
        report(0.75)
        labels = resegment(frames, mask, windows, clusters)
    report(0.95)
    result = voices_of(labels, frames)
    report(1.0)
    return result


def detect_speech(audio: np.ndarray) -> list[tuple[float, float]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found = get_speech_timestamps(audio, VadOptions(**VAD_OPTIONS), sampling_rate=SAMPLE_RATE)
    return [(r["start"] / SAMPLE_RATE, r["end"] / SAMPLE_RATE) for r in found]


def speech_frames(frames: Frames, speech: list[tuple[float, float]]) -> np.ndarray:
    """Frames inside the speech intervals and not far quieter than the speech's loud part."""
    n = len(frames.log_energy)
    mask = np.zeros(n, dtype=bool)
    for start, end in speech:
        mask[max(0, int(start * FPS)) : min(n, int(np.ceil(end * FPS)))] = True
    if mask.any():
        loud = np.percentile(frames.log_energy[mask], 90)
        mask &= frames.log_energy > loud - PAUSE_DB / 10 * np.log(10)
    return mask


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) of each run of True."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def speech_windows(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) frames of each window; short pauses (< 0.3 s) do not end a stretch."""
    stretches: list[list[int]] = []
    for first, end in runs(mask):
        if stretches and first - stretches[-1][1] < 0.3 * FPS:
            stretches[-1][1] = end
        else:
            stretches.append([first, end])
    windows = []
    for first, end in stretches:
        if end - first < MIN_WINDOW:
            continue
        count = max(1, (end - first) // WINDOW)
        windows += [(first + i * WINDOW, min(end, first + (i + 1) * WINDOW)) for i in range(count)]
    return windows


def window_features(frames: Frames, mask: np.ndarray, windows: list[tuple[int, int]]) -> np.ndarray:
    """Mean MFCCs and mean log pitch of each window's speech frames."""
    voiced = mask & ~np.isnan(frames.pitch_hz)
    log_pitch = np.where(voiced, np.log(np.nan_to_num(frames.pitch_hz, nan=1.0)), 0.0)
    columns = np.column_stack(
        [frames.mfcc * mask[:, None], frames.mfcc * voiced[:, None], log_pitch, mask, voiced]
    )
    totals = np.vstack([np.zeros(columns.shape[1]), np.cumsum(columns, axis=0)])
    first, end = np.array(windows).T
    sums = totals[end] - totals[first]
    n_mfcc = frames.mfcc.shape[1]
    all_mfcc = sums[:, :n_mfcc] / np.maximum(sums[:, -2:-1], 1)
    voiced_mfcc = sums[:, n_mfcc : 2 * n_mfcc] / np.maximum(sums[:, -1:], 1)
    voiced_count = sums[:, -1]
    # The voiced frames' spectrum (vowels) varies less with what is said than all frames'
    # (fricatives, stops): it is the timbre where a window has enough of it.
    mfcc = np.where(voiced_count[:, None] >= 0.25 * (end - first)[:, None], voiced_mfcc, all_mfcc)
    n_mfcc = 2 * n_mfcc
    pitch = np.full(len(windows), np.nan)
    has_pitch = voiced_count >= 5
    pitch[has_pitch] = sums[has_pitch, n_mfcc] / voiced_count[has_pitch]
    if has_pitch.any():  # a window without voiced frames says nothing of pitch: the middle
        pitch[~has_pitch] = np.median(pitch[has_pitch])
    else:
        pitch[:] = 0.0
    return np.column_stack([mfcc, pitch])


def neighbour_pairs(starts: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs of spans starting `step` frames apart (so in one stretch of speech):
    nearly always one voice."""
    same = np.flatnonzero(starts[1:] - starts[:-1] == step)
    return same, same + 1


def whitened(
    frames: Frames, mask: np.ndarray, windows: list[tuple[int, int]]
) -> tuple[np.ndarray, float]:
    """Window features scaled so one voice's own spread is the same in every direction,
    and the typical distance between two windows of one voice.

    The shape of one voice's spread comes from neighbouring windows in one stretch of
    speech (mostly one voice; the pairs furthest apart are left out twice over, as that is
    where turns change); what stays far apart after the scaling differs between voices.
    With few pairs the estimate shrinks towards each feature's own spread (Ledoit-Wolf).
    """
    features = window_features(frames, mask, windows)
    starts = np.array([w[0] for w in windows])
    left, right = neighbour_pairs(starts, WINDOW)
    dims = features.shape[1]
    diffs = features[right] - features[left]
    if len(diffs) < 3:
        diffs = features - features.mean(axis=0)
    for keep in (1.0, 0.5, 0.5):
        within = np.atleast_2d(np.cov(diffs, rowvar=False)) if len(diffs) > 1 else np.eye(dims)
        diagonal = np.diag(np.maximum(np.diag(within), 1e-9))
        shrink = min(1.0, max(0.1, dims / max(len(diffs), 1)))
        within = (1 - shrink) * within + shrink * diagonal
        within += 0.02 * np.trace(within) / dims * np.eye(dims)  # no direction without spread
        values, vectors = np.linalg.eigh(within)
        transform = vectors / np.sqrt(values)
        norms = np.linalg.norm(diffs @ transform, axis=1)
        diffs = diffs[norms <= np.quantile(norms, keep)]
    scaled = (features - features.mean(axis=0)) @ transform
    if len(left) == 0:
        return scaled, float("inf")
    gaps = np.linalg.norm(scaled[right] - scaled[left], axis=1)
    return scaled, float(np.quantile(gaps, SCALE_QUANTILE))


def centroid_clustering(points: np.ndarray, *, apart: float, significant: float) -> np.ndarray:
    """Bottom-up clustering of points whose within-voice spread is 1 in every direction.

    Two clusters stay apart when their centres are further apart than `apart` AND the
    difference is beyond chance for their sizes (Ward's increase of the squared error above
    `significant`); the cheapest pair by the nearer of the two limits merges first.
    Returns a cluster index (0..) per point.
    """
    n = len(points)
    squared = (points**2).sum(axis=1)
    d2 = np.maximum(squared[:, None] + squared[None, :] - 2 * points @ points.T, 0.0)
    size = np.ones(n)
    alive = np.ones(n, dtype=bool)
    owner = np.arange(n)

    def cost_of(row: int) -> np.ndarray:
        ward = size[row] * size / (size[row] + size) * d2[row]
        cost = np.minimum(d2[row] / apart**2, ward / significant)
        cost[~alive] = np.inf
        cost[row] = np.inf
        return cost

    cost = np.minimum(d2 / apart**2, 0.5 * d2 / significant)
    np.fill_diagonal(cost, np.inf)
    while alive.sum() > 1:
        i, j = divmod(int(np.argmin(cost)), n)
        if cost[i, j] >= 1.0:
            break
        ni, nj = size[i], size[j]
        # Lance-Williams for centroids: squared distance from every cluster to the merged one.
        d2[i] = (ni * d2[i] + nj * d2[j]) / (ni + nj) - ni * nj * d2[i, j] / (ni + nj) ** 2
        d2[:, i] = d2[i]
        size[i] += nj
        alive[j] = False
        owner[owner == j] = i
        cost[j], cost[:, j] = np.inf, np.inf
        cost[i] = cost_of(i)
        cost[:, i] = cost[i]
    return np.unique(owner, return_inverse=True)[1]


def cluster_windows(frames: Frames, mask: np.ndarray, windows: list[tuple[int, int]]) -> np.ndarray:
    """A cluster index (0..) for each window."""
    embeddings, scale = whitened(frames, mask, windows)
    dims = embeddings.shape[1]
    if not np.isfinite(scale) or scale <= 0:
        return np.zeros(len(windows), dtype=np.int64)
    # Two windows of one voice lie ~sqrt(2 * dims) spreads apart: scale to a spread of 1.
    points = embeddings / (scale / np.sqrt(2 * dims))
    # A long recording is clustered on an even sample of its windows (time grows with the
    # square of their number); every window then goes to the nearest cluster centre.
    sample = np.linspace(0, len(points) - 1, min(len(points), MAX_CLUSTERED)).astype(np.int64)
    found = centroid_clustering(
        points[sample], apart=APART * np.sqrt(2 * dims), significant=SIGNIFICANT * dims
    )
    seconds = np.bincount(found) * WINDOW / FPS * len(points) / len(sample)
    voices = [
        points[sample][found == c].mean(axis=0) for c in np.flatnonzero(seconds >= MIN_VOICE_S)
    ]
    if not voices:
        return np.zeros(len(windows), dtype=np.int64)
    # Too little speech to be a voice: those windows go to the nearest voice. More voices
    # than MAX_CLUSTERS: the nearest two are taken as one.
    weights = [float(s) for s in seconds[seconds >= MIN_VOICE_S]]
    while len(voices) > MAX_CLUSTERS:
        centres = np.array(voices)
        gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2) + np.diag(
            [np.inf] * len(voices)
        )
        i, j = divmod(int(np.argmin(gaps)), len(voices))
        voices[i] = (weights[i] * voices[i] + weights[j] * voices[j]) / (weights[i] + weights[j])
        weights[i] += weights.pop(j)
        voices.pop(j)
    centres = np.array(voices)
    return np.linalg.norm(points[:, None] - centres[None], axis=2).argmin(axis=1)


def frame_vectors(frames: Frames) -> np.ndarray:
    return frames.mfcc.astype(np.float64)


def log_likelihoods(x: np.ndarray, log_pitch: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """(frames, k): each frame's log likelihood under each voice's full-covariance Gaussian
    over the MFCCs, plus a Gaussian over log pitch where the frame is voiced."""
    out = np.empty((len(x), k))
    voiced = ~np.isnan(log_pitch)
    for v in range(k):
        own = x[labels == v]
        mean = own.mean(axis=0)
        cov = np.cov(own, rowvar=False) + 1e-3 * np.eye(x.shape[1])
        precision = np.linalg.inv(cov)
        diff = x - mean
        out[:, v] = -0.5 * ((diff @ precision) * diff).sum(axis=1)  # BLAS: einsum is slow here
        out[:, v] -= 0.5 * np.linalg.slogdet(cov)[1]
        pitches = log_pitch[(labels == v) & voiced]
        if len(pitches) > 10:
            centre, spread = np.median(pitches), max(float(np.std(pitches)), 0.03)
            z = np.where(voiced, (np.nan_to_num(log_pitch) - centre) / spread, 0.0)
            out[:, v] += np.where(voiced, -0.5 * z**2 - np.log(spread), 0.0)
    return out


def viterbi(scores: np.ndarray, switch_cost: np.ndarray) -> np.ndarray:
    """The best state path through (steps, k) scores when changing state costs switch_cost[t]."""
    steps, k = scores.shape
    back = np.zeros((steps, k), dtype=np.int64)
    total = scores[0].copy()
    states = np.arange(k)
    for t in range(1, steps):
        leader = int(total.argmax())
        jump = total[leader] - switch_cost[t]
        stay = total >= jump
        back[t] = np.where(stay, states, leader)
        total = np.where(stay, total, jump) + scores[t]
    path = np.empty(steps, dtype=np.int64)
    path[-1] = int(total.argmax())
    for t in range(steps - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def gaussian(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(axis=0), np.atleast_2d(np.cov(x, rowvar=False)) + 1e-3 * np.eye(x.shape[1])


def divergence(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """Symmetric Kullback-Leibler divergence between two Gaussians."""
    (mean_a, cov_a), (mean_b, cov_b) = a, b
    inv_a, inv_b = np.linalg.inv(cov_a), np.linalg.inv(cov_b)
    gap = mean_a - mean_b
    traces = np.trace(inv_b @ cov_a) + np.trace(inv_a @ cov_b) - 2 * len(mean_a)
    return float(0.25 * (traces + gap @ (inv_a + inv_b) @ gap))


def voice_distances(
    x: np.ndarray, log_pitch: np.ndarray, labels: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Two (k, k) measures of how far apart voices are, both per frame: they do not grow
    with the amount of speech, so a long recording is judged as a short one.

    Divergence: between the Gaussians of each two voices' frames (MFCCs, log pitch), less
    what two samples of one voice of these sizes differ by chance.
    Drop: how much less likely one voice's frames are under the other's model than that
    voice's own frames are, the nearer way round. A narrow part of a voice (a phrase said
    again and again) is far from the whole by divergence, but not by drop.
    """
    voiced = ~np.isnan(log_pitch)
    timbre = [gaussian(x[labels == v]) for v in range(k)]
    pitch = [gaussian(log_pitch[(labels == v) & voiced][:, None]) for v in range(k)]
    # Neighbouring frames are far from independent: a block of them counts as one sample.
    samples = np.maximum(np.bincount(labels, minlength=k) / BLOCK, 1.0)
    dims = x.shape[1] + 1
    apart = np.full((k, k), np.inf)
    for a in range(k):
        for b in range(a + 1, k):
            chance = dims * (dims + 3) / 4 * (1 / samples[a] + 1 / samples[b])
            total = divergence(timbre[a], timbre[b]) + divergence(pitch[a], pitch[b])
            apart[a, b] = apart[b, a] = total - chance
    per_frame = log_likelihoods(x, log_pitch, labels, k)
    own = np.array([per_frame[labels == v, v].mean() for v in range(k)])
    drop = np.array(
        [[own[b] - per_frame[labels == a, b].mean() for b in range(k)] for a in range(k)]
    )
    drop = np.minimum(drop, drop.T)
    np.fill_diagonal(drop, np.inf)
    return apart, drop


def relabelled(labels: np.ndarray, kept: np.ndarray, k: int) -> np.ndarray:
    remap = np.full(k, -1)
    remap[kept] = np.arange(len(kept))
    return remap[labels]


def split_of(
    x: np.ndarray, log_pitch: np.ndarray, own: np.ndarray, chunks: np.ndarray
) -> np.ndarray | None:
    """One voice's frames split in two (True: the second half), or None with too few chunks.

    The cut goes along the direction in which the voice's 1-s chunks differ most across the
    recording relative to how neighbouring chunks differ (mostly the same person): two
    people taken as one differ there, what is said less so. Then each chunk goes to the
    half whose Gaussian model explains its frames better, a few times over.
    """
    voiced = ~np.isnan(log_pitch)
    centre = float(np.median(log_pitch[own & voiced])) if (own & voiced).any() else 0.0
    features = np.column_stack([x, np.where(voiced, np.nan_to_num(log_pitch), centre)])
    dims = features.shape[1]
    ids = chunks[own]
    count = np.bincount(ids, minlength=int(chunks[-1]) + 1)
    full = np.flatnonzero(count >= MIN_WINDOW)
    if len(full) < dims:
        return None
    sums = np.zeros((len(count), dims))
    np.add.at(sums, ids, features[own])
    means = sums[full] / count[full, None]
    means = (means - means.mean(axis=0)) / (means.std(axis=0) + 1e-9)
    neighbours = np.flatnonzero(np.diff(full) == 1)
    diffs = means[neighbours + 1] - means[neighbours]
    # Within-voice spread from neighbouring chunks (a difference has twice the variance),
    # shrunk towards the diagonal when there are few pairs, as in `whitened`.
    within = np.cov(diffs, rowvar=False) / 2 if len(diffs) > 2 else np.eye(dims)
    shrink = min(1.0, max(0.1, dims / max(len(diffs), 1)))
    within = (1 - shrink) * within + shrink * np.diag(np.diag(within))
    within += 0.02 * np.trace(within) / dims * np.eye(dims)
    values, vectors = np.linalg.eigh(within)
    scaled = means @ (vectors / np.sqrt(values))
    projection = scaled @ np.linalg.eigh(np.cov(scaled, rowvar=False))[1][:, -1]
    # Two means in one dimension: the cut with the least squared error within the halves.
    order = np.sort(projection)
    cuts = 0.5 * (order[:-1] + order[1:])[2:-2]
    errors = [
        projection[projection <= c].var() * (projection <= c).sum()
        + projection[projection > c].var() * (projection > c).sum()
        for c in cuts
    ]
    second = np.zeros(len(count), dtype=bool)
    second[full[projection > cuts[int(np.argmin(errors))]]] = True
    halves = own & second[chunks]
    where = np.flatnonzero(own)
    for _ in range(SPLIT_REFINE):
        sizes = np.bincount(halves[where], minlength=2)
        if sizes.min() < 2 * dims:
            break
        per_frame = log_likelihoods(x[where], log_pitch[where], halves[where].astype(np.int64), 2)
        per_chunk = np.zeros((len(count), 2))
        np.add.at(per_chunk, ids, per_frame)
        halves = own & (per_chunk[:, 1] > per_chunk[:, 0])[chunks]
    return halves


def two_pitches(log_pitch: np.ndarray) -> bool:
    """Whether voiced frames fall in two groups of pitch further apart than one person's
    voice ranges: more than PITCH_GROUPS_APART in log pitch and four times the groups'
    own spread, each group a good part of the frames (octave errors of the pitch tracker
    are a small part)."""
    voiced = np.sort(log_pitch[~np.isnan(log_pitch)])
    if len(voiced) < 50:
        return False
    n = len(voiced)
    # Two means in one dimension: the cut with the least squared error within the groups.
    cuts = np.arange(n // 4, n - n // 4)
    sums, squares = np.cumsum(voiced), np.cumsum(voiced**2)
    low_error = squares[cuts - 1] - sums[cuts - 1] ** 2 / cuts
    high_sum, high_square = sums[-1] - sums[cuts - 1], squares[-1] - squares[cuts - 1]
    high_error = high_square - high_sum**2 / (n - cuts)
    best = int(np.argmin(low_error + high_error))
    cut = int(cuts[best])
    gap = voiced[cut:].mean() - voiced[:cut].mean()
    spread = np.sqrt((low_error[best] + high_error[best]) / n)
    return bool(gap > PITCH_GROUPS_APART and gap > 4 * spread)


def resegment(
    frames: Frames, mask: np.ndarray, windows: list[tuple[int, int]], clusters: np.ndarray
) -> np.ndarray:
    """A voice (1..) for every speech frame, 0 elsewhere."""
    index = np.flatnonzero(mask)
    x = frame_vectors(frames)[index]
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)
    log_pitch = np.log(frames.pitch_hz[index])
    # Start from the windows: a frame takes the cluster of the window centred nearest it.
    centres = np.array([(a + b) / 2 for a, b in windows])
    after = np.searchsorted(centres, index).clip(0, len(centres) - 1)
    before = (after - 1).clip(0)
    closer = np.abs(centres[before] - index) <= np.abs(centres[after] - index)
    nearest = np.where(closer, before, after)
    labels = clusters[nearest]
    k = int(clusters.max()) + 1
    blocks = np.arange(len(index)) // BLOCK
    n_blocks = int(blocks[-1]) + 1
    # A change after a pause costs less: turns mostly change there.
    after_pause = np.zeros(n_blocks, dtype=bool)
    jumps = np.flatnonzero(np.diff(index) > 0.2 * FPS) + 1
    after_pause[blocks[jumps]] = True

    def viterbi_pass(labels: np.ndarray, k: int) -> np.ndarray:
        per_frame = log_likelihoods(x, log_pitch, labels, k)
        per_block = np.zeros((n_blocks, k))
        np.add.at(per_block, blocks, per_frame)
        ordered = np.sort(per_block, axis=1)
        margin = float(np.median(ordered[:, -1] - ordered[:, -2]))
        cost = np.where(after_pause, 0.25, 1.0) * SWITCH_BLOCKS * margin
        return viterbi(per_block, cost)[blocks]

    def settled(labels: np.ndarray, k: int) -> tuple[np.ndarray, int]:
        for _ in range(2 * MAX_CLUSTERS + 3):
            if k == 1:
                return np.zeros_like(labels), 1
            labels = viterbi_pass(labels, k)
            seconds = np.bincount(labels, minlength=k) / FPS
            kept = np.flatnonzero(seconds >= MIN_VOICE_S)
            if len(kept) == 0:
                return np.zeros_like(labels), 1
            if len(kept) < k:  # a voice that lost its speech is no voice: its frames go again
                keep = relabelled(labels, kept, k)
                labels, k = np.where(keep >= 0, keep, 0), len(kept)
                continue
            # Two voices no further apart than parts of one voice are one voice; so are the
            # nearest two while there are more than MAX_VOICES.
            apart, drop = voice_distances(x, log_pitch, labels, k)
            share = seconds / seconds.sum()
            small = np.minimum(share[:, None], share[None, :]) < FRAGMENT_SHARE
            distances = np.where(small, np.minimum(apart, drop * SAME_VOICE / FRAGMENT_DROP), apart)
            a, b = np.unravel_index(int(np.argmin(distances)), distances.shape)
            if distances[a, b] >= SAME_VOICE and k <= MAX_VOICES:
                mixed = [
                    v
                    for v in range(k)
                    if share[v] < FRAGMENT_SHARE and two_pitches(log_pitch[labels == v])
                ]
                if not mixed:
                    break
                # A small voice at two pitches far apart is the same word or sound said by
                # two people (a greeting, a laugh), alike enough to cluster: its frames go
                # to the voices that explain them best.
                per_frame = log_likelihoods(x, log_pitch, labels, k)
                per_frame[:, mixed[0]] = -np.inf
                labels = np.where(labels == mixed[0], per_frame.argmax(axis=1), labels)
                labels = relabelled(labels, np.flatnonzero(np.arange(k) != mixed[0]), k)
                k -= 1
                continue
            labels = np.where(labels == b, a, labels)
            labels = relabelled(labels, np.flatnonzero(np.arange(k) != b), k)
            k -= 1
        return labels, k

    labels, k = settled(labels, k)
    # Divisive: the first pass may have taken two alike voices as one, and the merging
    # above only joins. Each voice is cut in two where it differs most; the cut stands when
    # both halves are a good part of the speech, and after the Viterbi pass and the merging
    # they are still two voices. Until no cut stands.
    chunks = np.arange(len(index)) // WINDOW
    while k < MAX_VOICES:
        for v in range(k):
            halves = split_of(x, log_pitch, labels == v, chunks)
            if halves is None:
                continue
            trial = np.where(halves, k, labels)
            shares = np.bincount(trial, minlength=k + 1) / len(trial)
            if min(shares[v], shares[k]) < SPLIT_SHARE:
                continue
            if voice_distances(x, log_pitch, trial, k + 1)[0][v, k] < SPLIT_APART:
                continue  # not worth the Viterbi passes
            cut, cut_k = settled(trial, k + 1)
            shares = np.bincount(cut, minlength=cut_k) / len(cut)
            # k + 1 voices left means nothing was merged or dropped: v and k are the halves.
            if cut_k > k and min(shares[v], shares[k]) >= SPLIT_SHARE:
                labels, k = cut, cut_k
                break
        else:
            break
    out = np.zeros(len(mask), dtype=np.int64)
    out[index] = labels + 1
    return out


def voices_of(labels: np.ndarray, frames: Frames) -> Voices:
    """Turns and voices from a voice per frame, voices numbered by first appearance."""
    turns: list[list[int]] = []  # [first, end, voice]
    for voice in np.unique(labels[labels > 0]):
        for first, end in runs(labels == voice):
            turns.append([first, end, int(voice)])
    turns.sort()
    merged: list[list[int]] = []
    for turn in turns:
        if merged and merged[-1][2] == turn[2] and turn[0] - merged[-1][1] < MERGE_GAP_S * FPS:
            merged[-1][1] = turn[1]
        else:
            merged.append(turn)
    number: dict[int, int] = {}
    for _, _, voice in merged:
        number.setdefault(voice, len(number) + 1)
    voices = []
    for voice, n in number.items():
        pitch = frames.pitch_hz[labels == voice]
        pitch = pitch[~np.isnan(pitch)]
        median = float(np.median(pitch)) if len(pitch) >= 10 else None
        role = "child" if median is not None and median > CHILD_PITCH_HZ else "adult"
        seconds = sum(end - first for first, end, v in merged if v == voice) / FPS
        voices.append(Voice(number=n, role=role, pitch_hz=median, seconds=round(seconds, 2)))
    return Voices(
        voices=voices,
        turns=[VoiceTurn(start=a / FPS, end=b / FPS, voice=number[v]) for a, b, v in merged],
    )
