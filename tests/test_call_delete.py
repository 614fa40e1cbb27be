"""Deleting a call review as a user meets it: on the review page, the API and the CLI, on
SQLite and PostgreSQL, with the team of the isolation tests (Alice and Bob reps in teams
A and B, Mia managing team A, Dana the owner). The row, its comments, the recording, the
review's files (here and in the bucket) and its unsent ``call.reviewed`` webhooks go;
the contact stays; a review still being analysed is refused; the audit trail says who
deleted what, in ids and counts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ringback import command_kit
from ringback.accounts.models import AuditEvent, User
from ringback.calls.models import CallReview, CallReviewComment
from ringback.calls.removal import StoreDown, delete_review
from ringback.contacts.models import Contact
from ringback.db.migrate import upgrade
from ringback.db.session import transaction
from ringback.outbound.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import Cli
from tests.support.accounts import add_user
from tests.support.api import error_of
from tests.support.calls import finish_review, uploaded_review
from tests.support.s3 import S3Server
from tests.support.team import AUDIO, HTML, World, email, secret

CALL_REVIEWED = "call.reviewed"


def _bearer(world: World, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {world.tokens[who]}"}


def _own_recording(world: World, who: str) -> None:
    """The team's reviews share one recording (same bytes): give ``who``'s its own."""
    with transaction(world.url) as session:
        row = session.get(CallReview, world.things[who]["review"])
        assert row is not None
        copy = Path(row.original_path).with_name(f"{who}-own.wav")
        shutil.copyfile(row.original_path, copy)
        row.original_path, row.original_sha256 = str(copy), who[0] * 64


def _finished(world: World, who: str) -> Path:
    """``who``'s review done as the worker leaves it, its ``call.reviewed`` webhook queued
    for their CRM; returns the review's folder."""
    with transaction(world.url) as session:
        endpoint = session.get(WebhookEndpoint, world.things[who]["endpoint"])
        assert endpoint is not None
        endpoint.events = f"voicemail.processed,{CALL_REVIEWED}"
    return finish_review(world.settings, world.things[who]["review"])


def _recording(world: World, who: str) -> Path:
    with transaction(world.url) as session:
        row = session.get(CallReview, world.things[who]["review"])
        assert row is not None
        return Path(row.original_path)


def _pending(world: World) -> list[str]:
    """The event ids of the call.reviewed webhooks still to send."""
    with transaction(world.url) as session:
        query = select(WebhookDelivery.event_id).where(WebhookDelivery.event == CALL_REVIEWED)
        return sorted(session.scalars(query))


def test_the_owner_deletes_a_review_on_its_page_and_only_hers_goes(world: World) -> None:
    alice, bob = world.things["alice"], world.things["bob"]
    rid = alice["review"]
    _own_recording(world, "alice")
    folder, bobs_folder = _finished(world, "alice"), _finished(world, "bob")
    recording, bobs_recording = _recording(world, "alice"), _recording(world, "bob")
    assert (folder / "review.json").is_file() and (folder / "report.md").is_file()
    assert _pending(world) == sorted([str(rid), str(bob["review"])])
    coached = world.post("mia", f"/calls/{rid}/comments", data={"text": "Ask more"})
    assert coached.status_code == 303

    page = world.browser("alice").get(f"/calls/{rid}", headers=HTML)
    assert page.status_code == 200 and f'href="/calls/{rid}/delete"' in page.text
    assert "/delete" not in world.browser("mia").get(f"/calls/{rid}").text  # hers to coach
    confirm = world.browser("alice").get(f"/calls/{rid}/delete", headers=HTML)
    assert confirm.status_code == 200
    for words in ("the recording", "1 comment", "1 webhook not sent yet", 'class="danger"'):
        assert words in confirm.text, words
    assert "the contact, and what was added to it from this call" in confirm.text
    forged = world.browser("alice").post(f"/calls/{rid}/delete", data={}, follow_redirects=False)
    assert forged.status_code == 403 and folder.is_dir()

    reply = world.post("alice", f"/calls/{rid}/delete")
    assert reply.status_code == 303 and reply.headers["location"].endswith("/calls")
    listed = world.browser("alice").get("/calls", headers=HTML)
    assert f"Call review #{rid} deleted" in listed.text
    assert world.browser("alice").get(f"/calls/{rid}", headers=HTML).status_code == 404

    assert not folder.exists() and not recording.exists()
    assert bobs_folder.is_dir() and bobs_recording.is_file()  # Bob's review untouched
    assert _pending(world) == [str(bob["review"])]
    with transaction(world.url) as session:
        assert session.get(CallReview, rid) is None
        comments = select(func.count()).select_from(CallReviewComment)
        assert session.scalar(comments) == 0
        assert session.get(Contact, alice["contact"]) is not None
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "call_review_delete")
        ).one()
    assert event.user_id == world.users["alice"].id
    detail = json.loads(event.detail)
    assert detail == {
        "review": rid,
        "comments": 1,
        "recordings": 1,
        "files": len(list(bobs_folder.iterdir())),  # the same files as Bob's review
        "webhooks_cancelled": 1,
        "webhooks_erased": 0,
    }
    assert secret("alice") not in event.detail


def test_the_api_deletes_only_what_you_own_and_never_mid_analysis(world: World) -> None:
    rid = world.things["alice"]["review"]
    path = f"/api/v1/calls/{rid}"
    bob = world.browser("bob").delete(path, headers=_bearer(world, "bob"))
    assert bob.status_code == 404 and error_of(bob)["code"] == "not_found"
    assert secret("alice") not in bob.text
    mia = world.browser("mia").delete(path, headers=_bearer(world, "mia"))  # her team's rep's
    assert mia.status_code == 403 and error_of(mia)["code"] == "not_owner"
    refused = world.browser("mia").get(f"/calls/{rid}/delete", headers=HTML)
    assert refused.status_code == 403 and "only its owner can delete it" in refused.text
    assert world.post("mia", f"/calls/{rid}/delete").status_code == 403

    world.browser("alice")  # the app started (it queues a running review on start-up)
    with transaction(world.url) as session:
        row = session.get(CallReview, rid)
        assert row is not None
        row.status = "running"
    running = world.browser("alice").delete(path, headers=_bearer(world, "alice"))
    assert running.status_code == 409 and error_of(running)["code"] == "not_finished"
    assert "wait until the analysis is done" in error_of(running)["hint"]
    assert "/delete" not in world.browser("alice").get(f"/calls/{rid}", headers=HTML).text
    posted = world.post("alice", f"/calls/{rid}/delete")
    assert posted.status_code == 303 and posted.headers["location"].endswith(f"/calls/{rid}")
    said = world.browser("alice").get(f"/calls/{rid}", headers=HTML).text
    assert "Not deleted: call review #" in said and "still being analysed" in said
    with transaction(world.url) as session:
        assert session.get(CallReview, rid) is not None  # nothing gone by any of them
        row = session.get(CallReview, rid)
        assert row is not None
        row.status = "failed"

    mine = world.browser("alice").delete(path, headers=_bearer(world, "alice"))
    assert mine.status_code == 204 and mine.content == b""
    again = world.browser("alice").get(path, headers=_bearer(world, "alice"))
    assert again.status_code == 404
    spec = world.browser("alice").get("/api/v1/openapi.json").json()
    documented = spec["paths"]["/api/v1/calls/{review_id}"]["delete"]["responses"]
    assert {"204", "403", "404", "409"} <= set(documented)


def test_the_cli_lists_asks_on_a_terminal_and_wants_yes_elsewhere(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = world.things["alice"]["review"]
    cli = Cli(world.settings.data_dir, world.url)
    cli.env["RINGBACK_TIMEZONE"] = "Asia/Kolkata"  # +5:30: not the stored UTC clock
    listed = cli("--as", email("alice"), "call", "list")
    assert listed.exit_code == 0, listed.output
    with transaction(world.url) as session:
        created = session.get(CallReview, rid).created_at  # type: ignore[union-attr]
    local = created.astimezone(ZoneInfo("Asia/Kolkata"))
    clock = f"{local.hour % 12 or 12}:{local:%M} {'am' if local.hour < 12 else 'pm'}"
    assert clock in listed.stdout and f"{secret('alice')}.wav" in listed.stdout
    assert secret("bob") not in listed.stdout
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80
    as_json = json.loads(cli("--as", email("alice"), "call", "list", "--json").stdout)
    assert [(r["id"], r["status"], r["contact"]["id"]) for r in as_json] == [
        (rid, "failed", world.things["alice"]["contact"])
    ]
    assert "original_path" not in json.dumps(as_json) and "/calls/" not in json.dumps(as_json)
    assert as_json[0]["created_at"] == local.isoformat(timespec="seconds")  # +05:30

    refused = cli("--as", email("alice"), "call", "delete", str(rid))
    assert refused.exit_code == 1 and f"ringback call delete {rid} --yes" in refused.output
    monkeypatch.setattr(command_kit, "interactive", lambda: True)
    kept = cli("--as", email("alice"), "call", "delete", str(rid), input="n\n")
    assert kept.exit_code == 1 and "not deleted" in kept.output
    assert f"Deleting call review #{rid}" in kept.output
    assert "another call review has the same audio" in kept.output
    bob = cli("--as", email("bob"), "call", "delete", str(rid), "--yes")
    assert bob.exit_code == 1 and "no call review" in bob.output and "call list" in bob.output
    mia = cli("--as", email("mia"), "call", "delete", str(rid), "--yes")
    assert mia.exit_code == 1 and "only its owner can delete it" in mia.output
    with transaction(world.url) as session:
        assert session.get(CallReview, rid) is not None

    done = cli("--as", email("alice"), "call", "delete", str(rid), "--yes", "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    # The team's reviews share one recording file: it stays for Bob's review.
    assert data["deleted"] is True and data["recordings"] == 0 and data["recording_shared"]
    assert _recording(world, "bob").is_file()
    audit = cli("--as", email("dana"), "audit", "--action", "call_review_delete", "--json")
    (event,) = json.loads(audit.stdout)
    assert event["user"] == email("alice") and str(rid) in json.dumps(event["detail"])
    after = cli("--as", email("alice"), "call", "list")
    assert "No call reviews yet" in after.stdout


def test_an_owner_deletes_a_reps_review(world: World) -> None:
    rid = world.things["bob"]["review"]
    dana = world.browser("dana").delete(f"/api/v1/calls/{rid}", headers=_dana_bearer(world))
    assert dana.status_code == 204
    with transaction(world.url) as session:
        assert session.get(CallReview, rid) is None


def _dana_bearer(world: World) -> dict[str, str]:
    from ringback.accounts.sessions import create_token

    with transaction(world.url) as session:
        return {"authorization": f"Bearer {create_token(session, world.users['dana'], 's')[1]}"}


def _with_bucket(s3: S3Server, tmp_path: Path) -> tuple[str, Any, Any]:
    """A SQLite install keeping its files in the bucket (under the test's folder name),
    with its owner: (database URL, owner, settings)."""
    url = f"sqlite:///{tmp_path / 'ringback.db'}"
    upgrade(url)
    owner = add_user(url, name="Dana Wells")
    return url, owner, s3.settings(tmp_path / "data", prefix=tmp_path.name, database_url=url)


def test_the_review_leaves_the_bucket_and_a_store_that_is_down_deletes_nothing(
    s3: S3Server, tmp_path: Path
) -> None:
    url, owner, settings = _with_bucket(s3, tmp_path)
    prefix = tmp_path.name
    rid = uploaded_review(settings, owner.id, audio=AUDIO)
    folder = finish_review(settings, rid)
    keys = [k for k in s3.object_keys() if k.startswith(f"{prefix}/calls/")]
    files = sorted(p.name for p in folder.iterdir())
    assert len(keys) == 1 + len(files) and "review.json" in files  # the recording and those

    s3.proxy.off()
    try:
        with pytest.raises(StoreDown, match="nothing was deleted"), transaction(url) as session:
            delete_review(session, review_id=rid, settings=settings)
    finally:
        s3.proxy.on()
    with transaction(url) as session:
        assert session.get(CallReview, rid) is not None
    assert [k for k in s3.object_keys() if k.startswith(f"{prefix}/calls/")] == keys
    assert folder.is_dir()

    with transaction(url) as session:
        gone = delete_review(session, review_id=rid, settings=settings)
    # Each file twice: the data folder's copy and the bucket's.
    assert gone.recordings == 2 and gone.files == 2 * len(files)
    assert [k for k in s3.object_keys() if k.startswith(f"{prefix}/calls/")] == []
    assert not folder.exists()
    with transaction(url) as session:
        assert session.get(CallReview, rid) is None


@pytest.mark.browser
def test_deleting_in_the_browser_on_a_phone(signed_in: Any, live_server: Any) -> None:
    """Review page → "Delete…" → the confirmation at 360 px, its red button → Calls,
    saying so; the recording and the review's files are gone."""
    from playwright.sync_api import expect

    from tests.support.browser import PHONE, screenshot
    from tests.support.twilio import make_settings

    data_dir = Path(live_server.database_url.removeprefix("sqlite:///")).parent
    settings = make_settings(
        data_dir.parent, data_dir=data_dir, database_url=live_server.database_url
    )
    with transaction(live_server.database_url) as session:
        owner = session.scalars(select(User.id).where(User.email == live_server.email)).one()
    rid = uploaded_review(settings, owner, audio=AUDIO)
    folder = finish_review(settings, rid)
    recording = _recording_of(live_server.database_url, rid)
    page = signed_in
    page.set_viewport_size(PHONE)
    page.goto(f"/calls/{rid}")
    page.get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading", name=f"Delete call review #{rid}?")).to_be_visible()
    expect(page.get_by_text("the recording", exact=True)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    button = page.get_by_role("button", name="Delete call review")
    colour = button.evaluate("b => getComputedStyle(b).backgroundColor")
    red, green, blue = (int(c) for c in colour[colour.index("(") + 1 : -1].split(",")[:3])
    assert red > 150 and red > 2 * green and red > 2 * blue, colour  # a red button
    box = button.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "call-delete")
    button.click()
    expect(page.get_by_text(f"Call review #{rid} deleted")).to_be_visible()
    assert page.url.endswith("/calls")
    assert not folder.exists() and not recording.exists()
    page.goto(f"/calls/{rid}")
    expect(page.get_by_text("There is no such call review")).to_be_visible()


def _recording_of(url: str, rid: int) -> Path:
    with transaction(url) as session:
        row = session.get(CallReview, rid)
        assert row is not None
        return Path(row.original_path)


def test_deleting_the_contact_keeps_the_review_without_their_name(world: World) -> None:
    """The review stays, unlinked; its report files, its drawn title and the upload's file
    name no longer say who the call was with (Bob's review of his contact still does)."""
    alice, word = world.things["alice"], secret("alice")
    with transaction(world.url) as session:  # the upload's file name says who too
        row = session.get(CallReview, alice["review"])
        assert row is not None
        row.original_name = f"zed-{word.lower()}-call.wav"
    folder, bobs = _finished(world, "alice"), _finished(world, "bob")
    drawn = (folder / "timeline.svg").read_bytes()
    for file in ("report.md", "report.html", "proposals.json", "timeline.svg"):
        assert f"Zed {word}" in (folder / file).read_text(), file

    confirm = world.browser("alice").get(f"/contacts/{alice['contact']}/delete", headers=HTML)
    assert "the name in its report becomes" in confirm.text
    reply = world.post("alice", f"/contacts/{alice['contact']}/delete")
    assert reply.status_code == 303, reply.text
    assert "Deleted Zed" in world.browser("alice").get("/contacts", headers=HTML).text

    page = world.browser("alice").get(f"/calls/{alice['review']}", headers=HTML)
    assert page.status_code == 200 and word not in page.text
    assert "deleted contact-call.wav" in page.text
    api = world.browser("alice").get(
        f"/api/v1/calls/{alice['review']}", headers=_bearer(world, "alice")
    )
    assert api.status_code == 200 and word not in api.text
    for path in folder.iterdir():
        assert word not in path.read_text(), path.name
    assert "# Call review: deleted contact" in (folder / "report.md").read_text()
    assert "<h1>Call review: deleted contact</h1>" in (folder / "report.html").read_text()
    assert json.loads((folder / "proposals.json").read_text())["contact"] == "deleted contact"
    svg = (folder / "timeline.svg").read_text()
    assert svg.encode() != drawn and "deleted contact · who spoke when" in svg
    with transaction(world.url) as session:
        kept = session.get(CallReview, alice["review"])
        assert kept is not None and kept.contact_id is None
    assert f"Zed {secret('bob')}" in (bobs / "report.md").read_text()


def test_a_contacts_name_leaves_the_bucket_and_a_store_that_is_down_keeps_the_contact(
    s3: S3Server, tmp_path: Path
) -> None:
    from ringback.accounts.scope import acting_transaction
    from ringback.contacts.service import add_contact, delete_contact

    url, owner, settings = _with_bucket(s3, tmp_path)
    prefix = tmp_path.name
    with acting_transaction(url, owner) as session:
        contact_id = add_contact(session, name="Bill O'Hara & Sons", region="US").id
    rid = uploaded_review(settings, owner.id, audio=AUDIO, contact_id=contact_id)
    folder = finish_review(settings, rid)
    shutil.rmtree(folder)  # the bucket holds the truth: this machine's copy is gone
    reports = [f"{prefix}/calls/reviews/{rid}/{f}" for f in ("report.md", "proposals.json")]
    assert all(b"O'Hara" in s3.body(key) for key in reports)

    s3.proxy.off()
    try:
        with pytest.raises(StoreDown), acting_transaction(url, owner) as session:
            delete_contact(session, contact_id=contact_id, settings=settings)
    finally:
        s3.proxy.on()
    with transaction(url) as session:
        assert session.get(Contact, contact_id) is not None  # nothing deleted

    with acting_transaction(url, owner) as session:
        delete_contact(session, contact_id=contact_id, settings=settings)
    keys = [k for k in s3.object_keys() if k.startswith(f"{prefix}/calls/reviews/{rid}/")]
    assert len(keys) == 5
    for key in keys:
        body = s3.body(key)
        assert b"O'Hara" not in body and b"O&#x27;Hara" not in body, key
    assert b"deleted contact" in s3.body(reports[0])
