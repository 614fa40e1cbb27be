"""The mono fallback on built calls of two real voices: the material its design was chosen on.

``bench/eval_calls.py`` checks talk share on a few calls; this runs the mono fallback over
four sets built by ``bench/mono_corpus.py`` (and ``bench/call_corpus.py``), every time
exact, each call transcribed once and its voices told apart both ways (speaker encoder,
and the MFCC fallback):

* ``turns``: 8 calls of 90 s, the 8 pairings below of Allison and the four FSDD men;
* ``hello-first``: 20 calls of 30 s, every ordered pair of the five voices, each opening
  with the customer's one-word pick-up ("Hello?") before the rep's first real turn;
* ``close-voices``: 12 calls of 40 s, Allison against herself 12 % lower, opening with
  a one-word pick-up too: the hardest case here;
* ``stereo-mixed``: 3 stereo calls of ``bench/call_corpus.py`` (120 s) mixed to mono.

Per set: the mean and worst error of the rep's talk share (points) and the share of words
attributed to the right voice (words in no one's speech are not counted).

    python bench/eval_mono.py [--json] [--sets turns,hello-first]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench import call_corpus, mono_corpus

VOICES = ("allison", "george", "jackson", "lucas", "nicolas")
TURN_PAIRS = (
    ("allison", "george"),
    ("jackson", "allison"),
    ("george", "lucas"),
    ("nicolas", "jackson"),
    ("allison", "nicolas"),
    ("lucas", "allison"),
    ("george", "jackson"),
    ("lucas", "nicolas"),
)
SETS = ("turns", "hello-first", "close-voices", "stereo-mixed")


def _calls(name: str, tmp: Path) -> list[tuple[Path, dict[str, list[tuple[float, float]]], float]]:
    out = []

    def mono(i: int, seconds: float, voices: tuple[str, str], seed: int, short: bool) -> None:
        path = tmp / f"{name}{i}.wav"
        truth = mono_corpus.write(path, seconds, voices, seed=seed, picked_up=short)
        out.append((path, truth.intervals, truth.talk_share_rep))

    if name == "turns":
        for i, pair in enumerate(TURN_PAIRS, 1):
            mono(i, 90.0, pair, 100 + i, False)
    elif name == "hello-first":
        for i, pair in enumerate(itertools.permutations(VOICES, 2)):
            mono(i, 30.0, pair, 500 + i, True)
    elif name == "close-voices":
        for i in range(12):
            pair = ("allison", "allison-low") if i % 2 == 0 else ("allison-low", "allison")
            mono(i, 40.0, pair, 700 + i, True)
    elif name == "stereo-mixed":
        for seed in (11, 12, 13):
            samples, truth = call_corpus.build(120.0, seed)
            path = tmp / f"{name}{seed}.wav"
            call_corpus.write_wav(
                path, (samples.astype(np.int32).sum(axis=1) // 2).astype(np.int16)
            )
            out.append((path, truth.intervals, truth.talk_share_rep))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sets", default=",".join(SETS), help=f"some of {', '.join(SETS)}")
    args = parser.parse_args()
    if not mono_corpus.available():
        sys.exit("needs the Asterisk prompts and FSDD: run scripts/test-deps")

    from ringback.calls.analysis import _default_transcriber
    from ringback.calls.audio import channel_pieces
    from ringback.calls.diarize import VoiceTrack
    from ringback.calls.metrics import compute
    from ringback.calls.model import SpokenWord
    from ringback.calls.transcribe import call_options, transcribe_channel
    from ringback.calls.voice_encoder import VoiceEncoder
    from ringback.config import Settings

    settings = Settings()
    engine = _default_transcriber(settings)
    options = call_options(settings)
    encoder = VoiceEncoder.load()
    rows = []
    for name in args.sets.split(","):
        errors: dict[str, list[float]] = {"encoder": [], "mfcc": []}
        right: dict[str, list[float]] = {"encoder": [], "mfcc": []}
        with tempfile.TemporaryDirectory() as tmp:
            for path, intervals, reference in _calls(name, Path(tmp)):
                pieces = list(channel_pieces(path, 0, 1))
                heard: list[list[SpokenWord]] = [
                    transcribe_channel(engine, samples, "rep", options, offset=offset)
                    for offset, samples in pieces
                ]
                duration = sum(len(s) for _, s in pieces) / 16000
                for way, enc in (("encoder", encoder), ("mfcc", None)):
                    track = VoiceTrack(enc)
                    for (offset, samples), words in zip(pieces, heard, strict=True):
                        track.add(samples, offset, words)
                    voices = track.split([w for ws in heard for w in ws])
                    share = compute(voices.words, duration, voices.talk).talk_share_rep
                    errors[way].append(100 * abs(share - reference))
                    judged = [
                        w.speaker == who
                        for w in voices.words
                        for who in [
                            next(
                                (
                                    s
                                    for s, spans in intervals.items()
                                    if any(a <= (w.start + w.end) / 2 <= b for a, b in spans)
                                ),
                                None,
                            )
                        ]
                        if who is not None
                    ]
                    right[way].append(float(np.mean(judged)) if judged else 0.0)
        for way in ("encoder", "mfcc"):
            rows.append(
                {
                    "set": name,
                    "voices_by": way,
                    "calls": len(errors[way]),
                    "mean_error_points": round(float(np.mean(errors[way])), 2),
                    "worst_error_points": round(float(np.max(errors[way])), 2),
                    "words_right": round(float(np.mean(right[way])), 3),
                    "worst_words_right": round(float(np.min(right[way])), 3),
                }
            )
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        print(
            f"{r['set']:13} {r['voices_by']:8} {r['calls']:3} calls: talk share error mean "
            f"{r['mean_error_points']:5.2f} worst {r['worst_error_points']:5.1f} points; "
            f"words right {r['words_right']:.1%} (worst call {r['worst_words_right']:.0%})"
        )


if __name__ == "__main__":
    main()
