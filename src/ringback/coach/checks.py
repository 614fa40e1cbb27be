"""One check per voicemail rule: how much credit (0–1), passed or not, why, and a rewrite hint.

Credit is partial on purpose: a message that names the caller but not the company is better
than one that names nobody, and the score should say so. What a check is, and the pieces
the opener's checks share with these, are in :mod:`ringback.coach.check_kit`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ringback.coach import lexicon as lx
from ringback.coach.check_kit import (
    YOUR_COMPANY,
    YOUR_NAME,
    YOUR_NUMBER,
    Check,
    CheckFn,
    caller_intro,
    clamp,
    said,
    when_said,
)
from ringback.coach.text import EARLY_WORDS, Script, content_stems, words

if TYPE_CHECKING:  # importing contacts at runtime would pull in SQLAlchemy
    from ringback.contacts.profile import ContactProfile


def names_caller(script: Script, profile: ContactProfile | None) -> Check:
    name, company, at = caller_intro(script)
    example = f'"Hi Bill, this is {YOUR_NAME} from {YOUR_COMPANY}."'
    if name is None:
        return Check(0.0, False, "The caller never says who they are.", f"Open with {example}")
    if at > EARLY_WORDS:
        return Check(
            0.4,
            False,
            f"Your name comes only after ~{at} words (the first ~{EARLY_WORDS} are what they hear first).",
            f"Move it to the first sentence: {example}",
        )
    if company is None:
        return Check(
            0.7, True, "Names the caller early, but not the company.", f"Add it: {example}"
        )
    return Check(1.0, True, "Says who is calling, and from where, right at the start.")


def follow_up(script: Script, profile: ContactProfile | None) -> Check:
    if lx.FOLLOW_UP.search(script.low):
        return Check(1.0, True, "Picks up from your last conversation: structured and reliable.")
    hint = 'Refer to the last contact: "I\'m following up on our call last Tuesday, where you mentioned…"'
    if profile is not None and not profile.interactions and not profile.back_story:
        # Nothing on record to follow up on: a first message can't be faulted for not
        # referring to a conversation that never happened (and must not invent one).
        return Check(
            1.0,
            True,
            "First contact: nothing on record to follow up on yet.",
            "After you have spoken, open the next message by referring back to that conversation.",
        )
    if lx.BARE_FOLLOW_UP.search(script.low):
        return Check(0.4, False, "Says it is a follow-up, but not of what.", hint)
    return Check(0.0, False, "No reference to a previous conversation or meeting.", hint)


def listener_counts(script: Script) -> tuple[int, int]:
    low = script.low
    listener = sum(t in lx.LISTENER_WORDS for t in script.tokens)
    listener -= len(lx.THANK_YOU.findall(low))
    listener += sum(script.tokens.count(name) for name in script.listener_names)
    self_refs = sum(t in lx.SELF_WORDS for t in script.tokens) - len(lx.SHARED_WE.findall(low))
    return listener, max(self_refs, 0)


def listener_focus(script: Script, profile: ContactProfile | None) -> Check:
    goal_asks = [f'"{said(script, m)}"' for m in lx.CALLER_GOAL.finditer(script.low)]
    listener, self_refs = listener_counts(script)
    balance = f"{listener} you/your vs {self_refs} I/we"
    if goal_asks:
        return Check(
            0.1,
            False,
            f"About your goals, not theirs: {', '.join(goal_asks)} ({balance}).",
            "Drop the question about your proposal or their decision; say what the next step does for them.",
        )
    ratio = listener / (listener + self_refs) if listener + self_refs else 0.5
    credit = clamp((ratio - 0.25) / 0.3)
    if ratio >= 0.5:
        return Check(credit, True, f"Talks about them at least as much as about you ({balance}).")
    return Check(
        credit,
        False,
        f"Talks more about you than about them ({balance}).",
        'Turn "I / we / our" sentences around: "our tool does X" → "you could X".',
    )


def _tied_to_listener(script: Script, sentence: str) -> bool:
    if lx.LISTENER_WORD.search(sentence):
        return True
    return bool(script.listener_names.intersection(words(sentence)))


def goal_overlap(script: Script, profile: ContactProfile | None) -> str | None:
    """The recorded goal the script speaks to (shared word stems), if any."""
    if profile is None:
        return None
    said = content_stems(script.low)
    for goal in profile.goals:
        wanted = content_stems(goal.text)
        if wanted and len(said & wanted) >= min(2, len(wanted)):
            return goal.text
    return None


def specifics(script: Script, *, enough: bool = False) -> list[str]:
    """The concrete specifics a message gives: "a figure", "a named reference", "a credential".

    A name counts only when it is not the caller's own or the listener's: "Dr. Patel at
    Valley Dental switched last spring" is evidence, "this is Dana from Acme" is not. With
    ``enough``, a figure ends the search (scoring thousands of scripts a second needs it).
    """
    found = ["a figure"] if lx.QUANTITY.search(script.masked) else []
    if found and enough:
        return found
    refs = lx.NAMED_REFERENCE.findall(script.raw) if script.capitalised else []
    if refs:
        caller, company, _ = caller_intro(script)
        own = {n.rstrip(".,") for n in (caller, company) if n} | set(script.listener_names)
        if any(not {w.lower().rstrip(".") for w in ref.split()} & own for ref in refs):
            found.append("a named reference")
    if lx.CREDENTIAL.search(script.low):
        found.append("a credential")
    return found


def specific_value(script: Script, profile: ContactProfile | None) -> Check:
    sentences = [s for s in script.sentences if lx.OUTCOME.search(s)]
    tied = any(_tied_to_listener(script, s) for s in sentences)
    concrete = specifics(script, enough=tied)
    number = bool(concrete)
    evidence = [c for c in concrete if c != "a figure"]
    goals = profile.goals if profile is not None else []
    hint_number = 'Put a number on the payback: "cut your month-end close by 3 days", "a 23% lift".'
    if goals:
        goal = goal_overlap(script, profile)
        credit = 0.4 * tied + 0.25 * number + 0.35 * (goal is not None)
        if goal is None:
            return Check(
                credit,
                False,
                "Does not speak to any of their recorded goals.",
                f'Tie the value to their goal: "{goals[-1].text}".',
            )
        if not (tied or number):
            return Check(
                credit, False, f'Mentions their goal "{goal}" but no payback for them.', hint_number
            )
        return Check(
            credit, True, f'Ties the value to their goal "{goal}".', "" if number else hint_number
        )
    credit = 0.6 * tied + 0.4 * number
    if tied:
        if number:
            return Check(credit, True, f"Names a payback for them, with {' and '.join(concrete)}.")
        return Check(credit, True, "Names an outcome for them, without a number.", hint_number)
    if evidence:  # "Dr. Patel at Valley Dental switched last spring": value shown, not claimed
        return Check(
            0.6 + 0.2 * (len(concrete) - 1),
            True,
            f"Gives concrete specifics ({', '.join(concrete)}), though no outcome for them.",
            'Say what it means for them: "…so your front desk gets back 5 hours a week."',
        )
    if sentences:
        return Check(
            0.3 + 0.2 * number,
            False,
            "Names an outcome, but not as theirs.",
            'Say it in their terms: "…so your team gets back 5 hours a week."',
        )
    return Check(0.2 * number, False, "No outcome or payback for the listener.", hint_number)


def clear_reason(script: Script, profile: ContactProfile | None) -> Check:
    hint = 'Say why you are calling: "I\'m calling to invite you to…", "…to share the results of…".'
    vague = False
    for m in lx.REASON.finditer(script.low):
        ends_in_verb = m.group().endswith(("discuss", "review", "explore"))
        if lx.VAGUE_REASON.match(script.low, m.end()) or (
            ends_in_verb and lx.VAGUE_OBJECT.match(script.low, m.end())
        ):  # "calling to check in", "I'd like to discuss it further": no reason given
            vague = True
            continue
        return Check(1.0, True, "States a clear reason for the call.")
    if lx.HEDGED_REASON.search(script.low):
        return Check(0.7, True, 'Gives a reason, hedged as "I wanted to…".', hint)
    if vague:
        return Check(
            0.3,
            False,
            "The stated reason is a formality (checking in, touching base, discussing it further).",
            hint,
        )
    return Check(0.0, False, "Never says why you are calling.", hint)


def _specific_question(sentence: str) -> bool:
    if not (sentence.rstrip().endswith("?") or lx.INTERROGATIVE.match(sentence)):
        return False
    if not lx.INTERROGATIVE.match(sentence):
        return False
    return not (
        lx.GENERIC_QUESTION.search(sentence)
        or lx.BARE_CALLBACK.search(sentence)
        or lx.CALLER_GOAL.search(sentence)
        or lx.HOW_ARE_YOU.search(sentence)
        or lx.WEAK.search(sentence)
    )


def call_to_action(script: Script, profile: ContactProfile | None) -> Check:
    kinds = []
    if lx.PROPOSED_TIME.search(script.low) and any(
        lx.PROPOSED_TIME.search(s) and not lx.PAST_REFERENCE.search(s) for s in script.sentences
    ):
        kinds.append("a proposed time")
    if lx.NAMED_MEETING.search(script.low):
        kinds.append("a named meeting")
    if any(_specific_question(s) for s in script.sentences):
        kinds.append("a specific question")
    hint = 'End with a concrete step: "Does Tuesday at 10 work for a 15-minute call?"'
    if kinds:
        credit = {1: 0.75, 2: 0.9}.get(len(kinds), 1.0)
        return Check(credit, True, f"Ends with a concrete next step: {', '.join(kinds)}.")
    if lx.BARE_CALLBACK.search(script.low):
        return Check(0.2, False, "Only asks for a call back, with no concrete next step.", hint)
    return Check(0.0, False, "No call to action.", hint)


def brevity(script: Script, profile: ContactProfile | None) -> Check:
    s = script.seconds
    trim = "Cut to one reason, one payback and one next step (about 50–75 words)."
    if s > 45:
        return Check(
            clamp(0.4 - (s - 45) / 75),
            False,
            f"About {s:.0f} s spoken; over 45 s loses them.",
            trim,
        )
    if s > 30:
        return Check(
            1 - (s - 30) / 15 * 0.4, True, f"About {s:.0f} s spoken; 20–30 s is ideal.", trim
        )
    if s >= 20:
        return Check(1.0, True, f"About {s:.0f} s spoken: in the 20–30 s sweet spot.")
    if s >= 8:
        return Check(
            0.5 + 0.5 * (s - 8) / 12,
            True,
            f"About {s:.0f} s spoken; short (20–30 s is ideal).",
            "Room for one more specific: the payback for them, or a proposed time.",
        )
    return Check(
        0.3,
        False,
        f"About {s:.0f} s spoken: too short to carry a reason and a payback.",
        "Say who you are, why you call, what is in it for them and the next step.",
    )


def callback_number(script: Script, profile: ContactProfile | None) -> Check:
    phones = script.phones
    hint = f'Close with your number, twice: "…reach me at {YOUR_NUMBER}; again, {YOUR_NUMBER}."'
    if not phones:
        return Check(0.0, False, "No callback number.", hint)
    total = max(len(script.tokens), 1)
    late = [p for p in phones if p.end_word >= 0.6 * total]
    if not late:
        return Check(
            0.4, False, "Gives the number only early on; they will have forgotten it.", hint
        )
    if len(phones) >= 2:
        return Check(1.0, True, "Gives the callback number near the end, twice.")
    return Check(
        0.75,
        True,
        "Gives the callback number near the end, once.",
        "Say it twice so nobody has to replay.",
    )


def no_weak_phrases(script: Script, profile: ContactProfile | None) -> Check:
    found = [said(script, m) for m in lx.WEAK.finditer(script.low)]
    if not found:
        return Check(1.0, True, "No apologetic or filler phrases.")
    quoted = ", ".join(f'"{p}"' for p in dict.fromkeys(found))
    return Check(
        0.3 if len(found) == 1 else 0.0,
        False,
        f"Weak or defensive wording: {quoted}.",
        "Delete it and state the reason directly; confidence respects their time more than apology.",
    )


def energy(script: Script, profile: ContactProfile | None) -> Check:
    positive = len(lx.POSITIVE.findall(script.low))
    hedges = [said(script, m) for m in lx.HEDGE.finditer(script.low)]
    credit = clamp(0.5 + 0.25 * min(positive, 2) - 0.3 * len(hedges))
    if hedges:
        quoted = ", ".join(f'"{h}"' for h in dict.fromkeys(hedges))
        return Check(
            credit,
            False,
            f"Hedging words: {quoted}.",
            'Say it as you mean it: "this will…", "I\'m confident…".',
        )
    if positive:
        return Check(credit, True, "Positive, confident wording.")
    return Check(
        credit,
        False,
        "Flat: no positive or committed wording.",
        'Let your belief show: "I\'m confident…", "great news…", "I\'ll send…".',
    )


def mixing_media(script: Script, profile: ContactProfile | None) -> Check:
    return when_said(
        lx.MEDIA,
        script,
        "Mentions a written follow-up they can answer any time.",
        "No second channel.",
        'Add: "I\'ll also send you a short email with the details."',
    )


CHECKS: dict[str, CheckFn] = {
    "names_caller": names_caller,
    "follow_up": follow_up,
    "listener_focus": listener_focus,
    "specific_value": specific_value,
    "clear_reason": clear_reason,
    "call_to_action": call_to_action,
    "brevity": brevity,
    "callback_number": callback_number,
    "no_weak_phrases": no_weak_phrases,
    "energy": energy,
    "mixing_media": mixing_media,
}
