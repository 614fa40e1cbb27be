"""Talk-share accuracy of call analysis against references (issue 5 §1: within ±5 points).

References:

* ``pyannote_sample`` (../shared/eval): a real two-person phone conversation, mono, with
  a human RTTM. The reference share of the voice of the first real turn (the "rep" of
  ``--rep-channel 0`` in mono: see ``rttm_share``) is the union of that speaker's RTTM
  turns over the union of both speakers'. Mono is the lower-confidence fallback: reported, labelled.
* ``stereo_call`` (../shared/eval, faster-whisper's test file): one speaker per channel,
  transcripts but no timings, so its reference is each channel's speech by energy (10 ms
  frames within 35 dB of the channel's loudest): an automatic reference, labelled as such.
* built calls (``bench/call_corpus.py``): real speech placed at known times, so the
  reference is exact. Three seeds, two minutes each.
* built mono calls (``bench/mono_corpus.py``): two different real people (Allison's
  Asterisk prompts, the FSDD speakers) mixed into one channel at known times: the mono
  fallback against an exact reference. Three seeds (three pairs of voices), two minutes;
  and the first stereo built call mixed down to mono (two close voices).

    python bench/eval_calls.py [--json] [--seeds 3] [--seconds 120]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench import call_corpus, mono_corpus

ROOT = Path(__file__).resolve().parents[1]
MONO_PAIRS = (("allison", "jackson"), ("george", "lucas"), ("nicolas", "allison"))

EVAL = ROOT.parent / "shared" / "eval"


FIRST_TURN_S = 1.0  # the product's convention (ringback.calls.voice_roles.FIRST_TURN_S)


def rttm_share(path: Path) -> tuple[str, float]:
    """(the rep, their share of the union of speech) from an RTTM file. The rep is the
    speaker of the first real turn: the first to hold the floor for FIRST_TURN_S (turns
    of theirs less than 0.5 s apart joined), not a pick-up "Hello?" before it."""
    turns: dict[str, list[tuple[float, float]]] = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) < 8 or parts[0] != "SPEAKER":
            continue
        start, dur, who = float(parts[3]), float(parts[4]), parts[7]
        turns.setdefault(who, []).append((start, start + dur))

    def union(spans: list[tuple[float, float]]) -> float:
        total, reach = 0.0, float("-inf")
        for a, b in sorted(spans):
            a = max(a, reach)
            if b > a:
                total += b - a
            reach = max(reach, b)
        return total

    timeline = sorted((a, b, who) for who, spans in turns.items() for a, b in spans)
    first = timeline[0][2]
    holder, held, reach = None, 0.0, float("-inf")
    for a, b, who in timeline:
        if who == holder and a - reach <= 0.5:
            held += b - max(a, reach)
        else:
            holder, held = who, b - a
        reach = max(reach, b)
        if held >= FIRST_TURN_S:
            first = who
            break
    talk = {s: union(v) for s, v in turns.items()}
    return first, talk[first] / sum(talk.values())


def energy_share(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)
    frame = rate // 100
    active = []
    for ch in (0, 1):
        x = data[: len(data) // frame * frame, ch].astype(np.float64).reshape(-1, frame)
        rms = np.sqrt((x**2).mean(axis=1)) + 1e-9
        active.append(float((rms > rms.max() * 10 ** (-35 / 20)).sum()))
    return active[0] / (active[0] + active[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()

    from ringback.calls.analysis import analyze_call
    from ringback.config import Settings

    settings = Settings()
    rows = []

    def add(name: str, kind: str, mode: str, measured: float, reference: float) -> None:
        rows.append(
            {
                "file": name,
                "reference": kind,
                "mode": mode,
                "talk_share_rep": round(measured, 4),
                "reference_share": round(reference, 4),
                "error_points": round(100 * abs(measured - reference), 2),
            }
        )

    mono = EVAL / "pyannote_sample"
    if mono.is_dir():
        who, ref = rttm_share(mono / "sample.rttm")
        result = analyze_call(mono / "sample.wav", settings=settings)
        add(
            "pyannote_sample (first real turn = rep)",
            f"human RTTM ({who})",
            result.mode,
            result.metrics.talk_share_rep,
            ref,
        )
    stereo = EVAL / "stereo_call" / "stereo_diarization.wav"
    if stereo.is_file():
        result = analyze_call(stereo, settings=settings)
        add(
            "stereo_call",
            "channel energy (automatic)",
            result.mode,
            result.metrics.talk_share_rep,
            energy_share(stereo),
        )
    if call_corpus.available():
        with tempfile.TemporaryDirectory() as tmp:
            for seed in range(1, args.seeds + 1):
                path = Path(tmp) / f"call{seed}.wav"
                truth = call_corpus.write(path, args.seconds, seed=seed)
                result = analyze_call(path, settings=settings)
                add(
                    f"built call seed {seed} ({args.seconds:.0f} s)",
                    "construction (exact)",
                    result.mode,
                    result.metrics.talk_share_rep,
                    truth.talk_share_rep,
                )
                if seed == 1:
                    # The same call mixed down to one channel: two close voices (the
                    # customer is the rep's voice 12 % lower), the mono fallback's hard case.
                    result = analyze_call(path, settings=settings, force_mono=True)
                    add(
                        f"built call seed {seed}, mixed to mono",
                        "construction (exact)",
                        result.mode,
                        result.metrics.talk_share_rep,
                        truth.talk_share_rep,
                    )
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, args.seeds + 1):
            voices = MONO_PAIRS[(seed - 1) % len(MONO_PAIRS)]
            if not mono_corpus.available(voices):
                continue
            path = Path(tmp) / f"mono{seed}.wav"
            mono_truth = mono_corpus.write(path, args.seconds, voices, seed=seed)
            result = analyze_call(path, settings=settings)
            add(
                f"built mono seed {seed} ({'+'.join(voices)})",
                "construction (exact)",
                result.mode,
                result.metrics.talk_share_rep,
                mono_truth.talk_share_rep,
            )
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        print(
            f"{row['file']:38} {row['mode']:6} measured {row['talk_share_rep']:.3f}  "
            f"reference {row['reference_share']:.3f} ({row['reference']})  "
            f"error {row['error_points']:.1f} pts"
        )


if __name__ == "__main__":
    main()
