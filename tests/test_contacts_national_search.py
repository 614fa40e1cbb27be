"""Searching contacts by part of a number written the way people write it at home, on
SQLite and PostgreSQL, through the real CLI (``contacts list --search``) and the web app's
search box: a British user types "07911 123" for +447911123456, an Australian "0412 345",
a German "030 1234" (the national trunk prefix stands for the country code). An American
"(415) 555" still works, so does a number written with +country code, and a partial that
is not the contact's finds nobody.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringback.db.session import transaction
from ringback.web import create_app
from tests.support.accounts import add_user, sign_in
from tests.support.twilio import make_settings

# region, the contact's number, a partial typed the national way, partials that are not it
NATIONAL_PARTIALS = [
    ("GB", "+447911123456", "07911 123", ["07911 124", "079", "07", "0"]),
    ("AU", "+61412345678", "0412 345", ["0412 346", "04"]),
    ("DE", "+49301234567", "030 1234", ["030 1235", "040 1234"]),
    ("RU", "+79161234567", "8 916 123", ["8 916 124"]),  # a trunk prefix that is not 0
]


def searched(cli: Any, text: str) -> list[str]:
    found = cli("contacts", "list", "--search", text, "--json")
    assert found.exit_code == 0, found.output
    return [row["name"] for row in json.loads(found.stdout)]


def add(cli: Any, name: str, phone: str) -> None:
    added = cli("contacts", "add", "--name", name, "--phone", phone)
    assert added.exit_code == 0, added.output


@pytest.mark.parametrize(("region", "stored", "typed", "not_theirs"), NATIONAL_PARTIALS)
def test_part_of_a_number_written_the_national_way_finds_the_contact(
    cli: Any, region: str, stored: str, typed: str, not_theirs: list[str]
) -> None:
    cli.env["RINGBACK_DEFAULT_REGION"] = region
    add(cli, "Olivia Hart", stored)
    add(cli, "Bill Turner", "+1 415 555 0137")

    assert searched(cli, typed) == ["Olivia Hart"]
    for other in not_theirs:
        assert searched(cli, other) == [], other


def test_american_and_plus_country_code_partials_still_find_the_contact(cli: Any) -> None:
    add(cli, "Bill Turner", "+1 415 555 0137")
    add(cli, "Olivia Hart", "+44 7911 123456")
    assert searched(cli, "(415) 555") == ["Bill Turner"]  # a US install, as before
    assert searched(cli, "07911 123") == []  # not how an American writes +44 7911 123…

    cli.env["RINGBACK_DEFAULT_REGION"] = "GB"
    assert searched(cli, "07911 123") == ["Olivia Hart"]
    assert searched(cli, "+44 7911 123") == ["Olivia Hart"]
    assert searched(cli, "+1 415 555") == ["Bill Turner"]  # another country's, with +
    assert searched(cli, "+1 0415 555") == []  # a + number has no trunk prefix


def test_the_web_search_box_finds_part_of_a_number_written_the_british_way(
    tmp_path: Path, db_url: str
) -> None:
    from ringback.contacts.editing import add_contact

    add_user(db_url, "dana@example.com", role="owner")
    with transaction(db_url) as session:
        add_contact(session, name="Olivia Hart", phones=["+447911123456"], region="GB")
        add_contact(session, name="Priya Shah", phones=["+447911800456"], region="GB")
    settings = make_settings(tmp_path, database_url=db_url, default_region="GB")
    app = create_app(settings, prepare_database=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert sign_in(client, "dana@example.com").status_code == 303

        def shown(text: str) -> tuple[list[str], str]:
            page = client.get("/contacts", params={"q": text}, headers={"accept": "text/html"})
            assert page.status_code == 200
            names = re.findall(r'class="contact-open" href="/contacts/\d+">([^<]+)<', page.text)
            return names, page.text

        assert shown("07911 123")[0] == ["Olivia Hart"]
        assert shown("07911 800")[0] == ["Priya Shah"]
        names, page = shown("<b>07911 124</b>")
    assert names == []
    assert "&lt;b&gt;07911 124&lt;/b&gt;" in page and "<b>07911" not in page  # as text
