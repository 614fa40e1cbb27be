"""Isolation tested as an attacker would (issue 16 §2), on SQLite and PostgreSQL.

Two reps in team A (Alice, Adam), a rep in team B (Bob), a manager of team A (Mia) and
the owner (Dana). Alice and Bob each own one of everything: a contact with a phone, an
email and a back-story item, a note, a task, a voicemail with its audio, a drafted
follow-up, a call review with its recording, a Twilio recording and logged attempts.

Bob asking for Alice's things — by page, by guessed id on every route that takes one (the
routes are read from the app, so a new id route without the limit fails here), through
the contact search, the inbox, the calls list, the stats page and CSV download and the
JSON API — gets 404 and nothing else: never her contact's name. Mia sees team A and
nothing of team B, and cannot change what is not hers. The CLI's ``--as`` is limited the
same way.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ringback.accounts.scope import acting_transaction
from ringback.calls.models import CallReview
from ringback.contacts.models import (
    Contact,
    FollowUp,
    Interaction,
)
from ringback.db.session import transaction
from ringback.telephony.models import RecordingStatus, TelephonyRecording
from ringback.tracking.models import FollowUpStep, StepStatus
from ringback.voicemail.models import Voicemail
from tests.support.team import AUDIO, HTML, PHONES, World, email, secret
from tests.support.web import all_routes

# Every path parameter an id route takes -> which of the victim's objects fills it. A new
# route with an id the map does not know fails the test: say here whose object it is.
PARAMETERS = {
    "contact_id": "contact",
    "item_id": "item",
    "voicemail_id": "voicemail",
    "review_id": "review",
    "task_id": "task",
    "follow_up_id": "task",
    "step_id": "step",
    "endpoint_id": "endpoint",
}
NOT_OWNED = {"/telephony/greetings/{name}"}  # public greeting files, by content hash


def id_routes(world: World) -> list[tuple[str, str]]:
    return sorted(
        (method, path)
        for method, path in set(all_routes(world.app.routes))
        if "{" in path and path not in NOT_OWNED
    )


def fill(path: str, things: dict[str, int]) -> str:
    """``path`` with each id parameter replaced by the victim's object of that kind."""
    import re

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in PARAMETERS, f"{path}: whose is {{{name}}}? add it to PARAMETERS"
        return str(things[PARAMETERS[name]])

    return re.sub(r"\{(\w+)\}", one, path)


# Plausible form fields for every POST route: the refusal must come from the scope, not
# from a missing field.
FORM = {"text": "x", "name": "x", "kind": "interest", "reason": "x", "keep": "1", "proposal": "1"}


def attack(world: World, who: str, method: str, path: str) -> Any:
    if path.startswith("/api/"):  # the API with the attacker's own token
        bearer = {"authorization": f"Bearer {world.tokens[who]}"}
        body = None
        if method != "GET":  # a valid body: the refusal must come from the scope
            body = {"kind": "note", "text": "x"} if path.endswith("/interactions") else {}
            body = {"name": "x"} if method == "PATCH" else body
        return world.browser(who).request(method, path, json=body, headers=bearer)
    if method == "GET":
        return world.browser(who).get(path, headers=HTML)
    files = {"audio": ("m.wav", AUDIO, "audio/wav")} if path.endswith("/memo") else None
    return world.post(who, path, data=FORM, files=files)


def test_another_reps_objects_are_404_on_every_id_route(world: World) -> None:
    routes = id_routes(world)
    assert len(routes) >= 15, routes  # the enumeration itself works
    alice = world.things["alice"]
    for method, pattern in routes:
        path = fill(pattern, alice)
        reply = attack(world, "bob", method, path)
        assert reply.status_code == 404, (method, path, reply.status_code)
        assert secret("alice") not in reply.text, (method, path)
    # ... and nothing was written through any of them.
    with transaction(world.url) as session:
        contact = session.get(Contact, alice["contact"])
        assert contact is not None and contact.name == f"Zed {secret('alice')}"
        assert session.get(FollowUp, alice["task"]).done_at is None  # type: ignore[union-attr]
        step = session.get(FollowUpStep, alice["step"])
        assert step is not None and step.status == StepStatus.DRAFTED
        voicemail = session.get(Voicemail, alice["voicemail"])
        assert voicemail is not None and voicemail.contact_id == alice["contact"]
        # Not captured nor marked done (the page's buttons, the API's POSTs), nor read.
        assert voicemail.handled_at is None and voicemail.read_at is None
        notes = session.scalars(
            select(Interaction.text).where(Interaction.contact_id == alice["contact"])
        ).all()
        assert list(notes) == [f"{secret('alice')} note"]


def test_the_owner_of_each_object_sees_it(world: World) -> None:
    """The control: the same GET routes answer Alice with her own things."""
    for method, pattern in id_routes(world):
        if method == "GET":
            path = fill(pattern, world.things["alice"])
            reply = world.browser("alice").get(path)
            assert reply.status_code == 200, (path, reply.status_code)


def test_lists_searches_exports_and_the_api_show_only_whats_yours(world: World) -> None:
    bob = world.browser("bob")
    alice_phone = PHONES["alice"][2:]
    for path in (
        "/",
        "/contacts",
        f"/contacts?q={secret('alice')}",
        f"/contacts?q={alice_phone}",
        "/contacts?q=alice.client@example.com",
        "/inbox",
        "/calls",
        "/stats",
        "/stats.csv",
        "/api/telephony/recordings",
    ):
        reply = bob.get(path)
        assert reply.status_code == 200, path
        shown = reply.text.replace(path.partition("?q=")[2], "")  # the search box echoes it
        assert secret("alice") not in shown and "555-0111" not in shown, path
    assert secret("bob") in bob.get("/contacts").text
    listed = bob.get("/api/telephony/recordings").json()["recordings"]
    assert [r["from_number"] for r in listed] == [PHONES["bob"]]
    # The download is in the audit trail, with who took it.
    with transaction(world.url) as session:
        from ringback.accounts.service import audit_events

        exports = audit_events(session, action="export")
        assert [e.user_id for e in exports] == [world.users["bob"].id]


def test_a_manager_sees_the_team_and_changes_only_their_own(world: World) -> None:
    alice, bob = world.things["alice"], world.things["bob"]
    mia = world.browser("mia")
    for path in (f"/contacts/{alice['contact']}", f"/inbox/{alice['voicemail']}"):
        assert mia.get(path).status_code == 200, path
    assert mia.get(f"/calls/{alice['review']}").status_code == 200
    for path in (f"/contacts/{bob['contact']}", f"/inbox/{bob['voicemail']}"):
        reply = mia.get(path, headers=HTML)
        assert reply.status_code == 404 and secret("bob") not in reply.text, path
    team = mia.get("/contacts").text
    assert secret("alice") in team and secret("bob") not in team
    # She coaches on Alice's call review; Adam (a rep) cannot comment on Alice's.
    coached = world.post("mia", f"/calls/{alice['review']}/comments", data={"text": "Ask more"})
    assert coached.status_code == 303
    refused = world.post("adam", f"/calls/{alice['review']}/comments", data={"text": "x"})
    assert refused.status_code == 404
    with acting_transaction(world.url, world.users["alice"]) as session:
        from ringback.calls.comments import list_comments

        said = list_comments(session, review_id=alice["review"])
        assert [(c.author, c.text) for c in said] == [("mia@example.com", "Ask more")]
    # Reading is not writing: her edit of Alice's contact changes nothing.
    world.post("mia", f"/contacts/{alice['contact']}/edit", data={"name": "Renamed"})
    world.post("mia", f"/today/tasks/{alice['task']}/done")
    for action in ("capture", "done"):  # nor does the API act on Alice's message for her
        path = f"/api/v1/voicemails/{alice['voicemail']}/{action}"
        reply = attack(world, "mia", "POST", path)
        assert reply.status_code == 404, (path, reply.text)
    with transaction(world.url) as session:
        assert session.get(Contact, alice["contact"]).name == f"Zed {secret('alice')}"  # type: ignore[union-attr]
        assert session.get(FollowUp, alice["task"]).done_at is None  # type: ignore[union-attr]
        assert session.get(Voicemail, alice["voicemail"]).handled_at is None  # type: ignore[union-attr]


def test_a_shared_contact_is_seen_by_whom_it_is_shared_with_only(world: World, cli: Any) -> None:
    alice = world.things["alice"]
    adam = world.browser("adam")
    assert adam.get(f"/contacts/{alice['contact']}").status_code == 404
    shared = cli(
        "--as", email("alice"), "contacts", "share", str(alice["contact"]), "--with", email("adam")
    )
    assert shared.exit_code == 0, shared.output
    assert adam.get(f"/contacts/{alice['contact']}").status_code == 200
    assert world.browser("bob").get(f"/contacts/{alice['contact']}").status_code == 404
    # Bob cannot share Alice's contact with himself.
    grab = cli(
        "--as", email("bob"), "contacts", "share", str(alice["contact"]), "--with", email("bob")
    )
    assert grab.exit_code == 1 and secret("alice") not in grab.output
    assert world.browser("bob").get(f"/contacts/{alice['contact']}").status_code == 404


def test_the_cli_acts_as_a_user_with_the_same_limits(world: World, cli: Any) -> None:
    alice = world.things["alice"]
    listed = cli("--as", email("bob"), "contacts", "list", "--json")
    assert listed.exit_code == 0 and secret("alice") not in listed.stdout
    assert secret("bob") in listed.stdout
    for args in (
        ("contacts", "show", str(alice["contact"])),
        ("contacts", "show", PHONES["alice"]),  # find by phone is limited too
        ("inbox", "show", str(alice["voicemail"])),
        ("contacts", "edit", str(alice["contact"]), "--title", "x"),
    ):
        reply = cli("--as", email("bob"), *args)
        assert reply.exit_code == 1, (args, reply.output)
        assert secret("alice") not in reply.output, args
    inbox = cli("--as", email("bob"), "inbox", "list", "--json")
    assert secret("alice") not in inbox.stdout
    # The default is the first owner, who sees everyone's; a stranger is refused.
    everyone = cli("contacts", "list", "--json").stdout
    assert secret("alice") in everyone and secret("bob") in everyone
    stranger = cli("--as", "nobody@example.com", "contacts", "list")
    assert stranger.exit_code == 1 and "users list" in stranger.output


def test_stats_count_only_your_attempts(world: World, cli: Any) -> None:
    alice = world.things["alice"]
    for hours in (30, 50):
        logged = cli(
            "--as", email("alice"), "log", "voicemail", "--contact", str(alice["contact"]),
            "--script", f"Hi Zed, Alice from Acme about the quote ({hours}).", "--at", f"{hours}h",
        )  # fmt: skip
        assert logged.exit_code == 0, logged.output
    mine = json.loads(cli("--as", email("alice"), "stats", "--json").stdout)
    theirs = json.loads(cli("--as", email("bob"), "stats", "--json").stdout)
    assert mine["voicemails_left"] == 2 and theirs["voicemails_left"] == 0
    # The CSV download counts each one's own.
    bob_csv = world.browser("bob").get("/stats.csv").text
    alice_csv = world.browser("alice").get("/stats.csv").text
    assert bob_csv != alice_csv
    rows = list(csv.reader(io.StringIO(alice_csv)))
    assert rows


@pytest.fixture
def lite_world(tmp_path: Path, sqlite_url: str) -> Iterator[World]:
    """The same team on SQLite only: the CLI's commands over the scoped services."""
    from ringback.db.migrate import upgrade

    upgrade(sqlite_url)
    made = World(tmp_path, sqlite_url)
    yield made
    made.close()


# Every CLI command that takes the id of one of a rep's things (filled in with Alice's).
CLI_BY_ID = [
    ("contacts", "show", "{contact}"),
    ("contacts", "show", "{contact}", "--json"),
    ("contacts", "delete", "{contact}", "--yes", "--json"),
    ("inbox", "show", "{voicemail}", "--json"),
    ("inbox", "capture", "{voicemail}", "--json"),
    ("inbox", "delete", "{voicemail}", "--yes", "--json"),
    ("jobs", "retry", "{voicemail}", "--json"),
    ("telephony", "retry", "{recording_sid}", "--json"),
    ("sequence", "show", "{step}", "--json"),
    ("sequence", "approve", "{step}", "--yes", "--json"),
    ("call", "report", "{call_file}", "--contact", "{contact}", "--json"),
    ("call", "delete", "{review}", "--yes", "--json"),
]


def test_a_cli_command_given_another_reps_id_finds_nothing_and_does_nothing(
    lite_world: World, tmp_path: Path
) -> None:
    """One team for every command (the setup is most of the time): each refusal is checked
    on its own, and Alice's things are compared after each."""
    from tests.conftest import Cli

    world = lite_world
    alice = world.things["alice"]
    call_file = tmp_path / "call.wav"
    call_file.write_bytes(AUDIO)
    values = {k: str(v) for k, v in alice.items()}
    values |= {"recording_sid": "RE" + "alice".rjust(32, "0"), "call_file": str(call_file)}
    with transaction(world.url) as session:
        before = _alices_state(session, alice)
    cli = Cli(world.settings.data_dir, world.url)
    for args in CLI_BY_ID:
        filled = [a.format(**values) for a in args]
        reply = cli("--as", email("bob"), *filled)
        assert reply.exit_code == 1, (args, reply.output)
        said = reply.output.lower()
        assert "not found" in said or "no " in said, (args, reply.output)
        assert secret("alice") not in reply.output, args
        with transaction(world.url) as session:
            assert _alices_state(session, alice) == before, args  # nothing done
        if args[1] == "show":  # Alice herself gets past the lookup: her id is found
            mine = cli("--as", email("alice"), *filled)
            assert mine.exit_code == 0 and secret("alice") in mine.output, args


def _alices_state(session: Any, alice: dict[str, int]) -> tuple[Any, ...]:
    message = session.get(Voicemail, alice["voicemail"])
    step = session.get(FollowUpStep, alice["step"])
    recording = session.get(TelephonyRecording, alice["recording"])
    reviews_made = session.scalar(select(func.count()).select_from(CallReview))
    return (
        message.handled_at,
        message.status,
        message.updated_at,
        step.status,
        recording.status,
        recording.attempts,
        session.scalar(select(func.count()).select_from(Contact)),
        reviews_made,
    )


def test_telephony_recordings_lists_only_your_lines(lite_world: World) -> None:
    from tests.conftest import Cli

    cli = Cli(lite_world.settings.data_dir, lite_world.url)
    listed = cli("--as", email("bob"), "telephony", "recordings", "--json")
    assert listed.exit_code == 0, listed.output
    assert (
        secret("alice") not in listed.stdout and "RE" + "alice".rjust(32, "0") not in listed.stdout
    )
    assert "RE" + "bob".rjust(32, "0") in listed.stdout


def test_telephony_retry_reopens_only_your_own_failed_recording(lite_world: World) -> None:
    from ringback.telephony import service

    world, sid = lite_world, "RE" + "alice".rjust(32, "0")
    with transaction(world.url) as session:
        row = session.scalars(
            select(TelephonyRecording).where(TelephonyRecording.recording_sid == sid)
        ).one()
        row.status = RecordingStatus.FAILED
    with acting_transaction(world.url, world.users["bob"]) as session:
        assert service.retry(session, recording_sid=sid) is False
    with acting_transaction(world.url, world.users["alice"]) as session:
        assert service.retry(session, recording_sid=sid) is True
    with transaction(world.url) as session:
        reopened = session.scalars(
            select(TelephonyRecording.status).where(TelephonyRecording.recording_sid == sid)
        ).one()
        assert reopened == RecordingStatus.RECEIVED
