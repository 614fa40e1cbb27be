"""Telling two voices apart in a mono call: the numpy voice encoder and what a user sees.

The encoder's reference numbers (``tests/data/voice_encoder_reference.npz``) were computed
by the original PyTorch implementation (Resemblyzer 0.1.4, torch 2.13 CPU) on windows of
the real conversation in ../shared/eval/pyannote_sample: mel frames from librosa and the
embeddings the PyTorch network gives for them. The mono calls are two different real
people (Allison Smith's Asterisk prompts, the FSDD speakers) mixed into one channel at
known times by ``bench/mono_corpus.py``, so who spoke when is exact.
"""

from __future__ import annotations

import pickle
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import numpy as np
import pytest
from bench import mono_corpus
from bench.eval_calls import rttm_share

from ringback.calls.analysis import CallAnalysis, analyze_call
from ringback.calls.diarize import VoiceTrack
from ringback.calls.voice_encoder import BUNDLED, VoiceEncoder, mel_frames
from ringback.config import Settings
from tests.conftest import IN_CI, SHARED

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).parent / "data" / "voice_encoder_reference.npz"
PYANNOTE = SHARED / "eval" / "pyannote_sample"


def _need(ok: bool, what: str) -> None:
    if not ok:
        if IN_CI:
            pytest.fail(f"CI=true requires {what}")
        pytest.skip(f"test data missing: {what}")


def test_the_weights_ship_with_the_package_with_their_licence() -> None:
    assert BUNDLED.is_file() and BUNDLED.stat().st_size < 4_000_000
    note = (BUNDLED.parent / "VOICE_ENCODER.md").read_text()
    assert "Apache" in note and "Resemblyzer" in note
    assert "Apache License" in (BUNDLED.parent / "VOICE_ENCODER_LICENSE").read_text()


def test_mel_frames_match_the_filterbank_the_encoder_was_trained_with() -> None:
    ref = np.load(REFERENCE)
    mine = mel_frames(ref["clip"].astype(np.float32) / 32768)
    assert mine.shape == ref["clip_mels"].shape
    np.testing.assert_allclose(
        mine, ref["clip_mels"], rtol=1e-3, atol=1e-6 * ref["clip_mels"].max()
    )


def test_numpy_embeddings_match_the_pytorch_reference() -> None:
    ref = np.load(REFERENCE)
    encoder = VoiceEncoder.load()
    for mels, expected in (
        (ref["mels"], ref["embeddings"]),
        (ref["short_mels"], ref["short_embeddings"]),
    ):
        got = encoder.embed(mels)
        cosine = (got * expected).sum(axis=1)
        assert cosine.min() > 0.999, cosine
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, rtol=1e-5)
    # Two people: the first two windows are Diane and Sheila.
    got = encoder.embed(ref["mels"])
    assert float(got[0] @ got[1]) < 0.8


def test_a_missing_or_broken_weights_file_falls_back_to_mfcc_with_a_warning(tmp_path: Path) -> None:
    track, warning = VoiceTrack.for_settings(Settings(voice_encoder=str(tmp_path / "none.npz")))
    assert track.encoder is None and warning and "RINGBACK_VOICE_ENCODER" in warning
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip file")
    track, warning = VoiceTrack.for_settings(Settings(voice_encoder=str(broken)))
    assert track.encoder is None and warning and "RINGBACK_VOICE_ENCODER" in warning
    other = tmp_path / "other.npz"
    np.savez(other, something=np.zeros(3))
    track, warning = VoiceTrack.for_settings(Settings(voice_encoder=str(other)))
    assert track.encoder is None and warning and "not the GE2E voice encoder" in warning
    track, warning = VoiceTrack.for_settings(Settings())
    assert track.encoder is not None and warning is None


def test_the_converter_runs_no_code_from_the_checkpoint(tmp_path: Path) -> None:
    loader = SourceFileLoader(
        "convert_voice_encoder", str(ROOT / "scripts" / "convert-voice-encoder")
    )
    spec = spec_from_loader(loader.name, loader)
    assert spec is not None
    module = module_from_spec(spec)
    loader.exec_module(module)

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            import os

            return (os.system, ("echo pwned",))

    evil = tmp_path / "evil.pt"
    evil.write_bytes(
        pickle.dumps(module.LEGACY_MAGIC, protocol=2) + pickle.dumps(Evil(), protocol=2)
    )
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        module.load_state(evil)


def _words_right(result: CallAnalysis, truth: mono_corpus.Truth) -> tuple[int, int]:
    right = total = 0
    for w in result.words:
        who = truth.speaker_at((w.start + w.end) / 2)
        if who is not None:
            total += 1
            right += w.speaker == who
    return right, total


def _named(result: CallAnalysis, truth: mono_corpus.Truth, rep_is: str) -> bool:
    """Whether the analysis took the built call's ``rep_is`` voice ("rep" or "customer")
    for the rep: most words given to the right person under that naming, and a talk share
    nearer that voice's true share than the other's. (How close the share comes is the
    accuracy benches' business; these tests are about who is who.)"""
    other = {"rep": "customer", "customer": "rep"}
    right = total = 0
    for w in result.words:
        who = truth.speaker_at((w.start + w.end) / 2)
        if who is not None:
            total += 1
            right += w.speaker == (who if rep_is == "rep" else other[who])
    target = truth.talk_share_rep if rep_is == "rep" else 1 - truth.talk_share_rep
    share = result.metrics.talk_share_rep
    return right / total >= 0.85 and abs(share - target) < abs(share - (1 - target))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("voices", "seed"),
    [(("allison", "jackson"), 21), (("lucas", "george"), 22)],
    ids=["woman-and-man", "two-men"],
)
def test_two_real_voices_in_one_channel_are_told_apart(
    tmp_path: Path, voices: tuple[str, str], seed: int
) -> None:
    _need(mono_corpus.available(voices), "the Asterisk prompts and FSDD (scripts/test-deps)")
    path = tmp_path / "mono.wav"
    truth = mono_corpus.write(path, 60.0, voices, seed=seed)
    result = analyze_call(path, settings=Settings())
    assert result.mode == "mono"
    assert abs(result.metrics.talk_share_rep - truth.talk_share_rep) < 0.05, (
        result.metrics.talk_share_rep,
        truth.talk_share_rep,
    )
    right, total = _words_right(result, truth)
    assert total >= 40 and right / total >= 0.85, (right, total)
    talk = {s: m.talk_seconds for s, m in result.metrics.speakers.items()}
    for speaker, seconds in truth.talk.items():
        assert abs(talk[speaker] - seconds) < 0.15 * seconds, (speaker, talk, truth.talk)


@pytest.mark.slow
def test_the_customer_who_picks_up_with_hello_is_not_taken_for_the_rep(
    tmp_path: Path,
) -> None:
    """The customer answers with one word; the rep, who called, then says who they are:
    the rep is the voice of that first real turn, not of the first sound."""
    voices = ("jackson", "allison")
    _need(mono_corpus.available(voices), "the Asterisk prompts and FSDD (scripts/test-deps)")
    path = tmp_path / "hello-first.wav"
    truth = mono_corpus.write(path, 45.0, voices, seed=23, picked_up=True)
    opening = min(truth.intervals["customer"])
    assert opening[1] - opening[0] < 0.8 and opening[0] < min(truth.intervals["rep"])[0]
    result = analyze_call(path, settings=Settings())
    assert _named(result, truth, "rep")
    pick_up = next(w for w in result.words if w.start < opening[1])
    assert pick_up.speaker == "customer", pick_up


@pytest.mark.slow
def test_the_real_phone_conversation_tells_diane_from_sheila() -> None:
    """The issue's accuracy target on its real reference, with no setting: the rep's talk
    share within 5 points of the human RTTM. Diane, who answers "Hello?" and then takes
    the first real turn ("Oh, hello. I didn't know you were there"), is the rep; the
    words that name each woman are given to her."""
    _need((PYANNOTE / "sample.wav").is_file(), str(PYANNOTE))
    who, diane = rttm_share(PYANNOTE / "sample.rttm")
    assert who == "speaker90"  # Diane, by the STM's times
    result = analyze_call(PYANNOTE / "sample.wav", settings=Settings())
    said = {
        who: " ".join(w.text for w in result.words if w.speaker == who).lower()
        for who in ("rep", "customer")
    }
    assert "diane" in said["rep"] and "sheila" in said["customer"]
    assert "sheila" not in said["rep"] and "diane" not in said["customer"]
    assert abs(result.metrics.talk_share_rep - diane) < 0.05, (result.metrics.talk_share_rep, diane)


@pytest.mark.slow
def test_without_the_encoder_mono_still_works_and_says_why_it_is_worse(tmp_path: Path) -> None:
    _need((PYANNOTE / "sample.wav").is_file(), str(PYANNOTE))
    settings = Settings(voice_encoder=str(tmp_path / "missing.npz"))
    result = analyze_call(PYANNOTE / "sample.wav", settings=settings)
    assert result.mode == "mono" and 0.0 < result.metrics.talk_share_rep < 1.0
    assert any("RINGBACK_VOICE_ENCODER" in w for w in result.warnings)


def test_the_first_real_turn_is_a_second_of_one_voice_not_the_first_sound() -> None:
    from ringback.calls.voice_roles import FIRST_TURN_S, first_turn

    assert FIRST_TURN_S == 1.0
    # A 0.4 s "Hello?" (voice 1), then voice 0 speaks 0.7 s, pauses 0.3 s, 0.4 s more.
    spans = [(0.5, 0.9), (1.5, 2.2), (2.5, 2.9), (3.2, 5.0)]
    assert first_turn(spans, [1, 0, 0, 1]) == 0
    # The same with a pause over 0.5 s inside voice 0's speech: two short turns, and
    # voice 1's answer is the first to hold the floor.
    spans = [(0.5, 0.9), (1.5, 2.2), (2.9, 3.3), (3.6, 5.0)]
    assert first_turn(spans, [1, 0, 0, 1]) == 1
    # Nothing but one-word replies: no first real turn (the caller falls back).
    assert first_turn([(0.0, 0.5), (1.0, 1.4), (2.0, 2.6)], [0, 1, 0]) is None
    assert first_turn([], []) is None


def test_talk_time_joins_a_voices_short_pauses_but_not_across_the_other_voice() -> None:
    from ringback.calls.diarize import _talk_seconds

    # voice 0 speaks 0.00-0.99 s and 1.40-1.99 s (a 0.4 s pause: one utterance), then
    # voice 1 at 2.00-2.49 s, then voice 0 again at 2.60-2.99 s (its pause held voice 1).
    frames = np.concatenate(
        [np.arange(0, 100), np.arange(140, 200), np.arange(200, 250), np.arange(260, 300)]
    )
    voice = np.concatenate([np.zeros(160, int), np.ones(50, int), np.zeros(40, int)])
    talk = _talk_seconds(frames, voice)
    assert talk[0] == pytest.approx(2.0 + 0.4) and talk[1] == pytest.approx(0.5)


def _voice_sample(path: Path, voice: str) -> Path:
    """Some 6-8 s of one person alone: Allison's voicemail prompts, or ten FSDD digit takes
    (the last takes, which a 60 s built call rarely draws)."""
    from bench import fsdd
    from bench.call_corpus import write_wav

    if voice == "allison":
        from ringback.speech.audio import decode

        prompts = ("vm-intro", "vm-theperson", "vm-goodbye")
        pieces = [decode(Path(f"/usr/share/asterisk/sounds/en/{p}.wav")) for p in prompts]
        samples = np.concatenate(pieces)[::2]  # 16 kHz → 8 kHz
        write_wav(path, (samples * 32767).astype(np.int16))
        return path
    gap = np.zeros(1200, dtype=np.int16)
    takes = [fsdd.load_take(d, voice, fsdd.TAKES - 1 - d % 3) for d in range(10)]
    write_wav(path, np.concatenate([x for take in takes for x in (take, gap)]))
    return path


@pytest.mark.slow
def test_a_sample_of_the_reps_voice_names_the_rep_whoever_speaks_first(tmp_path: Path) -> None:
    """The other party takes the first real turn (the rep answered with a bare "Hello?"
    and the caller explained); with a recording of the rep alone, the rep is still the
    rep — and swapping the sample swaps the roles."""
    voices = ("allison", "jackson")  # allison takes the first real turn
    _need(mono_corpus.available(voices), "the Asterisk prompts and FSDD (scripts/test-deps)")
    call = tmp_path / "call.wav"
    truth = mono_corpus.write(call, 45.0, voices, seed=31)
    jackson = _voice_sample(tmp_path / "jackson.wav", "jackson")
    result = analyze_call(call, settings=Settings(), rep_voice=jackson)
    assert _named(result, truth, "customer")  # jackson, the built call's second voice
    assert any("the rep is the voice of jackson.wav" in w for w in result.warnings)
    allison = _voice_sample(tmp_path / "allison.wav", "allison")
    again = analyze_call(call, settings=Settings(), rep_voice=allison)
    assert _named(again, truth, "rep")


@pytest.mark.slow
def test_the_owners_uploaded_greeting_names_the_rep_unasked(tmp_path: Path) -> None:
    """The greeting the owner recorded for their line is their voice: a mono call is named
    by it with no --rep-voice; RINGBACK_REP_VOICE=none goes back to the first real turn's
    voice; a greeting with no speech in it is passed over with a warning, not an error."""
    from bench.call_corpus import write_wav

    from ringback.lines import LineKind
    from ringback.telephony.greeting_service import check_and_store
    from ringback.telephony.greetings import GreetingStore

    voices = ("allison", "jackson")  # allison (the customer here) takes the first turn
    _need(mono_corpus.available(voices), "the Asterisk prompts and FSDD (scripts/test-deps)")
    call = tmp_path / "call.wav"
    truth = mono_corpus.write(call, 45.0, voices, seed=31)
    settings = Settings(data_dir=tmp_path / "data")
    check_and_store(_voice_sample(tmp_path / "jackson.wav", "jackson"), settings, strict=False)
    named = analyze_call(call, settings=settings)
    assert _named(named, truth, "customer")  # jackson, the built call's second voice
    assert any("the rep is the voice of your greeting" in w for w in named.warnings)

    off = analyze_call(call, settings=Settings(data_dir=tmp_path / "data", rep_voice="none"))
    assert _named(off, truth, "rep")
    assert not any("greeting" in w for w in off.warnings)

    silent = tmp_path / "silent.wav"
    write_wav(silent, np.zeros(8000 * 3, dtype=np.int16))
    GreetingStore(settings.data_dir).save(LineKind.PERSONAL, silent.read_bytes(), {})
    unnamed = analyze_call(call, settings=settings)
    assert _named(unnamed, truth, "rep")
    assert any("your greeting was not used" in w for w in unnamed.warnings)


def test_a_rep_voice_sample_without_speech_is_refused_with_what_to_do(tmp_path: Path) -> None:
    from bench.call_corpus import write_wav

    from ringback.calls.audio import CallAudioError
    from ringback.calls.rep_voice import load_rep_voice

    silent = tmp_path / "silence.wav"
    write_wav(silent, np.zeros(8000 * 3, dtype=np.int16))
    encoder = VoiceEncoder.load(BUNDLED)
    with pytest.raises(CallAudioError, match="too little to know a voice by") as caught:
        load_rep_voice(silent, encoder)
    assert "record a few sentences" in caught.value.hint
    with pytest.raises(CallAudioError, match="no such file"):
        load_rep_voice(tmp_path / "missing.wav", encoder)
    not_audio = tmp_path / "greeting.wav"
    not_audio.write_bytes(b"%PDF-1.4 not a recording")
    with pytest.raises(CallAudioError, match="not usable audio"):
        load_rep_voice(not_audio, encoder)


@pytest.mark.slow
@pytest.mark.parametrize("owner", ["Diane", "Sheila"])
def test_the_owners_self_introduction_names_the_rep_in_a_mono_call(owner: str) -> None:
    """Whoever opened the call, the voice that says "This is Diane" / "I'm Sheila" is the
    rep when that is the owner's name: the talk share is that person's, against the human
    reference."""
    _need((PYANNOTE / "sample.wav").is_file(), str(PYANNOTE))
    _, diane = rttm_share(PYANNOTE / "sample.rttm")
    truth = diane if owner == "Diane" else 1 - diane
    result = analyze_call(PYANNOTE / "sample.wav", settings=Settings(owner_name=owner))
    assert abs(result.metrics.talk_share_rep - truth) < 0.05, (
        result.metrics.talk_share_rep,
        truth,
    )
    rep_said = " ".join(w.text for w in result.words if w.speaker == "rep").lower()
    assert owner.lower() in rep_said
    other = "sheila" if owner == "Diane" else "diane"
    assert other not in rep_said
