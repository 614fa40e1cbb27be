"""Call reviews with an object store (moto on loopback): the upload goes to the bucket,
the worker on another machine reads it from there and puts the review back, and a third
machine shows the review, plays the recording (with ranges) and files the proposals."""

from __future__ import annotations

import io
import json
import re
import shutil
import wave
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from ringback.calls import review_job
from ringback.calls.analysis import CallAnalysis
from ringback.calls.metrics import compute
from ringback.calls.model import SpokenWord
from ringback.calls.models import CallReview
from ringback.calls.questions import find_questions
from ringback.calls.service import CallContact
from ringback.contacts.service import add_contact
from ringback.db.migrate import upgrade
from ringback.db.session import transaction
from ringback.storage import Mirror
from ringback.web import create_app
from tests.support.accounts import add_user, csrf_of, sign_in
from tests.support.calls import conversation
from tests.support.s3 import S3Server, s3_server
from tests.support.twilio import make_settings


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


def tone(seconds: float = 3.0, rate: int = 16000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((3000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16).tobytes())
    return out.getvalue()


class Queued(list[str]):
    """Stands in for the review worker process: remembers what was submitted."""

    def submit(self, key: str) -> None:
        self.append(key)

    def stop(self, timeout: float | None = None) -> None:
        pass


def machine(tmp_path: Path, name: str, url: str, s3: S3Server) -> Any:
    return make_settings(
        tmp_path, data_dir=tmp_path / name, database_url=url, **s3.values(f"{tmp_path.name}-c")
    )


def words() -> list[SpokenWord]:
    return conversation(
        [
            ("rep", "How is the season going for you?"),
            ("customer", "Our goal is to double revenue to 40000 dollars this year."),
            ("rep", "I'll send you the proposal next Friday."),
        ]
    )


def test_a_call_uploaded_here_is_reviewed_elsewhere_and_shown_on_a_third_machine(
    s3: S3Server, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'ringback.db'}"
    upgrade(url)
    add_user(url, name="Dana Wells")
    with transaction(url) as session:
        add_contact(session, name="Bill Turner", region="US")
    audio = tone()
    prefix = f"{tmp_path.name}-c"

    # 1. The app server takes the upload: kept here and in the bucket, then queued.
    uploader = machine(tmp_path, "app", url, s3)
    with TestClient(
        create_app(uploader, prepare_database=False), base_url="http://127.0.0.1"
    ) as web:
        web.app.state.call_reviews = queued = Queued()  # type: ignore[attr-defined]
        assert sign_in(web).status_code == 303
        token = csrf_of(web.get("/calls"))
        reply = web.post(
            "/calls",
            data={"csrf_token": token},
            files={"recording": ("bill.wav", audio, "audio/wav")},
            follow_redirects=False,
        )
        assert reply.status_code == 303, reply.text[:500]
    (review_id,) = [int(k) for k in queued]
    uploads = [k for k in s3.object_keys() if k.startswith(f"{prefix}/calls/recordings/")]
    assert len(uploads) == 1 and s3.body(uploads[0]) == audio
    shutil.rmtree(uploader.data_dir)  # the other machines cannot see this one's disk

    # 2. A worker on another machine: the recording from the bucket, the review back to it
    #    (what run_review does around the analysis).
    worker = machine(tmp_path, "worker", url, s3)
    mirror = Mirror.for_settings(worker)
    with transaction(url) as session:
        row = session.get(CallReview, review_id)
        assert row is not None
        recording = mirror.local(row.original_path)
    assert recording.is_relative_to(worker.data_dir) and recording.read_bytes() == audio
    spoken = words()
    metrics = compute(spoken, spoken[-1].end + 1)
    analysis = CallAnalysis(
        recording, "mono", 0, metrics, tuple(find_questions(metrics.turns)), tuple(spoken)
    )
    out = review_job.reviews_dir(worker.data_dir) / str(review_id)
    result = review_job.write_review(
        analysis,
        contact=CallContact(0, "Bill"),
        call_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
        out_dir=out,
        settings=worker,
    )
    mirror.push_tree(out)
    with transaction(url) as session:
        done = session.get(CallReview, review_id)
        assert done is not None
        done.status, done.progress, done.result_path = "done", 1.0, str(result)
    assert f"{prefix}/calls/reviews/{review_id}/review.json" in s3.object_keys()
    shutil.rmtree(worker.data_dir)

    # 3. Another app server, whose data folder has none of it.
    viewer = machine(tmp_path, "viewer", url, s3)
    with TestClient(create_app(viewer, prepare_database=False), base_url="http://127.0.0.1") as web:
        assert sign_in(web).status_code == 303
        page = web.get(f"/calls/{review_id}")
        assert page.status_code == 200 and "Rep talk share" in page.text
        part = web.get(f"/calls/{review_id}/audio", headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and part.content == audio[:100]
        boxes = re.findall(r'name="proposal" value="(\d+)"', page.text)
        assert boxes
        reply = web.post(
            f"/calls/{review_id}/accept",
            data={"csrf_token": csrf_of(page), "proposal": boxes[:1], "contact": "Bill Turner"},
            follow_redirects=False,
        )
        assert reply.status_code == 303
        assert "Accepted today " in web.get(f"/calls/{review_id}").text
    key = f"{prefix}/calls/reviews/{review_id}/proposals.json"
    assert json.loads(s3.body(key)).get("accepted_at")  # accepted for every machine
