"""How well can the bundled model hear each FSDD speaker's digits at all? A probe, not a
target: it bounds what any post-processing of the callback number can reach.

    python bench/probe_digits.py [--n 100] [--seed 3] [--json]

The same spoken numbers as ``bench/bench_callback_numbers.py`` (``bench/fsdd.py``, same
seed). Each number's digits are found by their energy (the splice leaves short pauses
between them), and each digit is then a *closed-set* choice: the number's audio is
encoded once by the product's warm Whisper model, and for every digit the decoder is
forced, on that digit's slice of the encoder output, to write each of the ten digits
(as a figure and as a word; "Oh." for zero too); the likeliest wins. This is the most
constrained use of the model there is — a grammar of one digit — so a speaker whose
digits it still confuses cannot be read reliably by any reading of the transcript.

Prints, per speaker: the share of single digits and of whole numbers (first saying)
chosen right, and how many numbers could not be cut into the right count of digits.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import fsdd

_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_FRAME_S = 0.01
_QUIET_DB = 35.0  # a 10 ms frame this far under the loudest is a pause
_BRIDGE = 6  # frames: a dip shorter than this stays inside one digit
_MIN_DIGIT = 8  # frames: shorter bursts are clicks
_PAD_S = 0.1  # encoder frames kept either side of a digit


def digit_spans(samples: Any, rate: int = 16000) -> list[tuple[float, float]]:
    """(start, end) seconds of each burst of speech separated by a pause."""
    import numpy as np

    hop = int(rate * _FRAME_S)
    n = len(samples) // hop
    rms = np.sqrt((samples[: n * hop].reshape(n, hop).astype(np.float64) ** 2).mean(1))
    db = 20 * np.log10(rms + 1e-9)
    loud = db > db.max() - _QUIET_DB
    spans: list[tuple[float, float]] = []
    i = 0
    while i < n:
        if not loud[i]:
            i += 1
            continue
        j = i
        while j < n and loud[j : j + _BRIDGE].any():
            j += 1
        if j - i >= _MIN_DIGIT:
            spans.append((i * _FRAME_S, j * _FRAME_S))
        i = j
    return spans


class ClosedSet:
    """Forced choice among the ten digits on slices of one encoded clip."""

    def __init__(self, model: Any) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        tok = Tokenizer(model.hf_tokenizer, False, task="transcribe", language="en")
        self.start = [*tok.sot_sequence, tok.no_timestamps]
        spellings = [[f"{d}.", f"{_WORDS[d].capitalize()}.", _WORDS[d]] for d in range(10)]
        spellings[0].append("Oh.")
        self.owner = [d for d, forms in enumerate(spellings) for _ in forms]
        self.tokens = [tok.encode(" " + form) for forms in spellings for form in forms]

    def encode(self, samples: Any) -> Any:
        import ctranslate2
        import numpy as np
        from faster_whisper.audio import pad_or_trim

        mel = self.model.feature_extractor(samples)[:, :3000]
        encoded = self.model.encode(pad_or_trim(mel))
        return np.array(encoded.to_device(ctranslate2.Device.cpu))

    def choose(self, encoded: Any, start: float, end: float) -> str:
        import ctranslate2
        import numpy as np

        lo = max(0, int((start - _PAD_S) * 50))
        hi = min(encoded.shape[1], int((end + _PAD_S) * 50) + 1)
        part = np.ascontiguousarray(np.repeat(encoded[:, lo:hi], len(self.tokens), axis=0))
        results = self.model.model.align(
            ctranslate2.StorageView.from_array(part),
            self.start,
            self.tokens,
            [2 * (hi - lo)] * len(self.tokens),
        )
        best: dict[int, float] = {}
        for owner, r in zip(self.owner, results, strict=True):
            score = sum(math.log(max(p, 1e-12)) for p in r.text_token_probs)
            best[owner] = max(best.get(owner, -math.inf), score)
        return str(max(best, key=lambda d: best[d]))


def run(n: int, seed: int) -> dict[str, Any]:
    from ringback.config import Settings
    from ringback.speech import FasterWhisperTranscriber
    from ringback.speech.audio import decode

    if not fsdd.available():
        raise SystemExit(f"FSDD recordings not found in {fsdd.RECORDINGS}")
    model = FasterWhisperTranscriber.from_settings(Settings()).load().model
    chooser = ClosedSet(model)
    per: dict[str, dict[str, int]] = {}
    for sn in fsdd.spoken_numbers(n, seed=seed):
        row = per.setdefault(
            sn.speaker, {"numbers": 0, "uncut": 0, "digits": 0, "digits_right": 0, "right": 0}
        )
        row["numbers"] += 1
        samples = decode(sn.wav)
        said = sn.digits * (2 if sn.repeated else 1)
        spans = digit_spans(samples)
        if len(spans) != len(said):
            row["uncut"] += 1
            continue
        encoded = chooser.encode(samples)
        heard = "".join(chooser.choose(encoded, a, b) for a, b in spans)
        row["digits"] += len(said)
        row["digits_right"] += sum(h == s for h, s in zip(heard, said, strict=True))
        row["right"] += heard[:10] == sn.digits
    speakers = {
        name: {
            "numbers": row["numbers"],
            "not_cut_into_digits": row["uncut"],
            "digit_accuracy": round(row["digits_right"] / row["digits"], 4)
            if row["digits"]
            else None,
            "number_accuracy": round(row["right"] / (row["numbers"] - row["uncut"]), 4)
            if row["numbers"] > row["uncut"]
            else None,
        }
        for name, row in sorted(per.items())
    }
    return {"n": n, "seed": seed, "speakers": speakers}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100, help="how many numbers (default 100)")
    parser.add_argument("--seed", type=int, default=3, help="RNG seed (default 3)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    result = run(args.n, args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{'speaker':<10} {'numbers':>7} {'uncut':>6} {'digits ok':>10} {'numbers ok':>11}")
    for name, row in result["speakers"].items():
        digit = row["digit_accuracy"]
        number = row["number_accuracy"]
        print(
            f"{name:<10} {row['numbers']:>7} {row['not_cut_into_digits']:>6} "
            f"{'-' if digit is None else f'{digit:.1%}':>10} "
            f"{'-' if number is None else f'{number:.1%}':>11}"
        )


if __name__ == "__main__":
    main()
