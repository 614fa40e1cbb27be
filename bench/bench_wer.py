"""Word error rate of the product's transcriber on real 8 kHz telephone speech.

    python bench/bench_wer.py [--n 150 | --all] [--seed 3] [--quick] [--max-wer F] [--json] [-v]

The speech: Debian's ``asterisk-core-sounds-en-wav`` prompts (a professional voice
recorded at 8 kHz for phone systems, ``/usr/share/asterisk/sounds/en`` and its
subfolders); the references: their transcripts in ``asterisk-core-sounds-en``
(``core-sounds-en.txt.gz``). Prompts whose transcript is a description (``[beep]``) or
that are silence are left out. A deterministic sample of ``--n`` prompts (``--seed``) is
transcribed with exactly what the inbox uses (``FasterWhisperTranscriber.from_settings``
on the default settings: bundled tiny.en, int8, beam 5, VAD, temperature fallback).

WER = (substitutions + deletions + insertions) / reference words, summed over all
prompts (word-level edit distance, implemented here). Both texts are normalised the
same way first (see ``normalise``): lower case; ``&`` → and, ``%`` → percent,
``*`` → star, ``#`` → pound, ``@`` → at; thousands separators dropped; every figure
spelled out as words (``28.8`` → twenty eight point eight, ``1234`` → one thousand two
hundred thirty four, ``2nd`` → second, ``3D`` → three d); hyphens and slashes split
words; common contractions expanded (``I'm`` → i am, ``that's`` → that is, ``can't`` /
``cannot`` → can not, ``you'd`` → you would; ``'s`` only after it/that/there/what/here/
who/he/she/where/let, so possessives stay); remaining apostrophes removed; all other
punctuation dropped. No spelling-variant mapping beyond that (``rerecord`` vs
``re-record`` counts as an error).

The issue sets no WER target: the figure is reported. ``--max-wer`` makes the bench
fail above a threshold (for CI); it exits non-zero if any prompt fails to transcribe.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import voicemail_corpus

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip


# Contractions expanded on both sides ("I'm" and "I am" are the same words said).
_CONTRACTIONS = (
    (r"\bcan't\b", "can not"),
    (r"\bcannot\b", "can not"),
    (r"\bwon't\b", "will not"),
    (r"n't\b", " not"),
    (r"'m\b", " am"),
    (r"'re\b", " are"),
    (r"'ve\b", " have"),
    (r"'ll\b", " will"),
    (r"'d\b", " would"),
    (r"\b(it|that|there|what|here|who|he|she|where|let)'s\b", r"\1 is"),
)


def number_words(n: int) -> str:
    """Cardinal English words for 0 ≤ n < 10¹², without "and" or hyphens."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    for size, name in (
        (10**9, "billion"),
        (10**6, "million"),
        (1000, "thousand"),
        (100, "hundred"),
    ):
        if n >= size:
            rest = n % size
            return f"{number_words(n // size)} {name}" + (f" {number_words(rest)}" if rest else "")
    raise AssertionError(n)


def ordinal_words(n: int) -> str:
    words = number_words(n).split()
    last = words[-1]
    if last in _ORDINAL:
        words[-1] = _ORDINAL[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _figures(match: re.Match[str]) -> str:
    whole, frac, suffix = match.group(1), match.group(2), (match.group(3) or "").lower()
    if suffix in ("st", "nd", "rd", "th") and not frac:
        return f" {ordinal_words(int(whole))} "
    text = number_words(int(whole))
    if frac:
        text += " point " + " ".join(_ONES[int(d)] for d in frac)
    return f" {text} {suffix} "


def normalise(text: str) -> list[str]:
    """The words of ``text``, normalised as described in the module docstring."""
    text = text.lower()
    for symbol, word in (("&", " and "), ("%", " percent "), ("*", " star "), ("#", " pound ")):
        text = text.replace(symbol, word)
    text = text.replace("@", " at ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000 → 1000
    text = re.sub(r"(\d+)(?:\.(\d+))?([a-z]+)?", _figures, text)
    text = re.sub(r"[-/–—]", " ", text)
    text = text.replace("’", "'")
    for pattern, repl in _CONTRACTIONS:
        text = re.sub(pattern, repl, text)
    text = text.replace("'", "")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return text.split()


def edit_counts(ref: list[str], hyp: list[str]) -> tuple[int, int, int]:
    """(substitutions, deletions, insertions) of a minimum word-level edit alignment."""
    # Each cell: (total, subs, dels, ins); ties prefer fewer total edits, then substitutions.
    prev = [(j, 0, 0, j) for j in range(len(hyp) + 1)]
    for i in range(1, len(ref) + 1):
        cur = [(i, 0, i, 0)]
        for j in range(1, len(hyp) + 1):
            if ref[i - 1] == hyp[j - 1]:
                best = prev[j - 1]
            else:
                s, d, n = prev[j - 1], prev[j], cur[j - 1]
                best = min(
                    (s[0] + 1, s[1] + 1, s[2], s[3]),
                    (d[0] + 1, d[1], d[2] + 1, d[3]),
                    (n[0] + 1, n[1], n[2], n[3] + 1),
                )
            cur.append(best)
        prev = cur
    _, subs, dels, ins = prev[-1]
    return subs, dels, ins


def sample(n: int | None, seed: int) -> list[voicemail_corpus.Prompt]:
    prompts = voicemail_corpus.speech_prompts()
    if n is None or n >= len(prompts):
        return prompts
    return sorted(random.Random(seed).sample(prompts, n), key=lambda p: p.name)


def run(n: int | None, seed: int, verbose: bool) -> dict[str, Any]:
    import wave

    from ringback.config import Settings
    from ringback.speech import FasterWhisperTranscriber

    settings = Settings()
    transcriber = FasterWhisperTranscriber.from_settings(settings)
    loaded = transcriber.load()
    transcriber.transcribe(sample(1, seed)[0].path)  # warm-up
    prompts = sample(n, seed)
    rows = []
    failures = []
    started = time.perf_counter()
    audio_s = 0.0
    for prompt in prompts:
        with wave.open(str(prompt.path), "rb") as w:
            audio_s += w.getnframes() / w.getframerate()
        try:
            hyp_text = transcriber.transcribe(prompt.path).text
        except Exception as exc:  # a prompt the product cannot read is a finding, not a crash
            failures.append({"prompt": prompt.name, "error": f"{type(exc).__name__}: {exc}"})
            continue
        ref, hyp = normalise(prompt.text), normalise(hyp_text)
        subs, dels, ins = edit_counts(ref, hyp)
        errors = subs + dels + ins
        rows.append(
            {
                "prompt": prompt.name,
                "ref_words": len(ref),
                "errors": errors,
                "sub": subs,
                "del": dels,
                "ins": ins,
                "wer": round(errors / max(1, len(ref)), 3),
                "reference": prompt.text,
                "hypothesis": hyp_text,
            }
        )
        if verbose:
            print(f"{errors / max(1, len(ref)):5.2f} {prompt.name}: {prompt.text!r} → {hyp_text!r}")
    elapsed = time.perf_counter() - started
    words = sum(r["ref_words"] for r in rows)
    errors = sum(r["errors"] for r in rows)

    def wer_of(subset: list[dict[str, Any]]) -> float | None:
        total = sum(r["ref_words"] for r in subset)
        return round(sum(r["errors"] for r in subset) / total, 4) if total else None

    sentences = [r for r in rows if r["ref_words"] >= 3]
    short = [r for r in rows if r["ref_words"] < 3]
    worst = sorted(rows, key=lambda r: (-r["errors"], -r["wer"], r["prompt"]))[:10]
    return {
        "prompts": len(prompts),
        "available_prompts": len(voicemail_corpus.speech_prompts()),
        "seed": seed,
        "model": str(loaded.path),
        "beam_size": transcriber.options.beam_size,
        "reference_words": words,
        "wer": round(errors / words, 4) if words else None,
        "substitutions": sum(r["sub"] for r in rows),
        "deletions": sum(r["del"] for r in rows),
        "insertions": sum(r["ins"] for r in rows),
        "wer_sentences_3plus_words": wer_of(sentences),
        "wer_short_1_2_words": wer_of(short),
        "prompts_perfect": sum(r["errors"] == 0 for r in rows),
        "median_prompt_wer": round(statistics.median(r["wer"] for r in rows), 3) if rows else None,
        "audio_s": round(audio_s, 1),
        "wall_s": round(elapsed, 1),
        "real_time_factor": round(elapsed / audio_s, 3) if audio_s else None,
        "failures": failures,
        "worst": worst,
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=150, help="prompts to sample (default 150)")
    parser.add_argument("--all", action="store_true", help="every prompt with a transcript")
    parser.add_argument("--quick", action="store_true", help="40 prompts")
    parser.add_argument("--seed", type=int, default=3, help="sampling seed (default 3)")
    parser.add_argument("--max-wer", type=float, help="fail above this WER (no target by default)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per prompt")
    args = parser.parse_args()
    if not voicemail_corpus.SOUNDS.is_dir() or not voicemail_corpus.TRANSCRIPTS.is_file():
        raise SystemExit(
            "needs Debian's asterisk-core-sounds-en-wav and asterisk-core-sounds-en packages"
        )
    n = None if args.all else (40 if args.quick else args.n)
    result = run(n, args.seed, args.verbose and not args.json)
    wer = result["wer"]
    passed = not result["failures"] and wer is not None
    if args.max_wer is not None:
        passed = passed and wer <= args.max_wer
    result["target"] = f"<= {args.max_wer}" if args.max_wer is not None else "none (reported)"
    result["passed"] = passed
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            if key != "worst":
                print(f"{key:>26}: {value}")
        print("worst prompts:")
        for row in result["worst"]:
            print(
                f"  {row['wer']:.2f} ({row['errors']}/{row['ref_words']}) {row['prompt']}\n"
                f"      ref: {row['reference']}\n      hyp: {row['hypothesis']}"
            )
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
