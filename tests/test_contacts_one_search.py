"""One contact search behind the CLI (``contacts list --search``), the web app's search box
(``/contacts?q=``) and the REST API (``GET /api/v1/contacts?search=``), on SQLite and
PostgreSQL: the same text finds the same contacts in all three (name, company, job title,
email, phone, ignoring case; a partial number written the British way with
RINGBACK_DEFAULT_REGION=GB; back story not searched), the API's pages keep the search,
and another rep's contacts match in none of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringback.contacts.editing import add_back_story, add_contact
from ringback.db.session import transaction
from ringback.web import create_app
from tests.support.accounts import add_user, sign_in
from tests.support.team import PHONES, World, email, secret
from tests.support.twilio import make_settings

HTML = {"accept": "text/html"}
ROW = re.compile(r'class="contact-open" href="/contacts/(\d+)">')

# What is typed, and whom it finds (every interface, in the same order: by name).
SEARCHES = [
    ("acme", ["Ann Lee"]),  # company and email
    ("ANN", ["Ann Lee"]),  # name, whatever the case
    ("buyer", ["Ann Lee", "Olivia Hart"]),  # job title: "Chief Buyer", "Buyer"
    ("QUINN.example", ["Zoe Quinn"]),  # email, whatever the case
    ("415 555", ["Ann Lee"]),  # part of a number
    ("07911 123", ["Olivia Hart"]),  # part of a number written the British way
    ("020 7946 0123", ["Zoe Quinn"]),  # a whole national number
    ("sailing", []),  # back story is not searched
    ("50%", []),  # a LIKE wildcard is a character
    ("", ["Ann Lee", "Olivia Hart", "Zoe Quinn"]),  # blank: everyone
]


def _add_people(url: str) -> dict[str, int]:
    with transaction(url) as session:
        people = [
            add_contact(
                session,
                name="Ann Lee",
                company="Acme Farms",
                title="Chief Buyer",
                emails=["ann@acme.example"],
                phones=["+14155550137"],
                region="GB",
            ),
            add_contact(
                session,
                name="Olivia Hart",
                company="Harbour Ltd",
                title="Buyer",
                phones=["+447911123456"],
                region="GB",
            ),
            add_contact(
                session,
                name="Zoe Quinn",
                title="CTO",
                emails=["zq@Quinn.example"],
                phones=["+442079460123"],
                region="GB",
            ),
        ]
        add_back_story(session, contact=people[2], kind="interest", text="loves sailing")
        session.flush()
        return {p.name: p.id for p in people}


@pytest.fixture
def signed_in(tmp_path: Path, db_url: str) -> Iterator[TestClient]:
    """The owner signed in to the web app (GB install): for the page and the API."""
    add_user(db_url, "dana@example.com", role="owner")
    settings = make_settings(tmp_path, database_url=db_url, default_region="GB")
    app = create_app(settings, prepare_database=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert sign_in(client, "dana@example.com").status_code == 303
        yield client


def web_ids(client: TestClient, text: str) -> list[int]:
    page = client.get("/contacts", params={"q": text}, headers=HTML)
    assert page.status_code == 200, page.text
    return [int(i) for i in ROW.findall(page.text)]


def api_ids(client: TestClient, text: str, *, headers: Any = None, limit: int = 1) -> list[int]:
    """Every contact the API lists for ``search=text``, following ``next`` page by page."""
    found: list[int] = []
    url: str | None = "/api/v1/contacts"
    params: dict[str, Any] | None = {"search": text, "limit": limit}
    while url:
        reply = client.get(url, params=params, headers=headers)
        assert reply.status_code == 200, reply.text
        found += [item["id"] for item in reply.json()["items"]]
        url, params = reply.json()["next"], None
    return found


def cli_ids(cli: Any, text: str, *who: str) -> list[int]:
    found = cli(*who, "contacts", "list", "--search", text, "--json")
    assert found.exit_code == 0, found.output
    return [row["id"] for row in json.loads(found.stdout)]


def test_the_cli_the_web_search_box_and_the_api_find_the_same_contacts(
    signed_in: TestClient, cli: Any, db_url: str
) -> None:
    ids = _add_people(db_url)
    cli.env["RINGBACK_DEFAULT_REGION"] = "GB"
    for text, names in SEARCHES:
        expected = [ids[name] for name in names]
        assert cli_ids(cli, text) == expected, ("cli", text)
        assert web_ids(signed_in, text) == expected, ("web", text)
        # The API lists in id order, a page (here of one) at a time.
        assert api_ids(signed_in, text) == sorted(expected), ("api", text)


def test_the_web_search_box_finds_a_job_title(signed_in: TestClient, db_url: str) -> None:
    ids = _add_people(db_url)
    assert web_ids(signed_in, "Chief Buyer") == [ids["Ann Lee"]]
    assert web_ids(signed_in, "cto") == [ids["Zoe Quinn"]]


def test_the_api_documents_its_search_parameter(signed_in: TestClient) -> None:
    spec = signed_in.get("/api/v1/openapi.json").json()
    parameters = spec["paths"]["/api/v1/contacts"]["get"]["parameters"]
    search = next((p for p in parameters if p["name"] == "search"), None)
    assert search is not None, [p["name"] for p in parameters]
    assert search["in"] == "query" and not search.get("required", False)
    assert "job title" in search["description"]
    assert search["schema"]["anyOf"][0]["maxLength"] == 200


def test_the_api_refuses_a_search_too_long_to_be_one(signed_in: TestClient) -> None:
    reply = signed_in.get("/api/v1/contacts", params={"search": "x" * 201})
    assert reply.status_code == 422
    assert "search" in reply.text


@pytest.fixture
def world(tmp_path: Path, db_url: str) -> Iterator[World]:
    made = World(tmp_path, db_url)
    with transaction(db_url) as session:  # Alice's contact has a job title too
        from ringback.contacts.models import Contact

        contact = session.get(Contact, made.things["alice"]["contact"])
        assert contact is not None
        contact.title = f"Buyer {secret('alice')}"
    yield made
    made.close()


def test_another_reps_contacts_match_in_none_of_the_three(world: World, cli: Any) -> None:
    bob_web = world.browser("bob")
    token = {"authorization": f"Bearer {world.tokens['bob']}"}
    bobs = [world.things["bob"]["contact"]]
    alices = (secret("alice"), "buyer", PHONES["alice"][2:], "alice.client@example.com")
    for text in alices:
        assert cli_ids(cli, text, "--as", email("bob")) == [], ("cli", text)
        assert web_ids(bob_web, text) == [], ("web", text)
        assert api_ids(bob_web, text, headers=token) == [], ("api", text)
    # "Zed" is in both their contacts' names: Bob finds only his own, Alice only hers.
    assert cli_ids(cli, "zed", "--as", email("bob")) == bobs
    assert web_ids(bob_web, "zed") == bobs
    assert api_ids(bob_web, "zed", headers=token) == bobs
    alice_token = {"authorization": f"Bearer {world.tokens['alice']}"}
    assert api_ids(world.browser("alice"), "zed", headers=alice_token) == [
        world.things["alice"]["contact"]
    ]
