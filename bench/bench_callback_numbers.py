"""Callback-number accuracy on real recordings. Target: exact match ≥ 95 %.

    python bench/bench_callback_numbers.py [--n 100] [--seed 3] [--no-baseline] [--json] [-v]
    python bench/bench_callback_numbers.py --holdout --caller-id [--cache DIR] [--n 100]

Builds ``--n`` spoken US numbers from the real 8 kHz digit takes in
``../shared/eval/fsdd/recordings`` (one speaker per number, 3-3-4 groups, ~0.15 s between
digits, ~0.5 s between groups, every other number said twice with ~1 s between; see
``bench/fsdd.py``), runs each WAV through exactly what the product runs on a voicemail
(``ringback.speech.callback_audio.callback_number_from_audio`` with the transcriber built
from the default settings), and counts exact E.164 matches.

For contrast, the baseline: raw tiny.en (faster-whisper's own defaults) and a naive
word-to-digit map that takes the first ten digits it sees.

``--caller-id``: the same numbers with a caller ID (none, the number itself, another line
at the same place, another number; one in four each), wrong-but-unflagged in the subject
and invite with and without the caller-ID check. ``--holdout``: the reading's tunable
settings chosen on three speakers, measured on the fourth, each in turn
(``bench/callback_holdout.py``). ``--cache DIR`` keeps Whisper's transcripts between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import callback_holdout, fsdd

_NAIVE = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip


def naive_number(text: str) -> str | None:
    """The first ten digits in the text, figures or digit words, as +1 and ten digits."""
    digits = "".join(
        tok if tok.isdigit() else _NAIVE.get(tok, "")
        for tok in re.findall(r"[a-z]+|\d", text.lower())
    )
    return "+1" + digits[:10] if len(digits) >= 10 else None


def run(
    n: int,
    seed: int,
    baseline: bool,
    verbose: bool,
    verify: float | None = None,
    repair: bool = True,
) -> dict[str, object]:
    from ringback.config import Settings
    from ringback.mail.compose import UNSURE_NUMBER
    from ringback.speech import FasterWhisperTranscriber
    from ringback.speech.callback_audio import callback_number_from_audio

    if not fsdd.available():
        raise SystemExit(f"FSDD recordings not found in {fsdd.RECORDINGS}")
    numbers = fsdd.spoken_numbers(n, seed=seed)
    settings = Settings()
    transcriber = FasterWhisperTranscriber.from_settings(settings)
    loaded = transcriber.load()

    correct = 0
    times: list[float] = []
    audio_seconds = 0.0
    confidences: dict[bool, list[float]] = {True: [], False: []}
    naive_same_transcript = 0
    errors = []
    for sn in numbers:
        started = time.perf_counter()
        transcript, found = callback_number_from_audio(
            transcriber,
            sn.wav,
            region="US",
            repair=repair,
            **({"verify_below": verify} if verify is not None else {}),
        )
        times.append(time.perf_counter() - started)
        audio_seconds += sn.duration
        ok = found.e164 == sn.e164
        correct += ok
        confidences[ok].append(found.confidence)
        naive_same_transcript += naive_number(transcript.text) == sn.e164
        if not ok:
            errors.append(
                {
                    "truth": sn.e164,
                    "got": found.e164,
                    "confidence": found.confidence,
                    "speaker": sn.speaker,
                    "repeated": sn.repeated,
                    "transcript": transcript.text,
                    "readings": list(found.readings),
                }
            )
        if verbose:
            mark = "ok " if ok else "BAD"
            print(f"{mark} {sn.e164} {found.e164} {found.confidence:.2f} | {transcript.text}")
        elif len(times) % 10 == 0:
            print(f"  {len(times)}/{n}: {correct} correct", file=sys.stderr, flush=True)

    result: dict[str, object] = {
        "n": n,
        "seed": seed,
        "model": str(loaded.path),
        "device": loaded.device,
        "compute_type": loaded.compute_type,
        "beam_size": transcriber.options.beam_size,
        "verify_below": verify,
        "repair": repair,
        "cpu_threads": transcriber.cpu_threads,
        "model_load_s": round(loaded.load_seconds, 3),
        "accuracy": round(correct / n, 4),
        "correct": correct,
        "target": 0.95,
        "passed": correct / n >= 0.95,
        "said_twice_accuracy": _share(numbers, errors, True),
        "said_once_accuracy": _share(numbers, errors, False),
        "mean_confidence_correct": _mean(confidences[True]),
        "mean_confidence_wrong": _mean(confidences[False]),
        # What the email does with the number: under UNSURE_NUMBER it says "check the
        # recording". A wrong number above it is the costly miss (seed 003: worse than
        # asking again is to guess and get it wrong).
        "wrong_but_not_flagged": sum(c >= UNSURE_NUMBER for c in confidences[False]),
        "right_but_flagged": sum(c < UNSURE_NUMBER for c in confidences[True]),
        "seconds_per_number_mean": round(statistics.mean(times), 3),
        "seconds_per_number_p95": round(_p95(times), 3),
        "audio_seconds_per_number": round(audio_seconds / n, 2),
        "real_time_factor": round(sum(times) / audio_seconds, 4),
        "naive_parser_on_product_transcript": round(naive_same_transcript / n, 4),
        "errors": errors,
    }
    if baseline:
        result.update(_baseline(loaded.model, numbers))
    return result


def run_checks(
    n: int, seed: int, cache: Path | None, *, caller_id: bool, holdout: bool
) -> dict[str, object]:
    """The caller-ID scenario and/or the held-out tuning (see the module docstring)."""
    import random

    from ringback.config import Settings
    from ringback.extract.callback import UNSURE_NUMBER
    from ringback.speech import FasterWhisperTranscriber
    from ringback.speech.callback_audio import _UNSURE, callback_number_from_audio

    numbers = fsdd.spoken_numbers(n, seed=seed)
    settings = Settings()
    transcriber = FasterWhisperTranscriber.from_settings(settings)
    tag = f"{Path(str(settings.whisper_model)).name}-b{transcriber.options.beam_size}"

    def transcript_of(sn: fsdd.SpokenNumber, i: int) -> object:
        return callback_holdout.transcript_for(transcriber, sn, cache, f"{tag}-s{seed}-{i:04d}")

    def read(sn: fsdd.SpokenNumber, transcript: object, **kw: object) -> object:
        return callback_number_from_audio(
            transcriber,
            sn.wav,
            region="US",
            transcript=transcript,
            **kw,  # type: ignore[arg-type]
        )[1]

    result: dict[str, object] = {"n": n, "seed": seed, "flag_line": UNSURE_NUMBER}
    if caller_id:
        result["caller_id"] = _caller_scenario(numbers, transcript_of, read, random.Random(seed))
    if holdout:
        outcomes = callback_holdout.collect(
            numbers, lambda sn, t, **kw: read(sn, t, compare_caller_id=False, **kw), transcript_of
        )
        result["holdout"] = callback_holdout.holdout(outcomes, (_UNSURE, UNSURE_NUMBER))
    return result


def _caller_scenario(numbers: list, transcript_of, read, rng) -> dict[str, object]:  # type: ignore[no-untyped-def,type-arg]
    """Wrong numbers unflagged in the subject/invite, per caller-ID kind, with and without
    the caller-ID check."""
    from ringback.extract.callback import check_caller_id

    rows: dict[str, dict[str, int]] = {}
    for i, sn in enumerate(numbers):
        kind, caller = callback_holdout.caller_id_for(i, sn.e164, rng)
        found = read(sn, transcript_of(sn, i), caller_id=caller, compare_caller_id=False)
        checked = check_caller_id(found, caller, "US")
        row = rows.setdefault(
            kind,
            dict.fromkeys(
                (
                    "n",
                    "exact_without",
                    "exact_with",
                    "wrong_unflagged_without",
                    "wrong_unflagged_with",
                    "right_flagged_without",
                    "right_flagged_with",
                ),
                0,
            ),
        )
        row["n"] += 1
        for label, got, was_checked in (("without", found, False), ("with", checked, True)):
            flag = callback_holdout.flagged(
                got.e164, got.confidence, caller, was_checked and got.check is not None
            )
            ok = got.e164 == sn.e164
            row[f"exact_{label}"] += ok
            row[f"wrong_unflagged_{label}"] += not ok and got.e164 is not None and not flag
            row[f"right_flagged_{label}"] += ok and flag
    total = {k: sum(r[k] for r in rows.values()) for k in next(iter(rows.values()))}
    return {**rows, "all": total}


def _baseline(model: object, numbers: list[fsdd.SpokenNumber]) -> dict[str, object]:
    import io

    correct = 0
    started = time.perf_counter()
    for sn in numbers:
        segments, _ = model.transcribe(io.BytesIO(sn.wav))  # type: ignore[attr-defined]
        text = " ".join(s.text for s in segments)
        correct += naive_number(text) == sn.e164
    elapsed = time.perf_counter() - started
    return {
        "baseline_raw_tiny_en_naive_accuracy": round(correct / len(numbers), 4),
        "baseline_seconds_per_number": round(elapsed / len(numbers), 3),
    }


def _share(numbers: list[fsdd.SpokenNumber], errors: list[dict[str, object]], twice: bool) -> float:
    total = sum(sn.repeated == twice for sn in numbers)
    wrong = sum(e["repeated"] == twice for e in errors)
    return round((total - wrong) / total, 4) if total else 0.0


def _mean(values: list[float]) -> float | None:
    return round(statistics.mean(values), 3) if values else None


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100, help="how many numbers (default 100)")
    parser.add_argument("--seed", type=int, default=3, help="RNG seed (default 3)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the raw tiny.en run")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--verify-below",
        type=float,
        default=None,
        help="check numbers at or below this confidence against the audio (product default)",
    )
    parser.add_argument(
        "--no-repair", action="store_true", help="skip the audio check of unsure numbers"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per number")
    parser.add_argument("--caller-id", action="store_true", help="the caller-ID scenario")
    parser.add_argument("--holdout", action="store_true", help="tune with a speaker held out")
    parser.add_argument("--cache", type=Path, default=None, help="keep transcripts in DIR")
    args = parser.parse_args()
    if args.caller_id or args.holdout:
        checks = run_checks(
            args.n, args.seed, args.cache, caller_id=args.caller_id, holdout=args.holdout
        )
        print(json.dumps(checks, indent=2))
        return
    result = run(
        args.n,
        args.seed,
        not args.no_baseline,
        args.verbose and not args.json,
        args.verify_below,
        not args.no_repair,
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            if key != "errors":
                print(f"{key:>38}: {value}")
        for error in result["errors"]:  # type: ignore[attr-defined]
            print(f"  wrong: {error}")
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
