"""The README's rules table and docs/coach-rules.md are generated from rules.toml: never stale."""

from __future__ import annotations

import subprocess
import sys

from ringback.coach import docs
from ringback.coach.rules import Rule, voicemail_rules

FIX = "run `python -m ringback.coach.docs --write` and commit README.md and docs/coach-rules.md"


def test_readme_rules_region_is_up_to_date():
    readme = docs.README.read_text(encoding="utf-8")
    region = readme[readme.index(docs.START) + len(docs.START) : readme.index(docs.END)]
    assert region == docs.readme_region(), FIX


def test_rules_document_is_up_to_date():
    assert docs.RULES_DOC.read_text(encoding="utf-8") == docs.rules_document(), FIX


def test_table_has_every_rule_with_weight_reason_and_seed():
    table = docs.rules_table(voicemail_rules())
    for rule in voicemail_rules():
        row = next(line for line in table.splitlines() if f"(`{rule.id}`)" in line)
        assert f"| {rule.weight} |" in row and rule.why in row and rule.source in row


def test_a_changed_weight_shows_in_the_generated_table():
    rule = Rule("x", "Pipes | escaped", 42, "checks", "why", "seed 004")
    table = docs.rules_table((rule,))
    assert "| 42 |" in table and "Pipes \\| escaped" in table


def test_replace_region_touches_only_the_marked_region():
    text = f"before\n{docs.START}\nold\n{docs.END}\nafter\n"
    assert docs.replace_region(text, "\nnew\n") == f"before\n{docs.START}\nnew\n{docs.END}\nafter\n"


def test_check_command_exits_zero_when_current():
    proc = subprocess.run(
        [sys.executable, "-m", "ringback.coach.docs", "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
