"""Content-addressed storage of originals: durable, deduplicated, capped, never deleting."""

from __future__ import annotations

import hashlib
import io

import pytest

from ringback.voicemail.store import TooLarge, sniff, store_original
from tests.support.pipeline import silence, wav_bytes


def test_stores_under_its_hash_and_once_only(tmp_path):
    data = wav_bytes(silence(0.5))
    digest = hashlib.sha256(data).hexdigest()
    first = store_original(data, tmp_path, filename="message.wav")
    assert first.created
    assert first.sha256 == digest and first.size == len(data)
    assert first.path == tmp_path / "recordings" / digest[:2] / digest[2:4] / f"{digest}.wav"
    assert first.path.read_bytes() == data
    assert first.mime == "audio/wav"

    # Same bytes under another name and from a path: the first copy is reused.
    source = tmp_path / "copy.WAV"
    source.write_bytes(data)
    second = store_original(source, tmp_path)
    again = store_original(io.BytesIO(data), tmp_path, filename="other.bin")
    assert (second.path, again.path) == (first.path, first.path)
    assert not second.created and not again.created
    assert source.exists(), "the caller's file is copied, never moved"
    files = [p for p in (tmp_path / "recordings").rglob("*") if p.is_file()]
    assert files == [first.path], "no temp files left behind, one copy only"


def test_extension_comes_from_the_bytes_before_the_name(tmp_path):
    pdf = store_original(b"%PDF-1.4 not a voicemail", tmp_path, filename="message.wav")
    assert pdf.path.suffix == ".pdf" and pdf.mime == "application/pdf"
    assert sniff(b"\x00\x00\x00\x1cftypM4A ", "x") == ("m4a", "audio/mp4")
    assert sniff(b"OggS\x00", None) == ("ogg", "audio/ogg")
    assert sniff(b"\xd3\x11", "msg0000.gsm") == ("gsm", "audio/gsm")
    assert sniff(b"\x01\x02", None) == ("bin", "application/octet-stream")


def test_size_cap_refuses_and_stores_nothing(tmp_path):
    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * 2048)
    with pytest.raises(TooLarge, match="above the"):
        store_original(big, tmp_path, max_bytes=1024)
    with pytest.raises(TooLarge):
        store_original(io.BytesIO(b"\0" * 2048), tmp_path, max_bytes=1024)
    leftovers = [p for p in (tmp_path / "recordings").rglob("*") if p.is_file()]
    assert leftovers == []
    assert big.exists()


def test_zero_bytes_are_stored(tmp_path):
    stored = store_original(b"", tmp_path, filename="empty.wav")
    assert stored.size == 0 and stored.path.exists()
    assert stored.sha256 == hashlib.sha256(b"").hexdigest()
