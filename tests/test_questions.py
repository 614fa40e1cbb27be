"""The question classifier and `ringback questions classify`, as a user sees them."""

from __future__ import annotations

import json

import pytest
from bench.swda import strip_punctuation
from click.testing import CliRunner

from ringback.cli import cli
from ringback.questions import classify, classify_rules
from ringback.questions.model import load

OPEN = [
    "What do you do for a living?",
    "how did you get started in this business",
    "Uh, first, um, I need to know, uh, how do you feel about sending an elderly family member to a nursing home?",
    "i need to know how you feel about the new pricing",
    "Tell me about your team.",
    "so um what kind of house do you live in",
    "Why did you pick that vendor?",
    "How about you?",
    "well you know what about your casual wear",
    "I loved the show, what did you think of it?",
    "what's keeping you up at night",
]
CLOSED = [
    "Do you have any pets?",
    "do you have any pets",
    "uh are you a member of the club",
    "Can you make it on Tuesday?",
    "is it going to rain tomorrow",
    "It's a nice place, isn't it?",
    "it's a nice place isn't it",
    "They're out of Korea, right?",
    "Is it a Wednesday or a Thursday?",
    "or do you hire someone to do it?",
    "I was wondering if you had a chance to look at it.",
    "Didn't the Cowboys finish last?",
]
NONE = [
    "That's what I said.",
    "thats what i said",
    "what I found is that they had a brake job",
    "I know how it works.",
    "Uh-huh.",
    "yeah",
    "um, you know, I think so",
    "We moved to Dallas in 1985.",
    "when I was a kid we had a farm",
    "Oh, really?",
    "which is a shame",
    "",
]


@pytest.mark.parametrize("text", OPEN)
def test_open_questions(text: str) -> None:
    assert classify(text) == "open"


@pytest.mark.parametrize("text", CLOSED)
def test_closed_questions(text: str) -> None:
    assert classify(text) == "closed"


@pytest.mark.parametrize("text", NONE)
def test_not_questions(text: str) -> None:
    assert classify(text) == "none"


@pytest.mark.parametrize(
    "text", [t for t in OPEN + CLOSED if t.rstrip().endswith((".", "?")) and "," not in t]
)
def test_same_label_without_punctuation(text: str) -> None:
    """Transcripts often carry no punctuation: the words alone must carry the question."""
    assert classify(strip_punctuation(text)) == classify(text)


def test_rules_alone_handle_the_clear_cases() -> None:
    """The fallback when the weights file is missing still tells the basics apart."""
    assert classify_rules("what do you think about the proposal") == "open"
    assert classify_rules("do you think about the proposal") == "closed"
    assert classify_rules("that's what I think about the proposal") == "none"


def test_model_ships_inside_the_package_and_explains_itself() -> None:
    model = load()
    assert model is not None, "weights.json.gz missing from ringback/questions"
    reasons = [name for name, _ in model.explain("so what do you do for a living")]
    assert reasons and all(isinstance(r, str) for r in reasons)


def _run(args: list[str], input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["questions", "classify", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_cli_json_lines_from_stdin_skip_blank_lines() -> None:
    code, out, _ = _run(["--json"], input="what keeps you up at night\n\n  \ndo you golf\nok\n")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows == [
        {"text": "what keeps you up at night", "kind": "open"},
        {"text": "do you golf", "kind": "closed"},
        {"text": "ok", "kind": "none"},
    ]


def test_cli_reads_a_file_and_prints_a_table_with_counts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    notes = tmp_path / "call.txt"
    notes.write_text("How is the new plant doing?\nAre you the decision maker?\nGreat.\n")
    code, out, _ = _run([str(notes)])
    assert code == 0
    assert "How is the new plant doing?" in out
    assert "3 lines: 1 open, 1 closed, 1 not questions" in out


def test_cli_shows_text_literally_not_as_markup() -> None:
    code, out, _ = _run([], input="[bold]what[/bold] do you need\n")
    assert code == 0
    assert "[bold]what[/bold] do you need" in out


@pytest.mark.parametrize("content", ["", "\n\n   \n"])
def test_cli_empty_input_fails_with_a_clear_message(content: str) -> None:
    code, out, err = _run([], input=content)
    assert code != 0
    assert "empty" in (out + err)


def test_cli_missing_file_fails() -> None:
    code, _, err = _run(["/nonexistent/notes.txt"])
    assert code != 0
    assert "does not exist" in err or "No such file" in err


def test_a_ten_megabyte_line_is_answered_quickly() -> None:
    import time

    line = "we talked about the budget and the timeline for the rollout " * 170_000
    assert len(line) > 10_000_000
    start = time.perf_counter()
    code, out, _ = _run(["--json"], input=line + "\nwhat would success look like for you\n")
    assert code == 0
    assert time.perf_counter() - start < 10
    kinds = [json.loads(row)["kind"] for row in out.splitlines()]
    assert kinds == ["none", "open"]
