"""A speaker-embedding network in numpy: Resemblyzer's GE2E voice encoder, without PyTorch.

The network (Wan et al., "Generalized End-to-End Loss for Speaker Verification", 2018, as
trained and released by Resemblyzer 0.1.4 under Apache-2.0): 40-band mel power frames at
16 kHz (25 ms Hann window, 10 ms hop, librosa's Slaney mel scale, not log), a 3-layer
LSTM (hidden 256), a linear layer (256) and a ReLU; the last hidden state of the top layer
becomes the embedding, L2-normalised. It was trained on 1.6 s (160-frame) partial
utterances levelled to -30 dBFS (raised, never lowered). Two stretches of the same voice
give embeddings with a high cosine; two voices a lower one.

The weights ship as ``data/voice_encoder.npz`` (float16, converted from Resemblyzer's
``pretrained.pt`` by ``scripts/convert-voice-encoder``; see ``data/VOICE_ENCODER.md``).
Inference here is plain numpy: the LSTM cell maths of ``torch.nn.LSTM`` (gates in the
order input, forget, cell, output), batched over windows.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringback.speech.types import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ringback.config import Settings

BUNDLED = Path(__file__).resolve().parent / "data" / "voice_encoder.npz"
N_FFT = 400  # 25 ms at 16 kHz
HOP = 160  # 10 ms
N_MELS = 40
PARTIAL_FRAMES = 160  # 1.6 s: the length the network was trained on
TARGET_DBFS = -30.0
HIDDEN = 256
LAYERS = 3
_BATCH = 128  # windows per forward pass: bounded memory


def weights_path(settings: Settings) -> Path:
    """``RINGBACK_VOICE_ENCODER``, or the bundled weights when it is empty."""
    value = settings.voice_encoder.strip()
    return Path(value).expanduser() if value else BUNDLED


class VoiceEncoderError(Exception):
    """The weights file is missing, unreadable or not this network."""


def _hz_to_mel(f: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    import numpy as np

    # Slaney's Auditory Toolbox scale (librosa's default): linear to 1 kHz, log above.
    f = np.asarray(f, dtype=np.float64)
    sp = 200.0 / 3
    logstep = np.log(6.4) / 27.0
    mel = f / sp
    high = f >= 1000.0
    return np.where(high, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / logstep, mel)


def _mel_to_hz(m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    import numpy as np

    m = np.asarray(m, dtype=np.float64)
    sp = 200.0 / 3
    logstep = np.log(6.4) / 27.0
    return np.where(m >= 15.0, 1000.0 * np.exp(logstep * (m - 15.0)), sp * m)


@lru_cache(maxsize=1)
def mel_filters() -> npt.NDArray[np.float32]:
    """(40, 201) triangles on the Slaney mel scale, 0-8 kHz, area-normalised ("slaney"):
    the filterbank of ``librosa.filters.mel(sr=16000, n_fft=400, n_mels=40)``."""
    import numpy as np

    fft_freqs = np.linspace(0.0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    mel_f = _mel_to_hz(
        np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(SAMPLE_RATE / 2)), N_MELS + 2)
    )
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    weights = np.zeros((N_MELS, fft_freqs.size))
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : N_MELS + 2] - mel_f[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def mel_frames(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """(len // 160 + 1, 40) mel power frames; frame ``i`` is centred on sample ``160 i``
    (the frames of ``librosa.feature.melspectrogram`` with the encoder's parameters)."""
    import numpy as np

    x = np.asarray(samples, dtype=np.float32)
    padded = np.concatenate([np.zeros(N_FFT // 2, np.float32), x, np.zeros(N_FFT // 2, np.float32)])
    rows = 1 + x.size // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:rows]
    n = np.arange(N_FFT)
    window = (0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)).astype(np.float32)  # periodic Hann
    filters = mel_filters()
    out = np.empty((frames.shape[0], N_MELS), dtype=np.float32)
    step = 20_000
    for i in range(0, frames.shape[0], step):
        spec = np.fft.rfft(frames[i : i + step] * window, n=N_FFT)
        power = (spec.real**2 + spec.imag**2).astype(np.float32)
        out[i : i + step] = power @ filters.T
    return out


def frame_energy(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Mean square of the samples under each mel frame's hop (len // 160 + 1 rows), for
    levelling a window of frames the way the encoder's training audio was levelled."""
    import numpy as np

    x = np.asarray(samples, dtype=np.float32)
    rows = 1 + x.size // HOP
    padded = np.concatenate([x, np.zeros(rows * HOP - x.size, np.float32)])
    return (padded.reshape(rows, HOP).astype(np.float64) ** 2).mean(axis=1).astype(np.float32)


class VoiceEncoder:
    """The GE2E network with its weights as float32 numpy arrays."""

    def __init__(self, weights: dict[str, npt.NDArray[np.float32]]) -> None:
        import numpy as np

        try:
            self.w_ih = [
                np.ascontiguousarray(weights[f"lstm_weight_ih_l{k}"].T) for k in range(LAYERS)
            ]
            self.w_hh = [
                np.ascontiguousarray(weights[f"lstm_weight_hh_l{k}"].T) for k in range(LAYERS)
            ]
            self.bias = [
                weights[f"lstm_bias_ih_l{k}"] + weights[f"lstm_bias_hh_l{k}"] for k in range(LAYERS)
            ]
            self.linear_w = np.ascontiguousarray(weights["linear_weight"].T)
            self.linear_b = weights["linear_bias"]
        except KeyError as exc:
            raise VoiceEncoderError(f"not the GE2E voice encoder: no {exc.args[0]}") from None
        if self.w_ih[0].shape != (N_MELS, 4 * HIDDEN) or self.linear_w.shape != (HIDDEN, 256):
            raise VoiceEncoderError(
                f"not the GE2E voice encoder: input weights {self.w_ih[0].shape}"
            )

    @classmethod
    def load(cls, path: Path | str = BUNDLED) -> VoiceEncoder:
        import zipfile

        import numpy as np

        try:
            with np.load(Path(path)) as data:
                weights = {k: data[k].astype(np.float32) for k in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise VoiceEncoderError(f"cannot read {path}: {exc}") from None
        return cls(weights)

    def embed(self, mels: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """(batch, frames, 40) mel power windows -> (batch, 256) unit embeddings."""
        import numpy as np

        out = np.empty((mels.shape[0], 256), dtype=np.float32)
        for i in range(0, mels.shape[0], _BATCH):
            out[i : i + _BATCH] = self._forward(np.asarray(mels[i : i + _BATCH], np.float32))
        return out

    def _forward(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        import numpy as np

        batch, steps, _ = x.shape
        seq = np.ascontiguousarray(x.transpose(1, 0, 2))  # (time, batch, features)
        gates = np.empty((batch, 4 * HIDDEN), np.float32)
        for layer in range(LAYERS):
            # The input half of every gate, for all time steps at once (one matrix product).
            pre = (seq.reshape(steps * batch, -1) @ self.w_ih[layer]).reshape(steps, batch, -1)
            pre += self.bias[layer]
            w_hh = self.w_hh[layer]
            h: npt.NDArray[Any] = np.zeros((batch, HIDDEN), np.float32)
            c: npt.NDArray[Any] = np.zeros((batch, HIDDEN), np.float32)
            last = layer == LAYERS - 1
            outs = None if last else np.empty((steps, batch, HIDDEN), np.float32)
            for t in range(steps):
                np.matmul(h, w_hh, out=gates)
                gates += pre[t]
                # sigmoid(v) = (1 + tanh(v / 2)) / 2 for the input, forget and output gates
                # (the cell gate, third, is a tanh): one tanh over the whole row.
                gates[:, : 2 * HIDDEN] *= 0.5
                gates[:, 3 * HIDDEN :] *= 0.5
                np.tanh(gates, out=gates)
                i_g = gates[:, :HIDDEN]
                f_g = gates[:, HIDDEN : 2 * HIDDEN]
                g_g = gates[:, 2 * HIDDEN : 3 * HIDDEN]
                o_g = gates[:, 3 * HIDDEN :]
                # c = f c + i g with f = (1 + tf) / 2, i = (1 + ti) / 2
                c = 0.5 * ((1.0 + f_g) * c + (1.0 + i_g) * g_g)
                h = 0.5 * (1.0 + o_g) * np.tanh(c)
                if outs is not None:
                    outs[t] = h
            if outs is not None:
                seq = outs
        raw = np.maximum(h @ self.linear_w + self.linear_b, 0.0)
        norm = np.linalg.norm(raw, axis=1, keepdims=True)
        return (raw / np.maximum(norm, 1e-12)).astype(np.float32)


def level_gain(mean_square: float) -> float:
    """The amplitude gain that raises audio of this mean square to -30 dBFS (never lowers)."""
    import math

    if mean_square <= 0:
        return 1.0
    dbfs = 10 * math.log10(mean_square)
    return max(1.0, 10 ** ((TARGET_DBFS - dbfs) / 20))


def levelled_rows(
    rows: npt.NDArray[np.float32], power: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """Mel rows scaled as if their audio had been levelled to -30 dBFS (raised only), as
    the encoder's training audio was: mel power scales with the square of the gain.

    Shared by the call's windows (``diarize``) and the rep's voice print (``rep_voice``),
    so both are levelled alike and their embeddings compare."""
    import numpy as np

    gain = level_gain(float(power.mean()))
    return rows * np.float32(gain * gain)
