"""Who is the rep, by what they say: the rep introducing themselves ("this is Dana",
"from Northwind": the name in the profile of the user whose call it is, see
``accounts.profile``, and the install's company) and, in a discovery call, asking most of
the questions (seed 002).

A mono call names the rep by introduction when their voice could not be matched
(``named_by_introduction``); a stereo call checks its channels are not swapped
(``swapped_evidence``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ringback.calls.model import Speaker, SpokenWord

if TYPE_CHECKING:
    from ringback.calls.questions import Question


def intro_pattern(name: str, company: str) -> re.Pattern[str] | None:
    parts = []
    first = name.strip().split()[0] if name.strip() else ""
    if first:
        f = re.escape(first)
        parts.append(
            rf"\b(?:this is|my name is|i'm|i am|it's)\s+{f}\b|\b{f}\s+(?:from|with|at|here)\b"
        )
    if company.strip():
        parts.append(rf"\b(?:from|with|at|calling from)\s+{re.escape(company.strip())}\b")
    return re.compile("|".join(parts), re.I) if parts else None


def said_by(words: list[SpokenWord]) -> dict[str, str]:
    """Everything each side said, as one text (typographic apostrophes made plain)."""
    return {
        s: " ".join(w.text for w in words if w.speaker == s).replace("\u2019", "'")
        for s in ("rep", "customer")
    }


def named_by_introduction(
    words: list[SpokenWord],
    talk: dict[Speaker, float] | None,
    rep_name: str,
    rep_company: str,
) -> tuple[list[SpokenWord], dict[Speaker, float] | None, str | None]:
    """Mono: the voice that introduces itself as the rep ("this is Dana", ``rep_name`` and
    ``rep_company``) is the rep, whoever spoke first. Only a one-sided introduction
    decides; the roles are flipped, with the reason, when it is the "customer" voice's."""
    pattern = intro_pattern(rep_name, rep_company)
    if pattern is None:
        return words, talk, None
    text = said_by(words)
    heard = pattern.search(text["customer"])
    if heard is None or pattern.search(text["rep"]):
        return words, talk, None
    flip: dict[Speaker, Speaker] = {"rep": "customer", "customer": "rep"}
    words = [SpokenWord(flip[w.speaker], w.text, w.start, w.end) for w in words]
    if talk is not None:
        talk = {flip[k]: v for k, v in talk.items()}
    return (
        words,
        talk,
        (
            f'the rep is the voice that says "{heard.group(0).strip()}" (your name or company), '
            "not the voice of the first real turn"
        ),
    )


def swapped_evidence(
    words: list[SpokenWord], questions: tuple[Question, ...], owner_name: str, owner_company: str
) -> str | None:
    """Why the "customer" channel looks like the rep, or None.

    The rep introduces themselves ("this is Dana", "from Northwind", from their profile) and, in a discovery call, asks most of the questions (seed 002). A
    self-introduction heard only on the customer side is decisive; without one either
    way, the customer asking at least three questions and more than twice as many as the
    rep is.
    """
    text = said_by(words)
    pattern = intro_pattern(owner_name, owner_company)
    if pattern is not None:
        rep_intro = pattern.search(text["rep"])
        customer_intro = pattern.search(text["customer"])
        if customer_intro and not rep_intro:
            return f'the customer channel says "{customer_intro.group(0)}"'
        if rep_intro:
            return None
    rep_q = sum(1 for q in questions if q.speaker == "rep")
    customer_q = sum(1 for q in questions if q.speaker == "customer")
    if customer_q >= 3 and customer_q > 2 * rep_q:
        return f"the customer channel asks {customer_q} of the {rep_q + customer_q} questions"
    return None
