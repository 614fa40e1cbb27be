"""The v1 API as a CRM developer meets it (review of issue 16): what a finished call
review tells a caller, and what a broken request body is told."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ringback.calls import review_job
from ringback.calls.analysis import CallAnalysis
from ringback.calls.metrics import compute
from ringback.calls.model import SpokenWord
from ringback.calls.models import CallReview
from ringback.calls.questions import find_questions
from ringback.calls.service import CallContact
from ringback.db.session import transaction
from tests.support.accounts import csrf_of
from tests.support.api import Api, error_of, quiet_wav


class Queued:
    """Stands in for the call-review worker's queue; the test writes the result itself."""

    def submit(self, review_id: str) -> None:
        pass


def _finish(api: Api, review_id: int) -> None:
    """Write the review as the worker does (its words known) and mark it done."""
    words, t = [], 0.5
    for speaker, text in (("rep", "How is the season going?"), ("customer", "Busy, thanks.")):
        for word in text.split():
            words.append(SpokenWord(speaker, word, t, t + 0.3))  # type: ignore[arg-type]
            t += 0.35
    with transaction(api.url) as db:
        path = Path(db.get(CallReview, review_id).original_path)  # type: ignore[union-attr]
    metrics = compute(words, t + 1)
    analysis = CallAnalysis(
        path, "mono", 0, metrics, tuple(find_questions(metrics.turns)), tuple(words)
    )
    result = review_job.write_review(
        analysis,
        contact=CallContact(0, ""),
        call_at=datetime(2026, 11, 23, 15, tzinfo=UTC),
        out_dir=review_job.reviews_dir(api.settings.data_dir) / str(review_id),
        settings=api.settings,
    )
    with transaction(api.url) as db:
        row = db.get(CallReview, review_id)
        assert row is not None
        row.status, row.progress, row.result_path = "done", 1.0, str(result)


def test_a_finished_call_review_does_not_reveal_where_the_server_keeps_files(
    lite: Api,
) -> None:
    lite.app.state.call_reviews = Queued()
    script = lite.client(lite.token())
    job = script.post(
        "/api/v1/calls", files={"recording": ("call.wav", quiet_wav(3.0), "audio/wav")}
    ).json()
    _finish(lite, job["id"])

    reply = script.get(job["url"])
    assert reply.status_code == 200 and reply.json()["status"] == "done", reply.text
    analysis = reply.json()["analysis"]
    assert analysis["contract"]["transcript"]  # the analysis itself is all there
    assert analysis["details"]["mode"] == "mono"
    data_dir = str(lite.settings.data_dir)
    assert data_dir not in reply.text and "recordings" not in json.dumps(analysis)


def test_a_body_that_is_not_json_is_told_so_not_given_a_field_number(lite: Api) -> None:
    script = lite.client(lite.token())
    reply = script.post(
        "/api/v1/contacts",
        content=b'{"name": "Ann Lee",}',
        headers={"Content-Type": "application/json"},
    )
    assert reply.status_code == 422
    error = error_of(reply)
    assert error["code"] == "invalid"
    assert error["message"].startswith("the body is not valid JSON at character ")
    assert "Content-Type: application/json" in error["hint"]
    for sent in ({"data": {"name": "Ann Lee"}}, {"json": ["Ann Lee"]}):  # a form, a list
        reply = script.post("/api/v1/contacts", **sent)  # type: ignore[arg-type]
        assert reply.status_code == 422
        assert error_of(reply)["message"] == "the body is not a JSON object"


def test_a_session_write_without_its_csrf_token_is_told_how_to_send_it(lite: Api) -> None:
    browser = lite.browser()
    refused = browser.post("/api/v1/contacts", json={"name": "Ann Lee"})
    assert refused.status_code == 403
    hint = error_of(refused)["hint"]
    assert "X-CSRF-Token" in hint and "ask the owner" not in hint
    token = csrf_of(browser.get("/contacts"))
    sent = browser.post(
        "/api/v1/contacts", json={"name": "Ann Lee"}, headers={"X-CSRF-Token": token}
    )
    assert sent.status_code == 201


def test_an_empty_script_to_score_gets_a_hint_for_the_api_not_the_command_line(
    lite: Api,
) -> None:
    reply = lite.client(lite.token()).post("/api/v1/coach/score", json={"text": "  "})
    assert reply.status_code == 422
    error = error_of(reply)
    assert error["message"] == "the script is empty"
    assert '"text"' in error["hint"] and "stdin" not in error["hint"]


def test_the_spec_names_the_call_upload_body_for_what_it_is(lite: Api) -> None:
    spec = lite.client(lite.token()).get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert not [name for name in schemas if name.startswith("Body_")]
    body = spec["paths"]["/api/v1/calls"]["post"]["requestBody"]["content"]
    assert body["multipart/form-data"]["schema"] == {"$ref": "#/components/schemas/CallUpload"}
    assert "recording" in schemas["CallUpload"]["required"]
    page = lite.browser().get("/api/v1/docs").text
    assert "Body_" not in page and "CallUpload" in page
