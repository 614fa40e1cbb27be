"""A real voicemail for the inbox tests, spliced from real recorded speech (no TTS).

Words: Debian's asterisk-core-sounds-en-wav prompts (a human voice, 8 kHz), here
"Hello. Telephone number." and "Tomorrow. Thank you."; the callback number between them:
ten digits from the Free Spoken Digit Dataset (../shared/eval/fsdd), grouped 3-3-4 and
said twice, as people do on a voicemail. 8 kHz 16-bit mono, like a phone system's WAV.
"""

from __future__ import annotations

import io
import wave

from tests.support.audio import (
    RATE,
    needs_audio,
    voicemail_wav,
)


@needs_audio
def test_the_spliced_voicemail_is_telephone_audio() -> None:
    with wave.open(io.BytesIO(voicemail_wav()), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
        assert 15 < w.getnframes() / RATE < 30
