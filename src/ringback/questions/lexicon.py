"""Word lists behind the question rules; kept apart so the rules read as rules."""

from __future__ import annotations

import re


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


WH = _set("what how why where when who whom whose which")
# "what's" / "how'd" / "who're": a wh-word glued to an auxiliary is a question opener.
WH_CONTRACTED = re.compile(r"^(what|how|why|where|when|who)'(s|d|re|ll|ve)$")

AUX = _set(
    """do does did is are was were am can could would will should shall may might must
    have has had"""
)
NEG_AUX = _set(
    """don't doesn't didn't isn't aren't wasn't weren't can't couldn't wouldn't won't
    shouldn't haven't hasn't hadn't ain't"""
)
BE = _set("is are was were am")
# Auxiliaries that are almost never a main verb right before a noun phrase.
INVERTING = _set("do does did is are was were can could would will should")
# Who or what an auxiliary-first question asks about ("are *you*", "is *the* house").
SUBJECT = _set(
    """you i we they he she it that this there these those your my our their his her its
    the a an any anybody anyone somebody someone everybody everyone people y'all ya
    u ur mine yours"""
)
PRONOUN = _set("you i we they he she it that this there people y'all")

# Words that open a turn without adding meaning; stripped from the start of every clause.
LEADING_FILLERS = _set(
    """uh um uhm er erm ah oh well so okay ok now and but then yeah yes yep no hmm hm
    gosh boy anyway anyways alright actually see hey hi hello also like huh mm listen
    say really right sure"""
)
LEADING_PHRASES = (
    ("you", "know"),
    ("i", "mean"),
    ("let's", "see"),
    ("let", "me", "ask", "you"),
    ("let", "me", "ask"),
    ("by", "the", "way"),
    ("all", "right"),
    ("i", "guess"),
)
# Hesitations carry no meaning anywhere in a sentence.
HESITATIONS = _set("uh um uhm er erm ah hmm hm mm")

# Imperatives and phrases that invite a long answer without a question word.
OPEN_OPENERS = (
    ("tell", "me"),
    ("tell", "us"),
    ("describe",),
    ("explain",),
    ("walk", "me", "through"),
    ("talk", "about"),
    ("talk", "me", "through"),
    ("help", "me", "understand"),
)
# "I need to know how ...", "I'm curious what ...": an open question wrapped in a statement.
EMBEDDING_VERBS = _set("know wonder wondering wondered curious ask asking interested")
# Short replies that end in "?" but only show attention ("really?", "is that right?").
BACKCHANNEL_PHRASES = frozenset(
    {
        "really",
        "oh really",
        "is that right",
        "is that so",
        "is that true",
        "you think so",
        "no kidding",
        "huh",
        "pardon",
        "pardon me",
        "excuse me",
        "what",
        "sorry",
        "seriously",
        "honestly",
    }
)
TAG_ENDINGS = _set("right huh correct yeah no okay eh")
TAG_PRONOUN = _set("you it they he she we y'all")
TAG_AUX = _set("do does did is are was were can could would will won't")
# Words that, right before "do it" / "was it", show the auxiliary is a main verb or an
# ellipsis ("had to do it", "so do I", "we did it"), not a tag question.
NOT_TAG_BEFORE = _set("to so neither nor than as not just") | AUX | NEG_AUX | SUBJECT
