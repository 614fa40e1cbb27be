"""`ringback contacts import` through the CLI, on SQLite and PostgreSQL: what a user importing
a HubSpot, Salesforce or vCard export sees, and that a failure leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

DATA = Path(__file__).parent / "data" / "contacts"


def contacts(cli) -> dict[str, dict]:
    listed = json.loads(cli("contacts", "list", "--json").stdout)
    return {c["name"]: c for c in listed}


def run_import(cli, path: Path | str, *args: str) -> dict:
    result = cli("contacts", "import", str(path), *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_hubspot_export_is_imported_with_a_report(cli):
    report = run_import(cli, DATA / "hubspot.csv")
    assert report["format"] == "hubspot"
    assert report["counts"] == {
        "created": 6, "merged": 1, "unchanged": 0, "skipped": 2, "warnings": 4,
    }  # fmt: skip
    skipped = {s["row"]: s["reason"] for s in report["skipped"]}
    assert "no name, no email and no phone" in skipped[5]
    assert "malformed row" in skipped[10] and "13 fields" in skipped[10]
    warnings = " | ".join(f"{w['row']}: {w['message']}" for w in report["warnings"])
    assert "6: dropped phone: '12'" in warnings  # the row is kept, the phone reported
    assert "8: dropped email" in warnings and "8: timezone 'Eastern Time'" in warnings
    people = contacts(cli)
    assert set(people) == {
        "Dana Whitfield", "Marco Álvarez", "Priya Natarajan", "Lee Okafor", "Tom Reyes",
        "info@quietlake.example",
    }  # fmt: skip
    dana = people["Dana Whitfield"]
    # Row 7 has Dana's phone: merged, new email added, the differing company kept and reported.
    assert dana["phones"] == ["+14155550137"]
    assert dana["emails"] == ["dana.whitfield@northwind.example", "dana.w@mail.example"]
    assert dana["company"] == "Northwind Realty" and dana["owner"] == "Sam Seller"
    assert dana["timezone"] == "America/Los_Angeles" and dana["title"] == "Broker"
    merge = report["merged"][0]
    assert merge["row"] == 7 and merge["into"] == {"row": 2}
    assert merge["conflicts"] == [
        {"field": "company", "kept": "Northwind Realty", "file": "Northwind Realty Group"}
    ]
    assert people["Marco Álvarez"]["phones"] == ["+12125550100", "+12125550101"]
    assert people["Priya Natarajan"]["emails"] == ["priya@brightpath.example"]
    assert people["Lee Okafor"]["phones"] == []
    created_ids = {c["id"] for c in report["created"]}
    assert created_ids == {c["id"] for c in people.values()}


def test_salesforce_report_and_data_loader_exports(cli):
    report = run_import(cli, DATA / "salesforce_report.csv")
    assert report["format"] == "salesforce"
    assert report["counts"]["created"] == 3 and report["counts"]["skipped"] == 1
    assert report["rows"] == 4  # the Grand Totals / Confidential footer is not a row
    assert any("footer" in n for n in report["notes"])
    people = contacts(cli)
    bill = people["Bill Turner"]
    assert bill["company"] == "ABC Inc" and bill["title"] == "VP Operations"
    assert bill["phones"] == ["+14155550199", "+16505550112"]
    assert people["Hiro Tanaka"]["phones"] == ["+81312345678"]
    loader = run_import(cli, DATA / "salesforce_dataloader.csv")
    assert loader["format"] == "salesforce" and loader["counts"]["created"] == 2
    rosa = json.loads(cli("contacts", "show", "Rosa Delgado", "--json").stdout)
    assert rosa["title"] == "Office Manager"
    # The multi-line Description survives as a note.
    assert "Budget approved in Q1." in rosa["interactions"][0]["text"]
    assert rosa["interactions"][0]["kind"] == "note"


def test_vcard_file_with_several_versions_and_a_broken_card(cli):
    report = run_import(cli, DATA / "contacts.vcf")
    assert report["format"] == "vcard"
    assert report["counts"]["created"] == 4
    skipped = {s["row"]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {4, 6} and "END:VCARD" in skipped[6]
    people = contacts(cli)
    anna = json.loads(cli("contacts", "show", "Anna Kowalski", "--json").stdout)
    assert anna["company"] == "Lakeside Dental" and anna["title"] == "Practice Manager"
    assert anna["phones"] == ["+12025550150", "+12025550144"]
    assert anna["interactions"][0]["text"] == (
        "Met at the Chamber breakfast, interested in the referral program.\nPrefers mornings."
    )
    moreau = people["Jean-Luc Moreau"]
    assert moreau["phones"] == ["+33123456789"]  # the fax number is not imported
    assert moreau["emails"] == ["jl@moreau.example"] and moreau["timezone"] == "Europe/Paris"
    assert people["Jürgen Müller"]["phones"] == ["+16175550188"]  # 2.1 quoted-printable
    assert people["Carla Bianchi"]["phones"] == []


def test_reimport_merges_instead_of_duplicating(cli):
    run_import(cli, DATA / "hubspot.csv")
    before = contacts(cli)
    again = run_import(cli, DATA / "hubspot.csv")
    assert again["counts"]["created"] == 0
    assert again["counts"]["unchanged"] == 6
    assert contacts(cli) == before


def test_merge_into_existing_contact_fills_gaps_but_never_overwrites(cli, tmp_path):
    made = cli("contacts", "add", "--name", "Bill Turner", "--company", "ABC Inc",
               "--phone", "415-555-0199", "--json")  # fmt: skip
    bill_id = json.loads(made.stdout)["id"]
    report = run_import(cli, DATA / "salesforce_report.csv")
    assert report["counts"]["created"] == 2
    merge = next(m for m in report["merged"] if m["name"] == "Bill Turner")
    assert merge["into"] == {"contact_id": bill_id}
    assert merge["filled"] == {"title": "VP Operations", "owner": "Sam Seller"}
    assert merge["added_phones"] == ["+16505550112"]
    assert merge["added_emails"] == ["bill.turner@abc.example"]
    bill = json.loads(cli("contacts", "show", str(bill_id), "--json").stdout)
    assert bill["title"] == "VP Operations" and bill["company"] == "ABC Inc"
    # A different company in a later file is reported, not written.
    other = tmp_path / "other.csv"
    other.write_text(
        '"First Name","Last Name","Account Name","Phone"\n"Bill","Turner","XYZ","415-555-0199"\n'
    )
    conflict = run_import(cli, other)
    assert conflict["merged"][0]["conflicts"] == [
        {"field": "company", "kept": "ABC Inc", "file": "XYZ"}
    ]
    assert (
        json.loads(cli("contacts", "show", str(bill_id), "--json").stdout)["company"] == "ABC Inc"
    )


def test_dry_run_reports_the_same_and_writes_nothing(cli):
    dry = run_import(cli, DATA / "hubspot.csv", "--dry-run")
    assert dry["dry_run"] is True and dry["counts"]["created"] == 6
    assert all(c["id"] is None for c in dry["created"])
    assert contacts(cli) == {}
    real = run_import(cli, DATA / "hubspot.csv")
    assert real["counts"] == dry["counts"] and real["skipped"] == dry["skipped"]
    text = cli("contacts", "import", str(DATA / "hubspot.csv"), "--dry-run")
    assert text.exit_code == 0 and "Dry run" in text.stdout and "row 5" in text.stdout


def test_a_database_failure_mid_import_leaves_nothing_written(cli, monkeypatch):
    from ringback.contacts.importers import apply

    real_insert = apply.insert_rows
    calls = {"n": 0}

    def failing(session, model, rows):
        # Contacts and their phones are already inserted when the emails fail.
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError(
                "INSERT INTO contact_emails ...", {}, Exception("disk I/O error")
            )
        return real_insert(session, model, rows)

    monkeypatch.setattr(apply, "insert_rows", failing)
    result = cli("contacts", "import", str(DATA / "hubspot.csv"))
    assert result.exit_code == 1
    assert "database error, nothing was written" in result.output and "disk I/O" in result.output
    assert calls["n"] == 2
    monkeypatch.setattr(apply, "insert_rows", real_insert)
    assert contacts(cli) == {}
    assert run_import(cli, DATA / "hubspot.csv")["counts"]["created"] == 6


HEADER = "First Name,Last Name,Email,Phone Number,Company Name\n"
ROWS = "Zoë,Brontë,zoe@example.com,415-555-0137,Café Müller\nJosé,Núñez,jose@example.com,212-555-0100,Año Nuevo\n"


@pytest.mark.parametrize(
    ("encoding", "prefix", "text"),
    [
        ("utf-8-sig", b"", HEADER + ROWS),
        ("cp1252", b"", HEADER + ROWS),
        ("latin-1", b"", HEADER + ROWS),
        ("utf-16", b"", HEADER.replace(",", "\t") + ROWS.replace(",", "\t")),
        ("utf-8", b"", HEADER.replace(",", ";") + ROWS.replace(",", ";")),
        ("utf-8", b"sep=;\r\n", HEADER.replace(",", ";") + ROWS.replace(",", ";")),
    ],
)
def test_encodings_and_delimiters(cli, tmp_path, encoding, prefix, text):
    path = tmp_path / "export.csv"
    path.write_bytes(prefix + text.replace("\n", "\r\n").encode(encoding))
    report = run_import(cli, path)
    assert report["counts"]["created"] == 2, report
    people = contacts(cli)
    assert people["Zoë Brontë"]["company"] == "Café Müller"
    assert people["José Núñez"]["phones"] == ["+12125550100"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "is empty"),
        (b"\r\n\r\n", "is empty"),
        (HEADER.encode(), "no contact rows"),
        (b"\x00\x01\x02\x03binary\x00\xff" * 50, "binary"),
        (b"PK\x03\x04" + b"\x00" * 100, "Excel workbook"),
        (b"Make,Model,Year\nFord,T,1908\n", "no contact columns"),
        (b"BEGIN:VCARD\nVERSION:3.0\n", "ends before END:VCARD"),
    ],
)
def test_unusable_files_are_refused_clearly(cli, tmp_path, content, says):
    path = tmp_path / ("cards.vcf" if content.startswith(b"BEGIN") else "export.csv")
    path.write_bytes(content)
    result = cli("contacts", "import", str(path))
    assert result.exit_code == 1, result.output
    assert says in result.output and "Traceback" not in result.output
    assert contacts(cli) == {}


def test_missing_file_and_directory(cli, tmp_path):
    missing = cli("contacts", "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1 and "does not exist" in missing.output
    folder = cli("contacts", "import", str(tmp_path))
    assert folder.exit_code == 1 and "is a directory" in folder.output


def test_vcard_forced_as_csv_is_refused(cli):
    result = cli("contacts", "import", str(DATA / "contacts.vcf"), "--format", "hubspot")
    assert result.exit_code == 1 and "--format vcard" in result.output


def test_every_row_bad_means_exit_1_and_nothing_written(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + ",,,12,Ghost Co\n,,not-an-email,,\n")
    result = cli("contacts", "import", str(path), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["counts"]["skipped"] == 2
    assert "dropped" in report["skipped"][0]["reason"]
    assert contacts(cli) == {}


def test_unterminated_quote_is_reported_not_swallowed(cli, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(
        HEADER
        + 'Ann,Lee,ann@example.com,650-555-0111,"Acme\nBo,Li,bo@example.com,617-555-0123,Beta\n'
    )
    result = cli("contacts", "import", str(path), "--json")
    report = json.loads(result.stdout)
    assert "quote is never closed" in report["skipped"][0]["reason"]
    assert report["skipped"][0]["row"] == 2


def test_import_uses_batched_queries_not_one_per_row(db_url, tmp_path):
    """2,000 rows, half already on file: the statement count must not grow with the rows."""
    from sqlalchemy import event

    from ringback.contacts.importers import import_file
    from ringback.db.session import get_engine, transaction

    def write(path: Path, start: int, stop: int) -> None:
        lines = [HEADER]
        lines += [
            f"P{i},L{i},p{i}@example.com,(415) {200 + i // 10000}-{i % 10000:04d},C{i}\n"
            for i in range(start, stop)
        ]
        path.write_text("".join(lines))

    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write(first, 0, 1000)
    write(second, 0, 2000)
    with transaction(db_url) as session:
        import_file(session, first, region="US")
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(get_engine(db_url), "before_cursor_execute", listener)
    try:
        with transaction(db_url) as session:
            report = import_file(session, second, region="US")
    finally:
        event.remove(get_engine(db_url), "before_cursor_execute", listener)
    assert len(report.created) == 1000 and report.unchanged == 1000
    assert len(statements) < 40, len(statements)
