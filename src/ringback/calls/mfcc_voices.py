"""The MFCC fallback for telling two voices apart on one channel (see
:mod:`ringback.calls.diarize`), used when the voice encoder's weights are missing.

The words are cut into stretches at pauses; each stretch is described by the mean and
spread of its MFCCs (timbre, computed here with numpy); two groups by k-means. Its own
room because it shares nothing with the embedding method but the naming of the rep
(:mod:`ringback.calls.voice_roles`), and is read (and kept) on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ringback.calls.model import SpokenWord
from ringback.calls.voice_roles import chunks, first_turn, named_roles
from ringback.speech.types import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

MIN_CLUSTER_SECONDS = 0.6  # MFCC: shorter stretches are assigned, not used to learn the groups
_HOP = 160  # 10 ms
_WIN = 400  # 25 ms
_MELS = 40
_CEPS = 13
MFCC_COLUMNS = _CEPS - 1  # c0 (loudness) left out


def _mel_filters(n_fft: int) -> npt.NDArray[np.float64]:
    import numpy as np

    def mel(f: float | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(2595.0 * np.log10(1.0 + np.asarray(f) / 700.0))

    def hz(m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(700.0 * (10 ** (m / 2595.0) - 1.0))

    # 100-3800 Hz: the telephone band, so 8 kHz recordings and wideband ones compare.
    points = hz(np.linspace(mel(100.0), mel(3800.0), _MELS + 2))
    bins = np.floor((n_fft + 1) * points / SAMPLE_RATE).astype(int)
    filters = np.zeros((_MELS, n_fft // 2 + 1))
    for i in range(_MELS):
        left, centre, right = bins[i], bins[i + 1], bins[i + 2]
        for k in range(left, centre):
            filters[i, k] = (k - left) / max(1, centre - left)
        for k in range(centre, right):
            filters[i, k] = (right - k) / max(1, right - centre)
    return filters


def mfcc(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """(len // 160, 12) MFCCs without c0 (loudness says nothing about who speaks): one row
    per 10 ms, so the features of consecutive pieces line up when concatenated."""
    import numpy as np

    n_fft = 512
    rows = samples.size // _HOP
    if rows == 0:
        return np.zeros((0, _CEPS - 1))
    padded = np.concatenate([samples, np.zeros(_WIN, dtype=samples.dtype)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, _WIN)[::_HOP][:rows]
    window = np.hamming(_WIN)
    filters = _mel_filters(n_fft)
    k = np.arange(_CEPS)[:, None] * (np.arange(_MELS) + 0.5)[None, :]
    dct = np.cos(np.pi * k / _MELS)
    out = np.empty((frames.shape[0], _CEPS - 1))
    step = 20_000  # frames per block: bounded memory on long recordings
    for i in range(0, frames.shape[0], step):
        block = frames[i : i + step].astype(np.float64) * window
        power = np.abs(np.fft.rfft(block, n=n_fft)) ** 2
        logmel = np.log(power @ filters.T + 1e-10)
        out[i : i + step] = (logmel @ dct.T)[:, 1:]
    return out


def _kmeans2(x: npt.NDArray[np.float64], weight: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    import numpy as np

    # Start from the two points farthest apart (deterministic, and robust for two groups).
    d0 = ((x - x[int(np.argmax(weight))]) ** 2).sum(axis=1)
    a = int(np.argmax(d0))
    b = int(np.argmax(((x - x[a]) ** 2).sum(axis=1)))
    centres = np.stack([x[a], x[b]])
    labels = np.zeros(len(x), dtype=np.intp)
    for _ in range(50):
        dist = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        new = np.argmin(dist, axis=1)
        if (new == labels).all() and _ > 0:
            break
        labels = new
        for c in (0, 1):
            mask = labels == c
            if mask.any():
                centres[c] = np.average(x[mask], axis=0, weights=weight[mask])
    return labels


def split_speakers(
    words: list[SpokenWord], feats: npt.NDArray[np.float64], *, rep_first: bool = True
) -> list[SpokenWord]:
    """The MFCC fallback: the words relabelled "rep"/"customer" by voice (see the module
    docstring); ``feats`` are the recording's :func:`mfcc` rows (10 ms each)."""
    import numpy as np

    if not words:
        return []
    words = sorted(words, key=lambda w: w.start)
    stretches = chunks(words)
    rows, durations = [], []
    for chunk in stretches:
        start, end = words[chunk[0]].start, words[chunk[-1]].end
        lo, hi = int(start * 100), max(int(start * 100) + 1, int(end * 100))
        part = feats[lo : min(hi, len(feats))]
        if len(part) == 0:
            part = np.zeros((1, feats.shape[1]))
        rows.append(np.concatenate([part.mean(axis=0), part.std(axis=0)]))
        durations.append(end - start)
    x = np.asarray(rows)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)
    weight = np.asarray(durations)
    learn = weight >= MIN_CLUSTER_SECONDS
    if learn.sum() >= 2:
        labels_learn = _kmeans2(x[learn], weight[learn])
        centres = np.stack(
            [
                x[learn][labels_learn == c].mean(axis=0) if (labels_learn == c).any() else x[0]
                for c in (0, 1)
            ]
        )
        labels = np.argmin(((x[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    else:
        labels = np.zeros(len(stretches), dtype=np.intp)
    opener = first_turn([(words[c[0]].start, words[c[-1]].end) for c in stretches], labels)
    names = named_roles([opener if opener is not None else int(labels[0])], rep_first)
    out: list[SpokenWord] = []
    for chunk, label in zip(stretches, labels, strict=True):
        who = names[int(label)]
        out.extend(SpokenWord(who, words[i].text, words[i].start, words[i].end) for i in chunk)
    return out
