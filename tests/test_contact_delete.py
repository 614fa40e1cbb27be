"""Deleting a contact, as a user would notice it: everything about them goes (a note a
co-worker wrote on the shared contact too), their voicemails stay in the inbox and their
call reviews stay, unlinked; the confirmation says so with counts; only the owner (or an
owner-role user) deletes; every deletion is in the audit trail. On SQLite and PostgreSQL,
through the CLI, the web pages and the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import column, func, select, table

from ringback import command_kit
from ringback.accounts.scope import acting_transaction
from ringback.accounts.service import UserView, audit_events
from ringback.calls.models import CallReview
from ringback.contacts.models import (
    BackStoryItem,
    BackStoryKind,
    Contact,
    ContactEmail,
    ContactPhone,
    FollowUp,
    Interaction,
    InteractionKind,
)
from ringback.contacts.service import delete_contact
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus
from tests.conftest import Cli
from tests.support.accounts import add_user, csrf_of
from tests.support.api import Api, error_of
from tests.support.tracking import drafted_email, settings_for

NOW = datetime.now(UTC)
HTML = {"accept": "text/html"}
# Every table that points at a contact, and whether its rows go with the contact.
GOES = (
    "contact_phones",
    "contact_emails",
    "back_story_items",
    "interactions",
    "follow_ups",
    "outreach_events",
    "followup_sequences",
    "contact_shares",
)
STAYS = ("voicemails", "call_reviews")


def _make(url: str, owner: UserView, co_worker: UserView | None = None) -> dict[str, int]:
    """Bill, owned by ``owner``: 2 numbers, an email, 3 back-story items, 2 notes, 2 open
    tasks and a done one, a sequence with an unsent draft, a voicemail, a call review;
    shared with ``co_worker``, who wrote a note of their own on him."""
    with acting_transaction(url, owner) as session:
        bill = Contact(name="Bill Turner", company="ABC Inc")
        bill.phones = [ContactPhone(e164="+14155550137"), ContactPhone(e164="+14155550138")]
        bill.emails = [ContactEmail(address="bill@abc.example")]
        bill.back_story = [
            BackStoryItem(kind=BackStoryKind.INTEREST, text=f"sails ({n})") for n in range(3)
        ]
        session.add(bill)
        session.flush()
        session.add_all(
            [
                Interaction(contact_id=bill.id, kind=InteractionKind.NOTE, text="asked a quote"),
                Interaction(contact_id=bill.id, kind=InteractionKind.CALL, text="no answer"),
                FollowUp(contact_id=bill.id, title="Call Bill", due_at=NOW),
                FollowUp(contact_id=bill.id, title="Send the quote", due_at=NOW),
                FollowUp(contact_id=bill.id, title="Intro", done_at=NOW - timedelta(days=2)),
            ]
        )
        drafted_email(session, contact_id=bill.id, subject="The quote", body="Hi Bill", now=NOW)
        voicemail = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key="del-bill",
            from_number="+14155550137",
            received_at=NOW - timedelta(hours=1),
            status=VoicemailStatus.DONE,
            transcript="Hi, this is Bill.",
            original_path="/nowhere/bill.wav",
            mime="audio/wav",
            original_size=10,
            contact_id=bill.id,
        )
        review = CallReview(
            owner_id=owner.id,
            contact_id=bill.id,
            original_path="/nowhere/call.wav",
            original_sha256="0" * 64,
            status="failed",
        )
        session.add_all([voicemail, review])
        session.flush()
        made = {"contact": bill.id, "voicemail": voicemail.id, "review": review.id}
    if co_worker is not None:
        from ringback.contacts.models import ContactShare

        with acting_transaction(url, owner) as session:
            session.add(ContactShare(contact_id=made["contact"], user_id=co_worker.id))
        with acting_transaction(url, co_worker) as session:
            note = Interaction(contact_id=made["contact"], kind=InteractionKind.NOTE, text="mine")
            session.add(note)
    return made


def _rows_about(url: str, contact_id: int) -> dict[str, int]:
    """How many rows of each table point at the contact, whoever owns them."""
    with transaction(url) as session:
        out = {}
        for name in (*GOES, *STAYS):
            rows = table(name, column("contact_id"))
            query = select(func.count()).select_from(rows).where(rows.c.contact_id == contact_id)
            out[name] = int(session.scalar(query) or 0)
        return out


def test_a_deletion_takes_everything_about_them_and_leaves_voicemails_and_reviews(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    add_user(db_url, "dana@example.com")  # the owner, who reads the audit trail
    alice = add_user(db_url, "alice@example.com", role="rep", team="A")
    adam = add_user(db_url, "adam@example.com", role="rep", team="A")
    made = _make(db_url, alice, co_worker=adam)
    logged = cli(
        "--as", "alice@example.com", "log", "voicemail", "--contact", str(made["contact"]),
        "--script", "Hi Bill, Alice from Acme about the quote.", "--at", "30h",
    )  # fmt: skip
    assert logged.exit_code == 0, logged.output
    stats = json.loads(cli("--as", "alice@example.com", "stats", "--json").stdout)
    assert stats["voicemails_left"] == 1
    before = _rows_about(db_url, made["contact"])
    assert all(before[name] for name in (*GOES, *STAYS)), before
    settings = settings_for(db_url, tmp_path)

    with acting_transaction(db_url, alice) as session:
        asked = delete_contact(session, contact_id=made["contact"], settings=settings, dry_run=True)
    assert _rows_about(db_url, made["contact"]) == before  # a dry run deletes nothing
    gone = dict(asked.gone)
    assert gone["back-story items"] == 3 and gone["numbers"] == 2 and gone["emails"] == 1
    # Her 2, the logged voicemail's, and Adam's note on the shared contact: counted too.
    assert gone["interactions"] == 4
    assert gone["open tasks"] == 2 and gone["done tasks"] == 1
    assert gone["sequences"] == 1 and gone["unsent drafts"] == 1
    assert gone["logged attempts"] == 1 and gone["shares"] == 1
    assert dict(asked.kept) == {"voicemails": 1, "call reviews": 1}
    words = asked.gone_words()
    assert "3 back-story items" in words and "2 open tasks" in words and "1 sequence" in words
    said = " ".join(asked.kept_sentences())
    assert "1 voicemail stays (in the inbox, unlinked: delete it there)" in said
    assert "leave the statistics" in said

    with acting_transaction(db_url, alice) as session:
        done = delete_contact(session, contact_id=made["contact"], settings=settings)
    assert done.gone == asked.gone and not done.dry_run
    after = _rows_about(db_url, made["contact"])
    assert all(after[name] == 0 for name in (*GOES, *STAYS)), after
    with transaction(db_url) as session:
        assert session.get(Contact, made["contact"]) is None
        voicemail = session.get(Voicemail, made["voicemail"])
        review = session.get(CallReview, made["review"])
        assert voicemail is not None and voicemail.contact_id is None
        assert review is not None and review.contact_id is None
        steps = session.scalar(select(func.count()).select_from(table("followup_steps")))
        assert steps == 0
        audited = audit_events(session, action="contact_delete")
    assert [e.user_id for e in audited] == [alice.id]
    detail = json.loads(audited[0].detail)
    assert detail["contact"] == made["contact"] and detail["deleted"]["interactions"] == 4
    assert "Bill" not in audited[0].detail  # ids and counts, never the person's name
    # The statistics no longer count the attempt.
    stats = json.loads(cli("--as", "alice@example.com", "stats", "--json").stdout)
    assert stats["voicemails_left"] == 0
    listed = cli("audit", "--action", "contact_delete")
    assert listed.exit_code == 0 and "contact_delete" in listed.output


def test_only_its_owner_deletes_it(cli: Cli, db_url: str) -> None:
    """Shared with Adam, seen by Mia (their manager): both refused, by the CLI too; Bob
    (another team) does not find it; Dana (an owner) may."""
    dana = add_user(db_url, "dana@example.com", name="Dana")
    alice = add_user(db_url, "alice@example.com", role="rep", team="A")
    adam = add_user(db_url, "adam@example.com", role="rep", team="A")
    add_user(db_url, "mia@example.com", role="manager", team="A")
    add_user(db_url, "bob@example.com", role="rep", team="B")
    made = _make(db_url, alice, co_worker=adam)
    contact = str(made["contact"])
    before = _rows_about(db_url, made["contact"])
    for who in ("adam", "mia"):
        reply = cli("--as", f"{who}@example.com", "contacts", "delete", contact, "--yes")
        assert reply.exit_code == 1, reply.output
        assert "only its owner can delete" in reply.output, reply.output
    bob = cli("--as", "bob@example.com", "contacts", "delete", contact, "--yes", "--json")
    assert bob.exit_code == 1 and "no contact" in bob.output and "Bill" not in bob.output
    assert _rows_about(db_url, made["contact"]) == before
    with transaction(db_url) as session:
        assert audit_events(session, action="contact_delete") == []
    by_owner = cli("--as", dana.email, "contacts", "delete", contact, "--yes", "--json")
    assert by_owner.exit_code == 0, by_owner.output
    assert json.loads(by_owner.stdout)["deleted"]["back-story items"] == 3


def test_the_cli_says_what_goes_and_asks(cli: Cli, db_url: str, monkeypatch: Any) -> None:

    alice = add_user(db_url, "alice@example.com")
    made = _make(db_url, alice)
    # No terminal and no --yes: refused, with what to add.
    unasked = cli("contacts", "delete", "Bill Turner")
    assert unasked.exit_code == 1 and "--yes" in unasked.output
    monkeypatch.setattr(command_kit, "interactive", lambda: True)
    declined = cli("contacts", "delete", "Bill Turner", input="n\n")
    assert declined.exit_code == 1 and "not deleted" in declined.output
    assert "3 back-story items" in declined.output and "2 open tasks" in declined.output
    assert "1 voicemail stays (in the inbox" in declined.output
    assert _rows_about(db_url, made["contact"])["back_story_items"] == 3
    accepted = cli("contacts", "delete", "+1 415 555 0137", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Deleted Bill Turner" in accepted.output
    assert cli("contacts", "show", str(made["contact"])).exit_code == 1


@pytest.mark.browser
def test_deleting_in_the_browser_on_a_phone(signed_in: Any, live_server: Any) -> None:
    """Contact page → "Delete…" → the confirmation at 360 px → the list, saying so."""
    from playwright.sync_api import expect

    from tests.support.browser import PHONE, screenshot

    with transaction(live_server.database_url) as session:  # the owner's (no owner: theirs)
        bill = Contact(name="Bill Turner", company="ABC Inc")
        bill.back_story = [BackStoryItem(kind=BackStoryKind.INTEREST, text="sails")]
        session.add(bill)
        session.flush()
        contact_id = bill.id
    page = signed_in
    page.set_viewport_size(PHONE)
    page.goto(f"/contacts/{contact_id}")
    page.get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading", name="Delete Bill Turner?")).to_be_visible()
    expect(page.get_by_text("Bill Turner and 1 back-story item.")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    screenshot(page, "contact-delete")
    page.get_by_role("button", name="Delete Bill Turner").click()
    expect(page.get_by_text("Deleted Bill Turner and 1 back-story item.")).to_be_visible()
    assert page.url.endswith("/contacts")


@pytest.fixture
def team(tmp_path: Path, sqlite_url: str) -> Any:
    from ringback.db.migrate import upgrade

    upgrade(sqlite_url)
    api = Api(tmp_path, sqlite_url)
    api.alice = api.add_user("alice@example.com", role="rep", team="A")  # type: ignore[attr-defined]
    api.adam = api.add_user("adam@example.com", role="rep", team="A")  # type: ignore[attr-defined]
    api.made = _make(sqlite_url, api.alice, co_worker=api.adam)  # type: ignore[attr-defined]
    yield api
    api.close()


def test_the_contact_page_confirms_then_deletes(team: Any) -> None:
    cid = team.made["contact"]
    alice = team.browser("alice@example.com")
    page = alice.get(f"/contacts/{cid}")
    assert f'href="/contacts/{cid}/delete"' in page.text
    confirm = alice.get(f"/contacts/{cid}/delete")
    assert confirm.status_code == 200
    for words in ("3 back-story items", "2 open tasks", "1 sequence", "1 call review stays"):
        assert words in confirm.text, words
    assert "the name in its report becomes" in confirm.text
    # Without the form's token nothing happens.
    forged = alice.post(f"/contacts/{cid}/delete", data={}, follow_redirects=False)
    assert forged.status_code == 403
    assert _rows_about(team.url, cid)["back_story_items"] == 3
    sent = alice.post(
        f"/contacts/{cid}/delete", data={"csrf_token": csrf_of(confirm)}, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/contacts"
    listing = alice.get("/contacts")
    assert "Deleted Bill Turner and" in listing.text and "1 voicemail stays" in listing.text
    assert alice.get(f"/contacts/{cid}", headers=HTML).status_code == 404
    with transaction(team.url) as session:
        assert session.get(Voicemail, team.made["voicemail"]) is not None


def test_a_shared_user_sees_no_delete_and_is_refused(team: Any) -> None:
    cid = team.made["contact"]
    adam = team.browser("adam@example.com")
    page = adam.get(f"/contacts/{cid}")
    assert page.status_code == 200 and "/delete" not in page.text
    refused = adam.get(f"/contacts/{cid}/delete")
    assert refused.status_code == 403 and "Only its owner can delete" in refused.text
    posted = adam.post(
        f"/contacts/{cid}/delete", data={"csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert posted.status_code == 403
    api = team.client(team.token(team.adam)).delete(f"/api/v1/contacts/{cid}")
    assert api.status_code == 403 and error_of(api)["code"] == "not_owner"
    assert _rows_about(team.url, cid)["back_story_items"] == 3


def test_the_api_deletes_with_204(team: Any) -> None:
    cid = team.made["contact"]
    script = team.client(team.token(team.alice))
    reply = script.delete(f"/api/v1/contacts/{cid}")
    assert reply.status_code == 204 and reply.content == b""
    again = script.delete(f"/api/v1/contacts/{cid}")
    assert again.status_code == 404 and error_of(again)["code"] == "not_found"
    assert script.get(f"/api/v1/contacts/{cid}").status_code == 404
    spec = script.get("/api/v1/openapi.json").json()
    documented = spec["paths"]["/api/v1/contacts/{contact_id}"]["delete"]
    assert "204" in documented["responses"] and "403" in documented["responses"]


def test_every_key_to_a_contact_says_whether_its_rows_go(db_url: str) -> None:
    """A table added later that points at contacts must choose: CASCADE (it goes, and the
    confirmation counts it) or SET NULL (it stays, unlinked)."""
    from ringback.contacts.merge import references

    with transaction(db_url) as session:
        rules = {r.table: r.on_delete for r in references(session)}
    assert {t for t, rule in rules.items() if rule == "CASCADE"} >= set(GOES)
    # A sent webhook's row stays too, emptied of what it said (its own test, below).
    assert {t for t, rule in rules.items() if rule == "SET NULL"} == {*STAYS, "webhook_deliveries"}
    assert set(rules.values()) <= {"CASCADE", "SET NULL"}, rules
