"""Is `ringback call analyze`'s speaker-attributed transcript as good as plain Whisper?

For every stereo recording (one party per channel) this measures the word error rate of

* (a) **raw**: faster-whisper's ``WhisperModel.transcribe`` on that channel's audio alone,
  the product's model (``RINGBACK_WHISPER_MODEL``) and ``beam_size=RINGBACK_CALL_BEAM_SIZE``,
  everything else faster-whisper's defaults (no VAD, no chunking, no filters);
* (b) **call analyze**: the words `analyze_call` attributes to that speaker (its VAD cuts,
  its pieces, its hallucination filter and the word-time merge), in time order;

against the channel's reference transcript, normalised as in ``bench/bench_wer.py``.

Material: ``../shared/eval/stereo_call/`` (a real 5 s stereo file from faster-whisper's
test data, one sentence per channel) and calls built by ``bench/call_corpus.py`` (real
8 kHz prompts placed as a conversation; the reference is each placed prompt's transcript).

    python bench/bench_call_transcript.py [--calls 3] [--seconds 60] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import call_corpus
from bench.bench_wer import edit_counts, normalise

STEREO = Path(__file__).resolve().parents[2] / "shared" / "eval" / "stereo_call"
# The two sentences of stereo_diarization.wav, as its README gives them (left, right).
STEREO_README = STEREO / "README.md"


@dataclass
class Row:
    """One channel of one recording: reference length and both error counts."""

    recording: str
    speaker: str
    ref_words: int
    raw_errors: int
    analyze_errors: int

    @property
    def raw_wer(self) -> float:
        return self.raw_errors / max(1, self.ref_words)

    @property
    def analyze_wer(self) -> float:
        return self.analyze_errors / max(1, self.ref_words)


def stereo_references() -> tuple[str, str]:
    """(left, right) reference transcripts from the folder's README."""
    left = right = ""
    for line in STEREO_README.read_text(encoding="utf-8").splitlines():
        if line.startswith("Left:"):
            left = line.split(":", 1)[1].strip().strip('"')
        elif line.startswith("Right:"):
            right = line.split(":", 1)[1].strip().strip('"')
    return left, right


def errors(ref: str, hyp: str) -> int:
    return sum(edit_counts(normalise(ref), normalise(hyp)))


def raw_channel_text(path: Path, channel: int) -> str:
    """Plain faster-whisper on one channel: the product's model and call beam, no VAD."""
    import numpy as np

    from ringback.calls.audio import blocks
    from ringback.config import get_settings
    from ringback.speech import FasterWhisperTranscriber

    settings = get_settings()
    samples = np.concatenate([b[:, channel] for b in blocks(path, 2)]).astype(np.float32)
    model = FasterWhisperTranscriber.from_settings(settings).load().model
    segments, _ = model.transcribe(samples, beam_size=settings.call_beam_size)
    return " ".join(s.text.strip() for s in segments)


def analyze_texts(path: Path) -> dict[str, str]:
    """The words `call analyze` gives each speaker (rep = channel 0), in time order."""
    from ringback.calls.service import analyze_call
    from ringback.config import get_settings

    result = analyze_call(path, settings=get_settings(), rep_channel=0)
    said: dict[str, list[tuple[float, str]]] = {"rep": [], "customer": []}
    for word in result.words:
        said[word.speaker].append((word.start, word.text))
    return {s: " ".join(t for _, t in sorted(ws)) for s, ws in said.items()}


def measure(path: Path, refs: dict[str, str], name: str) -> list[Row]:
    """Both figures for each channel of ``path`` (rep = channel 0, customer = channel 1)."""
    heard = analyze_texts(path)
    rows = []
    for channel, speaker in enumerate(("rep", "customer")):
        raw = raw_channel_text(path, channel)
        rows.append(
            Row(
                recording=name,
                speaker=speaker,
                ref_words=len(normalise(refs[speaker])),
                raw_errors=errors(refs[speaker], raw),
                analyze_errors=errors(refs[speaker], heard[speaker]),
            )
        )
    return rows


def run(calls: int, seconds: float) -> list[Row]:
    rows: list[Row] = []
    if STEREO_README.is_file():
        left, right = stereo_references()
        rows += measure(
            STEREO / "stereo_diarization.wav",
            {"rep": left, "customer": right},
            "stereo_call",
        )
    if call_corpus.available():
        with tempfile.TemporaryDirectory() as tmp:
            for seed in range(1, calls + 1):
                path = Path(tmp) / f"call-{seed}.wav"
                truth = call_corpus.write(path, seconds, seed)
                refs = {s: truth.said_text(s) for s in ("rep", "customer")}
                rows += measure(path, refs, f"built call seed {seed} ({seconds:.0f} s)")
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| recording | speaker | reference words | raw faster-whisper WER | call analyze WER |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r.recording} | {r.speaker} | {r.ref_words} | {r.raw_wer:.1%} | "
            f"{r.analyze_wer:.1%} |"
        )
    ref = sum(r.ref_words for r in rows)
    raw = sum(r.raw_errors for r in rows) / max(1, ref)
    ana = sum(r.analyze_errors for r in rows) / max(1, ref)
    lines.append(f"| **all** | | {ref} | **{raw:.1%}** | **{ana:.1%}** |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3, help="built calls (0: only stereo_call)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = run(args.calls, args.seconds)
    if args.json:
        data: list[dict[str, Any]] = [
            {**asdict(r), "raw_wer": r.raw_wer, "analyze_wer": r.analyze_wer} for r in rows
        ]
        print(json.dumps(data, indent=2))
    else:
        print(table(rows))


if __name__ == "__main__":
    main()
