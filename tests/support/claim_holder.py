"""Process A of the claim tests: ``python -m tests.support.claim_holder URL DATA_DIR ID``
runs the pipeline on one voicemail in a process of its own and stops in its 'pause'
stage until a line comes on stdin; it then goes on (the test may have taken the
database away meanwhile), says how the run ended, and stays alive until a second line:
a worker that lives on, idle, after the database went away under it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from ringback.voicemail.pipeline import (
    RetryPolicy,
    Runner,
    Stage,
    VoicemailContext,
    default_stages,
)
from tests.support.pipeline import FakeExtractor, FakeTranscriber, FileNotifier


class Pause(Stage):
    """Says it has started, then calls ``hold`` (nothing, in process B: it just passes)."""

    name = "pause"

    def __init__(self, hold: Callable[[], object] | None = None) -> None:
        self.hold = hold

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        if self.hold is not None:
            self.hold()
        return ctx


def stages_with_pause(tmp: Path, hold: Callable[[], object] | None = None) -> list[Stage]:
    """The pipeline (with fakes: this is about the claim) with the pause before decoding."""
    notifier = FileNotifier(tmp / "sent")
    stages = default_stages(
        transcriber=FakeTranscriber(), extractor=FakeExtractor(), notifier=notifier
    )
    return [stages[0], Pause(hold), *stages[1:]]  # storing comes first


def _hold() -> None:
    print("paused", flush=True)
    sys.stdin.readline()


def main(url: str, data_dir: Path, voicemail_id: int) -> None:
    runner = Runner(
        url,
        stages_with_pause(data_dir.parent, _hold),
        data_dir=data_dir,
        retry=RetryPolicy(max_attempts=1),
    )
    try:
        result = runner.run(voicemail_id)
        print(f"ended {result.status}", flush=True)
    except Exception as exc:  # the database gone: the process lives on
        print(f"lost {type(exc).__name__}", flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
