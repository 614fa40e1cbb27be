"""The Stats page over HTTP (issue 15 §3), on SQLite and PostgreSQL: return rates with
their charts as inline SVG, the honest "not enough data yet", the CSV that
``ringback stats --csv`` writes, and a friendly page when nothing is logged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.support.web_pages import SignedIn, signed_in_app

GOOD = (
    "Hi Bill, this is Dana from Northwind. I'm following up on our call Tuesday. I'm calling "
    "to show you how your team can save 5 hours a week. Could we talk Thursday at 10 am? "
    "Call me at 415 555 0137. Again, 415 555 0137."
)
PLAIN = "Hi, it's Dana. Call me back."


@pytest.fixture
def web(tmp_path: Path, db_url: str) -> Iterator[SignedIn]:
    with signed_in_app(tmp_path, db_url) as signed_in:
        yield signed_in


def _log(cli: Cli) -> None:
    """Four voicemails in two weeks, two variants (one named like markup), one returned."""
    made = cli("contacts", "add", "--name", "Bill Turner", "--json")
    assert made.exit_code == 0, made.output
    bill = re.search(r'"id": (\d+)', made.stdout).group(1)  # type: ignore[union-attr]
    for at, script, variant in (
        ("2026-11-02 10:00", GOOD, "<b>goal-first</b>"),
        ("2026-11-03 15:00", PLAIN, "plain"),
        ("2026-11-10 10:00", GOOD, "<b>goal-first</b>"),
        ("2026-11-11 15:00", PLAIN, "plain"),
    ):
        r = cli("log", "voicemail", "--contact", bill, "--script", script, "--variant", variant,
                "--at", at)  # fmt: skip
        assert r.exit_code == 0, r.output
    r = cli("log", "call", "--contact", bill, "--direction", "inbound", "--at", "2026-11-02 13:00")
    assert r.exit_code == 0, r.output


def test_an_empty_database_says_how_to_log_the_first_call(web: SignedIn) -> None:
    page = web.client.get("/stats")
    assert page.status_code == 200
    assert "No calls logged yet" in page.text and "ringback log voicemail" in page.text
    assert "<svg" not in page.text
    csv = web.client.get("/stats.csv")
    assert csv.text.splitlines()[:2] == [
        "dimension,group,left,returned,return_rate",
        "overall,all,0,0,0.0",
    ]


def test_logged_voicemails_are_charted_and_downloadable(
    web: SignedIn, cli: Cli, tmp_path: Path
) -> None:
    _log(cli)
    page = web.client.get("/stats")
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert "<strong>1 of 4</strong> voicemails returned" in html
    assert html.count('<svg class="chart"') == 5  # week, variant, rule, hour, score
    # A bar's tooltip carries its numbers; the user's variant name is text, not markup.
    assert "&lt;b&gt;goal-first&lt;/b&gt;: 1 of 2 returned (50%)" in html
    assert "<b>goal-first</b>" not in html
    assert re.search(r"Not enough data yet: each variant needs \d+ voicemails", html)
    assert "Callback number near the end" in html  # rules by title, not by id
    assert re.search(r'<circle class="dot"[^>]*><title>2026-11-02: 1 of 2 returned', html)
    # The CSV is exactly what `ringback stats --csv` writes.
    out = tmp_path / "stats.csv"
    assert cli("stats", "--csv", str(out)).exit_code == 0
    download = web.client.get("/stats.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert download.content == out.read_bytes()
    assert (
        "variant,'=" not in download.text and "variant,<b>goal-first</b>,2,1,0.5" in download.text
    )


def test_a_period_counts_only_the_voicemails_left_in_it(web: SignedIn, cli: Cli) -> None:
    bill = re.search(
        r'"id": (\d+)', cli("contacts", "add", "--name", "Bill Turner", "--json").stdout
    )
    assert bill
    for at in ("40d", "2d"):
        r = cli("log", "voicemail", "--contact", bill.group(1), "--script", GOOD, "--at", at)
        assert r.exit_code == 0, r.output
    assert "<strong>0 of 2</strong>" in web.client.get("/stats").text
    assert "<strong>0 of 1</strong>" in web.client.get("/stats?period=30d").text
    assert "overall,all,1,0,0.0" in web.client.get("/stats.csv?period=30d").text
    assert "<strong>0 of 2</strong>" in web.client.get("/stats?period=bogus").text  # all time
