"""The coaching report (Markdown, HTML, timeline) and accepting its proposals into a contact."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bench import call_corpus

from ringback.calls.analysis import CallAnalysis
from ringback.calls.followups import propose
from ringback.calls.metrics import compute
from ringback.calls.questions import find_questions
from ringback.calls.report import ReportInput, write_report
from ringback.calls.targets import evaluate
from tests.conftest import IN_CI, Cli
from tests.support.calls import said

TZ = ZoneInfo("America/New_York")
CALL_AT = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # a Monday


def _analysis() -> CallAnalysis:
    words = (
        said("rep", 0.0, "Hi Bill, this is Dana. What are you working on this year?")
        + said(
            "customer",
            4.0,
            "We want to open a second office in Austin. Hiring is the biggest problem right "
            "now. I'll send you the floor plan next Thursday. <script>alert(1)</script> ok.",
        )
        + said("rep", 20.0, "Thanks. I'll email you the proposal by Friday.")
    )
    m = compute(words, duration=25.0)
    return CallAnalysis(
        path=Path("call.wav"),
        mode="stereo",
        rep_channel=0,
        metrics=m,
        questions=tuple(find_questions(m.turns)),
        words=tuple(words),
    )


def _write(tmp_path: Path, contact_id: int = 1) -> Path:
    a = _analysis()
    proposals = propose(a.metrics.turns, call_at=CALL_AT, tz=TZ)
    out = tmp_path / "review"
    write_report(ReportInput(a, contact_id, "Bill <Turner>", CALL_AT, proposals), out)
    return out


def test_proposals_come_from_what_each_side_said() -> None:
    a = _analysis()
    got = [
        (p.kind, p.story_kind, p.by, p.due)
        for p in propose(a.metrics.turns, call_at=CALL_AT, tz=TZ)
    ]
    assert got == [
        ("back_story", "professional_goal", None, None),
        ("back_story", "challenge", None, None),
        ("follow_up", None, "them", "2026-12-03"),  # their "I'll", next week's Thursday
        ("follow_up", None, "you", "2026-11-27"),  # your "I'll", this Friday
    ]


def test_report_is_escaped_cites_a_source_per_target_and_draws_the_timeline(tmp_path: Path) -> None:
    out = _write(tmp_path)
    page = (out / "report.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Bill &lt;Turner&gt;" in page
    md = (out / "report.md").read_text()
    assert "\\<script\\>" in md and "![who spoke when](timeline.svg)" in md
    targets = evaluate(_analysis())
    assert {t.metric for t in targets} >= {"Rep talk share", "Longest rep monologue"}
    for t in targets:
        assert t.source and t.why and t.metric in md and t.metric in page
    svg = ET.parse(out / "timeline.svg").getroot()
    assert svg.tag.endswith("svg")
    doc = json.loads((out / "proposals.json").read_text())
    assert doc["contact_id"] == 1 and len(doc["proposals"]) == 4 and doc["accepted_at"] is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report-")]


def test_each_verdict_says_the_figure_and_the_aim_in_words() -> None:
    targets = {t.metric: t for t in evaluate(_analysis())}
    for t in targets.values():
        if t.met is None:
            assert t.verdict.startswith("Not measurable on this call")
        else:
            said = "On target: " if t.met else "Work on this: "
            assert t.verdict.startswith(said) and t.value in t.verdict and t.target in t.verdict
    assert {t.met for t in targets.values()} >= {True, False}


def test_accept_files_everything_once(cli: Cli, tmp_path: Path) -> None:
    added = cli("contacts", "add", "--name", "Bill Turner", "--json")
    cid = json.loads(added.stdout)["id"]
    out = _write(tmp_path, cid)
    result = cli("call", "accept", str(out), "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("contacts", "show", str(cid), "--json").stdout)
    assert [i["text"] for i in shown["back_story"]["professional_goal"]] == [
        "We want to open a second office in Austin."
    ]
    assert shown["back_story"]["challenge"][0]["source"].startswith(
        "call call.wav 2026-11-23 at 00:"
    )
    follow = {f["title"]: f["due"] for f in shown["open_follow_ups"]}
    assert any(t.startswith("They promised: I'll send you the floor plan") for t in follow)
    assert any(str(d).startswith("2026-11-27") for d in follow.values())
    assert [i["kind"] for i in shown["interactions"]] == ["call"]
    again = cli("call", "accept", str(out))
    assert again.exit_code == 1 and "already accepted today " in again.stderr
    assert not re.search(r"\d{4}-\d\d-\d\dT", again.stderr)  # words, not an ISO stamp
    shown_again = json.loads(cli("contacts", "show", str(cid), "--json").stdout)
    assert len(shown_again["open_follow_ups"]) == len(shown["open_follow_ups"])


def test_accept_only_some_and_refuse_what_is_not_a_report(
    cli_embedded: Cli, tmp_path: Path
) -> None:
    cid = json.loads(cli_embedded("contacts", "add", "--name", "Bill Turner", "--json").stdout)[
        "id"
    ]
    out = _write(tmp_path, cid)
    result = cli_embedded("call", "accept", str(out), "--only", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [b["kind"] for b in data["back_story"]] == ["challenge"] and data["follow_ups"] == []
    (tmp_path / "bad.json").write_text("[1, 2]")
    bad = cli_embedded("call", "accept", str(tmp_path / "bad.json"))
    assert bad.exit_code == 1 and "not a Ringback proposals file" in bad.stderr
    missing = cli_embedded("call", "accept", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1 and "no proposals.json" in missing.stderr


@pytest.mark.slow
def test_report_cli_on_a_real_call(cli_embedded: Cli, tmp_path: Path) -> None:
    if not call_corpus.available():
        if IN_CI:
            pytest.fail("CI=true requires the Asterisk prompts")
        pytest.skip("needs the Asterisk prompts (asterisk-core-sounds-en-wav)")
    path = tmp_path / "call.wav"
    call_corpus.write(path, 40.0, seed=2)
    cli_embedded("contacts", "add", "--name", "Bill Turner")
    missing = cli_embedded("call", "report", str(path), "--contact", "Nobody")
    assert missing.exit_code == 1 and "contacts list" in missing.stderr
    out = tmp_path / "review"
    result = cli_embedded(
        "call", "report", str(path), "--contact", "Bill", "--out", str(out), "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {Path(p).name for p in data["files"].values()} == {
        "report.md",
        "report.html",
        "timeline.svg",
        "proposals.json",
    }
    assert all(t["source"] for t in data["targets"])
    assert data["analysis"]["speakers"]["rep"]["talk_seconds"] > 0
    accepted = cli_embedded("call", "accept", str(out))
    assert accepted.exit_code == 0 and "Filed for Bill Turner" in accepted.stdout
