"""The scoring API other tools call: ``score_script(text, profile=…) -> Score``.

Pure: no settings, no database, no printing. The JSON form (:meth:`Score.as_json`) is the
evaluation contract of ``ringback coach score --json`` and must stay stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ringback.coach.check_kit import Check, CheckFn
from ringback.coach.checks import CHECKS
from ringback.coach.rules import Rule, voicemail_rules
from ringback.coach.text import Script, analyse

if TYPE_CHECKING:
    from ringback.contacts.profile import ContactProfile


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    passed: bool
    credit: float  # 0–1: how much of the rule's weight the script earned
    weight: int
    message: str
    hint: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "passed": self.passed, "message": self.message}
        out.update(
            title=self.title, hint=self.hint, weight=self.weight, credit=round(self.credit, 3)
        )
        return out


@dataclass(frozen=True)
class Score:
    score: int
    seconds: float
    words: int
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> tuple[str, ...]:
        return tuple(f.rule for f in self.findings if f.passed)

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.passed)

    def features(self) -> dict[str, int]:
        """Per-rule pass (1) / fail (0), keyed by rule id, in table order: model features."""
        return {f.rule: int(f.passed) for f in self.findings}

    def credits(self) -> dict[str, float]:
        """Per-rule partial credit (0–1), keyed by rule id: finer-grained features."""
        return {f.rule: f.credit for f in self.findings}

    def for_owner(self, *, name: str = "", company: str = "", phone: str = "") -> Score:
        """The same score with the hints' stand-ins ("[your number]"…) filled from the
        owner's settings; a stand-in whose setting is empty stays as it is."""
        from ringback.coach.check_kit import YOUR_COMPANY, YOUR_NAME, YOUR_NUMBER

        fills = [(YOUR_NAME, name), (YOUR_COMPANY, company), (YOUR_NUMBER, phone)]

        def fill(hint: str) -> str:
            for mark, value in fills:
                if value:
                    hint = hint.replace(mark, value)
            return hint

        return replace(self, findings=tuple(replace(f, hint=fill(f.hint)) for f in self.findings))

    def as_json(self) -> dict[str, Any]:
        """Exactly the contract: {"score", "seconds", "words", "findings": [...]}."""
        return {
            "score": self.score,
            "seconds": self.seconds,
            "words": self.words,
            "findings": [f.as_json() for f in self.findings],
        }


def _bind(
    rules: tuple[Rule, ...], checks: Mapping[str, CheckFn]
) -> tuple[tuple[Rule, CheckFn], ...]:
    missing = {r.id for r in rules} ^ set(checks)
    if missing:  # the data table and the code must describe the same rules
        raise RuntimeError(f"rules.toml and the checks disagree on: {', '.join(sorted(missing))}")
    return tuple((rule, checks[rule.id]) for rule in rules)


def combine(script: Script, results: list[tuple[Rule, Check]]) -> Score:
    total = sum(rule.weight for rule, _ in results)
    earned = sum(rule.weight * check.credit for rule, check in results)
    findings = tuple(
        Finding(
            rule.id, rule.title, check.passed, check.credit, rule.weight, check.message, check.hint
        )
        for rule, check in results
    )
    return Score(round(100 * earned / total), script.seconds, script.words, findings)


_VOICEMAIL: tuple[tuple[Rule, CheckFn], ...] | None = None


def _voicemail() -> tuple[tuple[Rule, CheckFn], ...]:
    global _VOICEMAIL
    if _VOICEMAIL is None:
        _VOICEMAIL = _bind(voicemail_rules(), CHECKS)
    return _VOICEMAIL


def listener_names(profile: ContactProfile | None) -> tuple[str, ...]:
    """Words that mean the listener: their first name and their company's first word."""
    if profile is None:
        return ()
    names = [profile.first_name]
    if profile.company:
        names.append(profile.company.split()[0])
    return tuple(n.lower() for n in names if n)


def score_script(text: str, *, profile: ContactProfile | None = None) -> Score:
    """Score a voicemail script 0–100; raises ScriptError for empty, huge or non-English text."""
    script = analyse(text, listener_names=listener_names(profile))
    return combine(script, [(rule, check(script, profile)) for rule, check in _voicemail()])


def feature_names() -> tuple[str, ...]:
    """The rule ids, in the order :meth:`Score.features` returns them."""
    return tuple(rule.id for rule in voicemail_rules())
