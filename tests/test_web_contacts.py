"""The Contacts and Today pages over HTTP (issue 15 §3, §5), on SQLite and PostgreSQL:
search by each field, 50 a page, adding with labelled fields and clear errors, probable
duplicates, back story added and edited in place, the timeline newest first, compose,
typed notes, another user's contact, CSRF; Today's four lists and approving a draft."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, insert, select

from ringback.contacts.models import (
    BackStoryItem,
    BackStoryKind,
    Contact,
    ContactEmail,
    ContactPhone,
    Direction,
    FollowUp,
    Interaction,
    InteractionKind,
)
from ringback.db.session import get_engine, transaction
from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus
from tests.support.accounts import add_user, csrf_of, sign_in
from tests.support.tracking import drafted_email
from tests.support.web_pages import MigratedApp

HTML = {"accept": "text/html"}
FRAGMENT = {"accept": "text/html", "x-requested-with": "ringback"}
NOW = datetime.now(UTC)


class App(MigratedApp):
    """The app on a migrated database with one signed-in user."""

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.form_post("/contacts", path, data, **kw)

    def contact(self, name: str, **fields: Any) -> int:
        phones = fields.pop("phones", ())
        emails = fields.pop("emails", ())
        with transaction(self.url) as session:
            row = Contact(name=name, **fields)
            row.phones = [ContactPhone(e164=p) for p in phones]
            row.emails = [ContactEmail(address=e) for e in emails]
            session.add(row)
            session.flush()
            return row.id


@pytest.fixture
def app(tmp_path: Path, db_url: str) -> Iterator[App]:
    made = App(tmp_path, db_url)
    yield made
    made.close()


def _start_of_today(app: App) -> datetime:
    """Midnight in the user's timezone: "two hours ago" is yesterday in the first two hours
    of a day, and the page would rightly say so."""
    from zoneinfo import ZoneInfo

    local = NOW.astimezone(ZoneInfo(app.settings.timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def listed(html: str) -> list[str]:
    return re.findall(r'class="contact-open" href="/contacts/\d+">([^<]+)<', html)


def test_one_box_finds_contacts_by_name_company_phone_and_email(app: App) -> None:
    app.contact("Sarah Chen", company="Northwind", phones=["+14155550137"])
    app.contact("Bill Turner", company="ABC Freight", emails=["bill@abc.example"])
    app.contact("Ann O'Hara 100%_sure")
    for query, expected in [
        ("sarah", ["Sarah Chen"]),
        ("northwind", ["Sarah Chen"]),
        ("(415) 555-0137", ["Sarah Chen"]),
        ("555 0137", ["Sarah Chen"]),
        ("bill@abc", ["Bill Turner"]),
        ("freight", ["Bill Turner"]),
        ("100%_", ["Ann O'Hara 100%_sure"]),
        ("%", ["Ann O'Hara 100%_sure"]),  # SQL wildcards are text: only the name with one
        ("' OR 1=1 --", []),
    ]:
        page = app.client.get("/contacts", params={"q": query}, headers=HTML)
        assert page.status_code == 200
        assert listed(page.text) == [n.replace("'", "&#39;") for n in expected], query
    assert "No contact matches" in app.client.get("/contacts?q=zzz").text


def test_the_list_is_by_name_fifty_a_page_in_one_query(app: App) -> None:
    with transaction(app.url) as session:
        session.execute(
            insert(Contact), [{"name": f"Person {i:03d}", "company": "Acme"} for i in range(120)]
        )
        ids = session.scalars(select(Contact.id)).all()
        session.execute(
            insert(ContactPhone), [{"contact_id": cid, "e164": f"+1415555{cid:04d}"} for cid in ids]
        )
    statements: list[str] = []
    engine = get_engine(app.url)

    def count(*args: Any) -> None:
        statement = args[2]
        if "contacts" in statement and "users" not in statement and "sessions" not in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        first = app.client.get("/contacts?q=acme", headers=HTML)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    names = listed(first.text)
    assert names == [f"Person {i:03d}" for i in range(50)]
    assert len(statements) == 1, statements  # one query for the page, none per row
    assert 'href="tel:+1415555' in first.text
    third = app.client.get("/contacts?q=acme&page=3", headers=HTML)
    assert listed(third.text) == [f"Person {i:03d}" for i in range(100, 120)]
    assert "Next" not in third.text and "page=2&amp;q=acme" in third.text
    assert app.client.get("/contacts?page=0").status_code == 422


def test_add_a_contact_with_labelled_fields_and_a_normalised_phone(app: App) -> None:
    page = app.client.get("/contacts").text
    for label, field in [
        ("Name", "name"),
        ("Company", "company"),
        ("Phone", "phone"),
        ("Email", "email"),
    ]:
        found = re.search(rf'<label for="([^"]+)">{label}</label>', page)
        assert found, label
        assert re.search(rf'id="{found.group(1)}" name="{field}"', page)
    made = app.post(
        "/contacts",
        {
            "name": "Sarah Chen",
            "company": "Northwind",
            "phone": "(415) 555-0137",
            "email": "Sarah@NW.example",
        },
    )
    assert made.status_code == 303
    shown = app.client.get(made.headers["location"])
    assert "Added Sarah Chen." in shown.text and 'href="tel:+14155550137"' in shown.text
    with transaction(app.url) as session:
        row = session.scalars(select(Contact).where(Contact.name == "Sarah Chen")).one()
        assert [p.e164 for p in row.phones] == ["+14155550137"]
        assert [e.address for e in row.emails] == ["sarah@nw.example"]
        assert row.owner == "dana@example.com"


def test_a_bad_phone_shows_the_form_again_with_what_was_typed(app: App) -> None:
    reply = app.post("/contacts", {"name": "Tom <b>Q</b>", "company": "Q&A", "phone": "12"})
    assert reply.status_code == 422
    assert "not a valid phone number" in reply.text or "phone" in reply.text.lower()
    assert 'value="Tom &lt;b&gt;Q&lt;/b&gt;"' in reply.text and 'value="Q&amp;A"' in reply.text
    assert 'value="12"' in reply.text
    with transaction(app.url) as session:
        assert session.scalar(select(Contact.id)) is None
    empty = app.post("/contacts", {"name": "  "})
    assert empty.status_code == 422 and "name is empty" in empty.text


def test_a_probable_duplicate_is_named_with_a_link_and_can_be_added_anyway(app: App) -> None:
    first = app.contact("Sarah Chen", phones=["+14155550137"])
    reply = app.post("/contacts", {"name": "S. Chen", "phone": "415 555 0137"})
    assert reply.status_code == 409
    assert f'href="/contacts/{first}">Sarah Chen</a> (has the same phone or email)' in reply.text
    assert 'value="S. Chen"' in reply.text
    same_name = app.post("/contacts", {"name": "sarah chen"})
    assert same_name.status_code == 409 and "has the same name" in same_name.text
    anyway = app.post("/contacts", {"name": "sarah chen", "allow_duplicate": "1"})
    assert anyway.status_code == 303


def test_back_story_is_added_and_edited_in_place_with_the_phrase(app: App) -> None:
    cid = app.contact("Bill Turner")
    added = app.post(
        f"/contacts/{cid}/story",
        {"kind": "professional_goal", "text": "wants to grow production by 20% this year"},
        headers=FRAGMENT,
    )
    assert added.status_code == 200 and "<html" not in added.text
    assert "Added to the back story." in added.text
    assert "wants to grow production by 20% this year" in added.text
    assert "(suggested)" in added.text
    with transaction(app.url) as session:
        item = session.scalars(select(BackStoryItem)).one()
        item_id = item.id
    edited = app.post(
        f"/contacts/{cid}/story/{item_id}",
        {"kind": "financial_goal", "text": "grow revenue 20%", "phrase": "grow revenue by a fifth"},
        headers=FRAGMENT,
    )
    assert edited.status_code == 200 and "“grow revenue by a fifth”" in edited.text
    with transaction(app.url) as session:
        item = session.get(BackStoryItem, item_id)
        assert item is not None
        assert (item.kind, item.text, item.phrase) == (
            BackStoryKind.FINANCIAL_GOAL,
            "grow revenue 20%",
            "grow revenue by a fifth",
        )
    bad = app.post(f"/contacts/{cid}/story", {"kind": "interest", "text": " "}, headers=FRAGMENT)
    assert bad.status_code == 422 and "empty" in bad.text
    other = app.contact("Other")
    assert app.post(f"/contacts/{other}/story/{item_id}", {"text": "x"}).status_code == 404
    # Without the page's script: a redirect back with the message.
    plain = app.post(f"/contacts/{cid}/story", {"kind": "interest", "text": "sailing"})
    assert plain.status_code == 303 and plain.headers["location"] == f"/contacts/{cid}"


def test_the_timeline_is_newest_first_with_voicemails_emails_and_notes(app: App) -> None:
    cid = app.contact("Sarah Chen")
    with transaction(app.url) as session:
        for days, kind, text in [
            (5, InteractionKind.CALL, "talked about the house"),
            (3, InteractionKind.EMAIL, "sent the listing"),
        ]:
            session.add(
                Interaction(
                    contact_id=cid,
                    kind=kind,
                    direction=Direction.OUTBOUND,
                    occurred_at=NOW - timedelta(days=days),
                    text=text,
                )
            )
        session.add(
            Voicemail(
                source=VoicemailSource.UPLOAD,
                source_key="vm",
                contact_id=cid,
                received_at=NOW - timedelta(days=1),
                status=VoicemailStatus.DONE,
                facts={"summary": "wants a second viewing"},
            )
        )
    noted = app.post(f"/contacts/{cid}/notes", {"text": "Prefers <i>texts</i>"}, headers=FRAGMENT)
    assert noted.status_code == 200 and "Noted." in noted.text
    page = app.client.get(f"/contacts/{cid}").text
    order = [
        page.index(t)
        for t in (
            "Prefers &lt;i&gt;texts&lt;/i&gt;",
            "wants a second viewing",
            "sent the listing",
            "talked about the house",
        )
    ]
    assert order == sorted(order)
    assert "yesterday" in page and 'href="/inbox/' in page
    empty = app.post(f"/contacts/{cid}/notes", {"text": "  "}, headers=FRAGMENT)
    assert empty.status_code == 422 and "the note is empty" in empty.text.lower()


def test_compose_returns_scored_variants_with_their_spoken_length(app: App) -> None:
    cid = app.contact("Bill Turner", company="ABC Freight")
    with transaction(app.url) as session:
        session.add(
            BackStoryItem(
                contact_id=cid,
                kind=BackStoryKind.PROFESSIONAL_GOAL,
                text="wants to cut freight costs by 10%",
            )
        )
    reply = app.post(f"/contacts/{cid}/compose", {"reason": "the freight audit"}, headers=FRAGMENT)
    assert reply.status_code == 200
    scores = [int(s) for s in re.findall(r"score (\d+)</span>", reply.text)]
    seconds = re.findall(r"about (\d+) s spoken", reply.text)
    assert len(scores) >= 2 and len(seconds) == len(scores)
    assert all(0 <= s <= 100 for s in scores) and "Bill" in reply.text
    page = app.client.get(f"/contacts/{cid}").text
    assert 'id="prep"' in page and "cut freight costs by 10%" in page


def test_another_users_contact_and_a_missing_one_are_not_found(app: App) -> None:
    erin = add_user(app.url, "erin@example.com", role="rep")
    mine = app.contact("Mine")  # made with no user acting: the first owner's (Dana's)
    theirs = app.contact("Theirs", owner_id=erin.id)
    # The owner sees everyone's; a rep only their own.
    assert app.client.get(f"/contacts/{theirs}").status_code == 200
    with TestClient(app.client.app, base_url="http://127.0.0.1") as other:
        assert sign_in(other, "erin@example.com").status_code == 303
        assert other.get(f"/contacts/{theirs}").status_code == 200
        refused = other.get(f"/contacts/{mine}", headers=HTML)
        assert refused.status_code == 404 and "Mine" not in refused.text
        token = csrf_of(other.get("/contacts"))
        note = other.post(f"/contacts/{mine}/notes", data={"csrf_token": token, "text": "x"})
        assert note.status_code == 404
    missing = app.client.get("/contacts/999999", headers=HTML)
    assert missing.status_code == 404 and "Find them on Contacts" in missing.text
    assert app.client.get("/contacts/abc").status_code in (404, 422)


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(app: App) -> None:
    cid = app.contact("Sarah Chen")
    for path, data in [
        ("/contacts", {"name": "Forged"}),
        (f"/contacts/{cid}/notes", {"text": "forged"}),
        (f"/contacts/{cid}/story", {"kind": "interest", "text": "forged"}),
    ]:
        reply = app.client.post(path, data={**data, "csrf_token": "nope"}, headers=HTML)
        assert reply.status_code == 403, path
    with transaction(app.url) as session:
        assert session.scalars(select(Contact.name)).all() == ["Sarah Chen"]
        assert session.scalar(select(Interaction.id)) is None


def test_today_lists_callbacks_unread_voicemails_drafts_and_calls(app: App) -> None:
    empty = app.client.get("/").text
    assert "No callbacks due today" in empty and "No drafts waiting" in empty
    sarah = app.contact("Sarah Chen", phones=["+12125550199"])
    bill = app.contact("Bill Turner", phones=["+13125550142"])
    with transaction(app.url) as session:
        callback = FollowUp(
            contact_id=sarah,
            title="Call back Sarah Chen: the house",
            due_at=max(NOW - timedelta(hours=2), _start_of_today(app)),
        )
        later = FollowUp(contact_id=bill, title="Next month", due_at=NOW + timedelta(days=30))
        call = FollowUp(
            contact_id=bill, title="Call Bill about the audit", due_at=NOW - timedelta(days=1)
        )
        session.add_all([callback, later, call])
        session.flush()
        session.add(
            Voicemail(
                source=VoicemailSource.UPLOAD,
                source_key="vm",
                contact_id=sarah,
                received_at=NOW - timedelta(hours=3),
                status=VoicemailStatus.DONE,
                callback_task_id=callback.id,
                facts={"summary": "wants to see the house", "callback_number": "+14155550137"},
            )
        )
    page = app.client.get("/").text
    callbacks = page[page.index("Callbacks due") : page.index("Voicemails not read")]
    assert "Call back Sarah Chen" in callbacks and 'href="tel:+14155550137"' in callbacks
    assert f'href="/contacts/{sarah}#prep"' in callbacks and "overdue since today" in callbacks
    unread = page[page.index("Voicemails not read") : page.index("Follow-up emails")]
    assert "wants to see the house" in unread and 'href="/inbox"' in unread
    calls = page[page.index("Calls to make") :]
    assert "Call Bill about the audit" in calls and 'href="tel:+13125550142"' in calls
    assert "Next month" not in page and "overdue since yesterday" in calls
    done = app.post(f"/today/tasks/{call.id}/done")
    assert done.status_code == 303
    assert "Call Bill about the audit" not in app.client.get("/").text.split("Calls to make")[1]


def test_details_are_edited_in_place_phones_and_emails_one_a_line(app: App) -> None:
    cid = app.contact("Sara Chen", phones=["+14155550137"], emails=["old@nw.example"])
    form = {
        "name": "Sarah Chen",
        "company": "Northwind",
        "title": "",
        "phones": "+1 415-555-0137\n(212) 555-0199",
        "emails": "sarah@nw.example",
    }
    saved = app.post(f"/contacts/{cid}/edit", form)
    assert saved.status_code == 303
    page = app.client.get(f"/contacts/{cid}").text
    assert "Saved: name: Sara Chen → Sarah Chen" in page and "added phone" in page
    with transaction(app.url) as session:
        row = session.get(Contact, cid)
        assert row is not None and row.name == "Sarah Chen"
        assert [p.e164 for p in row.phones] == ["+14155550137", "+12125550199"]
        assert [e.address for e in row.emails] == ["sarah@nw.example"]
    bad = app.post(f"/contacts/{cid}/edit", {**form, "phones": "12"})
    assert bad.status_code == 303
    assert "phone" in app.client.get(f"/contacts/{cid}").text.lower()
    with transaction(app.url) as session:
        assert len(session.get(Contact, cid).phones) == 2  # type: ignore[union-attr]


def test_a_drafted_follow_up_is_shown_and_approved_from_today(app: App) -> None:
    from ringback.tracking.models import FollowUpStep, StepStatus

    cid = app.contact("Priya Natarajan", emails=["priya@harbor.example"])
    with transaction(app.url) as session:
        step = drafted_email(
            session,
            contact_id=cid,
            subject="Your quote",
            body="Hi Priya, <b>the quote</b> as promised.",
            now=NOW,
        )
        step_id = step.id
    page = app.client.get("/").text
    drafts = page[page.index("Follow-up emails") : page.index("Calls to make")]
    assert (
        "Your quote" in drafts and "Hi Priya, &lt;b&gt;the quote&lt;/b&gt; as promised." in drafts
    )
    approved = app.post(f"/today/drafts/{step_id}/approve")
    assert approved.status_code == 303 and approved.headers["location"] == "/"
    after = app.client.get("/").text
    assert "Approved." in after and "No drafts waiting" in after
    with transaction(app.url) as session:
        assert session.get(FollowUpStep, step_id).status != StepStatus.DRAFTED  # type: ignore[union-attr]
    again = app.post(f"/today/drafts/{step_id}/approve")
    assert again.status_code == 303
    # Never twice: the second approval says so and sends nothing.
    assert "It had been sent already." in app.client.get("/").text
    with transaction(app.url) as session:
        emails = session.scalars(
            select(Interaction).where(Interaction.kind == InteractionKind.EMAIL)
        ).all()
        assert [e.contact_id for e in emails] == [cid]  # sent and logged once
    assert "<strong>Email</strong>" in app.client.get(f"/contacts/{cid}").text


def test_today_lists_the_newest_unread_voicemails_and_says_how_many_more(app: App) -> None:
    from ringback.voicemail.today import LIMIT

    with transaction(app.url) as session:
        session.add_all(
            Voicemail(
                source=VoicemailSource.UPLOAD,
                source_key=f"vm{n}",
                received_at=NOW - timedelta(minutes=n),
                status=VoicemailStatus.DONE,
                facts={"summary": f"message number {n}"},
            )
            for n in range(LIMIT + 3)
        )
    page = app.client.get("/").text
    unread = page[page.index("Voicemails not read") : page.index("Follow-up emails")]
    assert f'badge-new">{LIMIT + 3}<' in unread and "(3 more)" in unread
    assert "message number 0<" in unread and f"message number {LIMIT}<" not in unread
