"""Back-story notes as phrases a message can say (issue 14 §4).

People take notes the way they think: "grow prod 20% this yr", "new job in Palo Alto starts
Mar 1", "plays tennis on wknds", "relocate the dental practice". Pasted into a template
("you mentioned new job in Palo Alto starts…", "a voicemail about relocate the…") they read
as a machine's. :func:`suggest_phrase` turns a note into a :class:`Phrase`, a *form* and a
*text* in the listener's terms, and each sentence frame asks the phrase for the part it
needs: :attr:`Phrase.mentioned` after "when we spoke, …", :attr:`Phrase.topic` after
"about", :attr:`Phrase.action` after "help you". A note that fits none of the shapes below
is quoted as written ("you mentioned: '…'"), never bent into a wrong sentence.

Why rules and not a statistical parser (spaCy's ``en_core_web_sm``): the official English
pipelines are published on GitHub releases, not PyPI; the PyPI packages of that name are
re-uploads by third parties whose provenance cannot be checked (issue 14 asks for it). The
job is also narrow: a note is one to fifteen words, and what decides the sentence is its
first word (a bare verb, a verb with -s, an -ing word, a determiner) and whether a finite
verb follows a subject. A tagger trained on news text guesses exactly those words worst in
telegraphic notes ("plays tennis wknds" has no subject), while a lexicon of the verbs that
notes about customers use, with English's regular inflections, gets them right and
deterministically, in microseconds and without a 12 MB model. The corpus in
``docs/examples/`` (``scripts/compose_examples.py``) and its tests hold the rules to that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Verbs that notes about customers start with, in their base form.
_VERBS = frozenset(
    """increase reduce cut grow hire spend get launch expand save open retire buy pay build move
    improve double triple win lower raise find sell become have take make finish start travel
    send upgrade replace hit reach free automate scale close shorten speed simplify consolidate
    modernize modernise migrate streamline protect keep stay boost drive land enter earn fund
    learn mentor train give volunteer attract retain relocate switch refinance renovate remodel
    add fix list downsize upsize franchise digitize outsource partner bring cater bake ship
    install certify license market promote recruit onboard lease purchase acquire merge invest
    diversify play run ride coach cook garden fish hunt hike ski surf sail swim bike read
    collect restore brew paint sing dance climb camp own love like enjoy want need plan hope
    try go do be see coach teach write sponsor host rebuild replace transition sign secure
    renew expire end begin graduate arrive return leave join quit update roll lose apply
    struggle wait deal handle manage hate worry chase track juggle spend cover serve book
    stop outgrow qualify pass prepare lock reopen renegotiate negotiate complete pursue
    hold specialize specialise sponsor coordinate digitise double ring hand pass turn
    overwhelm eat kill""".split()  # noqa: SIM905  (a word list reads better as text)
)
# Verbs whose 3rd-person form after a subject marks an event a participle can carry:
# "new job starts March 1" → "a new job starting March 1".
_EVENT_VERBS = frozenset(
    "start begin end open close launch move expire renew graduate arrive return leave join".split()  # noqa: SIM905
)
_IRREGULAR_3SG = {"has": "have", "is": "are", "does": "do", "goes": "go", "was": "were"}
_DOUBLED = frozenset(
    "get run stop plan shop swim ship cut sit put win begin set hit dig jog chat drop skip".split()  # noqa: SIM905
)
_WANT_LEADS = re.compile(
    r"^(?:(?:wants?|would like|'d like|hopes?|plans?|needs?|aims?|(?:is )?trying|"
    r"(?:is )?looking|(?:her|his|their|the) goal is|goal is|goal:)\s+)to\s+|^to\s+",
    re.I,
)
_LEAD_WORD = {"need": "need", "needs": "need", "hope": "hope", "hopes": "hope"}
_DETERMINERS = frozenset(
    "a an the your my our this that these those some any more less no every each".split()  # noqa: SIM905
)
# A noun a note leaves without "her/his" that the message should say with "your".
_POSSESSABLE = frozenset(
    """wife husband partner son daughter kid kids children child baby family mom dad mother
    father team office practice business company firm shop store bakery restaurant clinic
    lease building house home kitchen truck trucks fleet staff crew agency brokerage phone
    phones front new second first third next current old""".split()  # noqa: SIM905
)
_ABBREVIATIONS = {
    "yr": "year", "yrs": "years", "mo": "month", "mos": "months", "wk": "week", "wks": "weeks",
    "wknd": "weekend", "wknds": "weekends", "w/": "with", "w/o": "without", "b/c": "because",
    "bc": "because", "&": "and", "approx": "about", "appt": "appointment", "appts": "appointments",
    "mgr": "manager", "mgmt": "management", "prod": "production", "biz": "business",
    "dept": "department", "emps": "employees", "ppl": "people", "hrs": "hours", "hr": "hour",
    "mins": "minutes", "info": "information", "thru": "through", "asap": "soon", "rev": "revenue",
    "yoy": "year over year", "bday": "birthday", "govt": "government", "sq": "square",
    "ft": "feet", "pct": "%", "percent": "%", "jan": "January", "feb": "February", "mar": "March",
    "apr": "April", "jun": "June", "jul": "July", "aug": "August", "sep": "September",
    "sept": "September", "oct": "October", "nov": "November", "dec": "December", "mon": "Monday",
    "tues": "Tuesday", "wed": "Wednesday", "thurs": "Thursday", "fri": "Friday",
    "teh": "the", "recieve": "receive", "buisness": "business", "busines": "business",
    "managment": "management", "hygenist": "hygienist", "hygenists": "hygienists",
    "restaraunt": "restaurant", "untill": "until", "alot": "a lot", "thier": "their",
    "tommorow": "tomorrow", "calender": "calendar", "expantion": "expansion",
    "retirment": "retirement", "referals": "referrals", "insurence": "insurance",
    "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth", "b4": "before",
    "acct": "account", "accts": "accounts",
    "1st": "first", "q1": "Q1", "q2": "Q2", "q3": "Q3", "q4": "Q4", "eoy": "the end of the year",
}  # fmt: skip
# Pronouns about the contact, said to them.
_SECOND_PERSON = {
    "she's": "you're", "he's": "you're", "they're": "you're", "her": "your", "his": "your",
    "their": "your", "hers": "yours", "theirs": "yours", "she": "you", "he": "you",
    "they": "you", "him": "you", "them": "you", "herself": "yourself", "himself": "yourself",
    "themselves": "yourself",
}  # fmt: skip
# Ordinary words a note often opens with (capitalised only because it opens the note).
_COMMON_OPENERS = frozenset(
    """cash slow high low big small busy staff insurance rent growth sales margins costs price
    prices rates too very short long open online local manual paper lots lot most half all
    both many few cost time money tax taxes payroll hiring turnover churn traffic leads
    reviews referrals inventory supply supplies demand competition lease mortgage loan debt
    season winter summer spring fall holiday holidays patients clients customers orders
    jobs job crew office practice shop kitchen website marketing bookings schedule
    scheduling billing claims weekend weekends morning mornings evening evenings agents
    drivers buyers sellers techs tenants estimates subcontractors vendors""".split()  # noqa: SIM905
)
_COMMON_SUFFIXES = (
    "al",
    "ly",
    "ing",
    "ed",
    "tion",
    "sion",
    "ment",
    "ness",
    "ity",
    "ive",
    "ous",
    "ful",
    "less",
    "able",
    "ible",
    "er",
    "ers",
)
_CONTRACTIONS = {
    "cant": "can't",
    "dont": "don't",
    "wont": "won't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "arent": "aren't",
    "didnt": "didn't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "shes": "she's",
    "hes": "he's",
    "theyre": "they're",
}
_MODALS = {
    "can't": "can't",
    "cannot": "can't",
    "can": "can",
    "won't": "won't",
    "don't": "don't",
    "doesn't": "don't",
    "isn't": "aren't",
    "didn't": "didn't",
    "hasn't": "haven't",
    "is": "are",
    "was": "were",
    "will": "will",
    "wouldn't": "wouldn't",
}
# A note's predicate without its verb: "cash flow tight in winter" → "cash flow is tight…".
_PREDICATE_ADJECTIVES = frozenset(
    """tight slow low high down up flat behind late short expensive busy full stuck overdue
    tough hard limited maxed overwhelmed understaffed booked backed rising falling swamped
    slammed buried""".split()  # noqa: SIM905
)
_A_BEFORE = re.compile(
    r"\b(\w+ing|open|buy|hire|build|add|start|launch|get|find|lease|have|expecting) "
    r"(second|new|third|bigger|larger|smaller|first) (\w+[^s\W])\b"
)
_PAST = frozenset(
    [
        "got",
        "won",
        "bought",
        "sold",
        "lost",
        "became",
        "took",
        "made",
        "left",
        "had",
        "began",
        "built",
        "hired",
        "opened",
        "moved",
        "raised",
        "signed",
        "closed",
        "started",
        "launched",
        "joined",
        "finished",
        "passed",
        "married",
    ]
)
_ADVERBS = frozenset("always often usually still never constantly really so very".split())  # noqa: SIM905
_DONE = frozenset("done finished completed live signed approved".split())  # noqa: SIM905
_MONTH = re.compile(
    r"\b(in|by|until|before|since|of|early|mid|late|end of) (january|february|march|april|may|"
    r"june|july|august|september|october|november|december)\b"
)
_TOKEN = re.compile(r"[\w'’/&%$.,-]+|\S")
_SEGMENT = re.compile(r"\s*(?:[;\n]|\.\s|,\s(?=\w+\s)|\s[-–—]\s|\s/\s|\s\+\s)\s*")
_GROW_VERBS = frozenset("grow increase cut reduce raise lower boost double".split())  # noqa: SIM905
_BARE_PERCENT = re.compile(r"^(\w+(?: \w+){0,3}?) (\d[\d.]*\s?%)")
MAX_PHRASE_WORDS = 14  # past this a phrase is a paragraph, not part of a 30-second message


@dataclass(frozen=True)
class Phrase:
    """A back-story item in the listener's terms, and the sentence parts built from it.

    ``form`` is "goal" (a base verb phrase they want: "grow production by 20% this year"),
    "noun" (a noun phrase: "your new job in Palo Alto starting March 1"), "clause" (a
    sentence about them: "hiring hygienists takes three months") or "quote" (a note that
    fits no shape, said back in quotation marks).
    """

    form: str
    text: str
    lead: str = "want"  # goals: "you want to …", "you need to …", "you hope to …"

    @property
    def mentioned(self) -> str:
        """After "when we spoke, …": "you mentioned you want to grow production…"."""
        if self.form == "goal":
            return f"you mentioned you {self.lead} to {self.text}"
        if self.form == "clause":
            return f"you mentioned that {self.text}"
        if self.form == "quote":
            return f"you mentioned: '{self.text}'"
        return f"you mentioned {self.text}"

    @property
    def topic(self) -> str | None:
        """After "about" or "coming back to"; None when only a whole sentence fits."""
        if self.form == "goal":
            return f"your plan to {self.text}"
        return self.text if self.form == "noun" else None

    @property
    def action(self) -> str | None:
        """After "help you": the goal's verb phrase, or None."""
        return self.text if self.form == "goal" else None

    @property
    def words(self) -> int:
        return len(self.text.split())


def _expand(word: str) -> str:
    key = word.lower().rstrip(".,")
    return _ABBREVIATIONS.get(key) or _CONTRACTIONS.get(key) or word


def _normalise(text: str) -> list[str]:
    """Words of a note with abbreviations, common typos and pronouns put right."""
    text = text.replace("’", "'").strip().rstrip(" .!;:,")
    words: list[str] = []
    for token in _TOKEN.findall(text):
        for part in _expand(token).split():
            low = part.lower()
            words.append(_SECOND_PERSON.get(low, part))
    joined = " ".join(words)
    joined = re.sub(r"(\d)\s+%", r"\1%", joined)  # "20 pct" → "20%"
    joined = _MONTH.sub(lambda m: f"{m.group(1)} {m.group(2).capitalize()}", joined)
    joined = re.sub(r"\s+([,.;:!?])", r"\1", joined)
    return joined.split()


def _base_of_3sg(word: str) -> str | None:
    low = word.lower()
    if low in _IRREGULAR_3SG:
        return _IRREGULAR_3SG[low]
    if not low.endswith("s") or len(low) < 3:
        return None
    for base in (
        low[:-3] + "y" if low.endswith("ies") else "",
        low[:-2] if low.endswith(("ches", "shes", "sses", "xes", "zes", "oes")) else "",
        low[:-1],
    ):
        if base and base in _VERBS:
            return base
    return None


def gerund(verb: str) -> str:
    """ "play" → "playing", "relocate" → "relocating", "get" → "getting"."""
    low = verb.lower()
    if low in ("be", "see", "ski", "free"):
        return low + "ing"
    if low.endswith("ie"):
        return low[:-2] + "ying"
    if low in _DOUBLED:
        return low + low[-1] + "ing"
    if low.endswith("e") and not low.endswith(("ee", "oe", "ye")):
        return low[:-1] + "ing"
    return low + "ing"


def _lower_first(words: list[str]) -> list[str]:
    first = words[0]
    # Keep names, acronyms and "I": only an ordinary word loses its capital.
    low = first.lower()
    if first[1:].islower() and (
        low in _COMMON_OPENERS
        or (low.endswith(_COMMON_SUFFIXES) and not low.endswith("'s"))
        or first.lower() in _VERBS
        or first.lower() in _DETERMINERS
        or first.lower() in _POSSESSABLE
        or first.lower().endswith(("ing", "ed"))
        or first.lower() in _SECOND_PERSON.values()
    ):
        return [first.lower(), *words[1:]]
    return words


def _by_percent(text: str, verb: str) -> str:
    """ "grow production 20%" → "grow production by 20%"."""
    if verb not in _GROW_VERBS or " by " in f" {text} ":
        return text
    return _BARE_PERCENT.sub(r"\1 by \2", text, count=1)


def _possessed(words: list[str]) -> list[str]:
    """ "new job in Palo Alto" → "your new job in Palo Alto" (a note drops the "her")."""
    first = words[0].lower()
    if first in _DETERMINERS or first.endswith("'s") or first not in _POSSESSABLE:
        return words
    return ["your", *words]


def _finite_at(words: list[str]) -> int:
    """Index of the first finite verb after a subject ("job … starts"), or -1."""
    for i, word in enumerate(words[1:], start=1):
        low = word.lower().rstrip(",")
        if low in ("is", "are", "was", "were", "can't", "won't", "doesn't", "don't", "takes"):
            return i
        if _base_of_3sg(low) and words[i - 1].lower() not in _DETERMINERS:
            return i
        prev = words[i - 1].lower()
        if low in _VERBS and prev.endswith("s") and not prev.endswith(("ss", "'s")):
            return i  # a plural subject and its verb: "tenant complaints take days"
    return -1


def _shape(words: list[str], kind: str) -> Phrase | None:
    """The phrase for one segment of a note, or None when no shape fits."""
    if len(words) > 1 and words[0].lower() in ("you", "you're"):
        words = words[1:]  # "she wants to…" / "he's expanding…": the contact is the subject
    if words[0].lower() in _MODALS and len(words) > 1:  # "can't find hygienists"
        return Phrase("clause", " ".join(["you", _MODALS[words[0].lower()], *words[1:]]))
    text = " ".join(words)
    lead = _WANT_LEADS.match(text)
    if lead:
        rest = text[lead.end() :].split()
        first_word = lead.group().split()[0].lower()
        if rest and rest[0].lower() in _VERBS:
            rest = _lower_first(rest)
            verb = rest[0]
            return Phrase(
                "goal", _by_percent(" ".join(rest), verb), _LEAD_WORD.get(first_word, "want")
            )
        return None
    first = words[0].lower()
    goal_like = kind.endswith("_goal")
    if first in ("just", "recently") or first in _PAST:  # "just raised series A"
        return Phrase("clause", " ".join(["you", *_lower_first(words)]))
    if first == "into" and len(words) > 1:  # "into vintage motorcycles"
        return Phrase("noun", " ".join(words[1:]))
    if (goal_like and words[-1].lower() in _DONE) or (
        goal_like and len(words) > 2 and words[-3].lower() in _DONE
    ):  # "SOC 2 audit done by March" → "get SOC 2 audit done by March"
        return Phrase("goal", " ".join(["get", *words]))
    if first in _VERBS and first not in ("have", "be", "do", "go", "want", "need", "like"):
        words = _lower_first(words)
        if goal_like or kind == "challenge":
            return Phrase(
                "goal",
                _by_percent(" ".join(words), first),
                "need" if kind == "challenge" else "want",
            )
        return Phrase("noun", " ".join([gerund(first), *words[1:]]))  # "playing tennis on weekends"
    base = _base_of_3sg(first)
    if base:  # the contact is the subject: "plays tennis", "has three kids", "starts a new job"
        rest = words[1:]
        if base in ("love", "like", "enjoy") and rest:
            return Phrase("noun", " ".join(_lower_first(rest)))  # "loves sailing" → "sailing"
        if base in ("want", "need") and rest and rest[0].lower() not in _VERBS:
            # "wants 200 new policies in Q1" → "you want to get 200 new policies in Q1"
            return Phrase("goal", " ".join(["get", *rest]), base)
        if base in ("want", "need", "hope", "plan"):
            return None  # "hopes a bigger office" → quote it rather than guess
        if kind == "interest":  # "plays tennis on weekends" → "playing tennis on weekends"
            return Phrase("noun", " ".join([gerund(base), *rest]))
        return Phrase("clause", " ".join(["you", base, *rest]))
    if first.endswith("ing") and len(first) > 4:
        words = _lower_first(words)
        if _finite_at(words) > 0:  # "onboarding new hires takes 2 weeks": a gerund subject
            return Phrase("clause", " ".join(words))
        if len(words) > 1 and words[1].lower() in _POSSESSABLE - {"new", "second", "first"}:
            words = [words[0], "your", *words[1:]]  # "moving office" → "moving your office"
        return Phrase("noun", " ".join(words))
    at = _finite_at(words)
    if at < 0:
        return _verbless(_possessed(_lower_first(words)))
    subject, verb, rest = words[:at], words[at].lower(), words[at + 1 :]
    subject = _possessed(_lower_first(subject))
    base = _base_of_3sg(verb)
    if base in _EVENT_VERBS:  # "new job starts March 1" → "your new job starting March 1"
        return Phrase("noun", " ".join([*subject, gerund(base), *rest]))
    return Phrase("clause", " ".join([*subject, words[at], *rest]))


def _verbless(words: list[str]) -> Phrase:
    """A note without a verb: a noun phrase, or a clause when a predicate adjective follows
    its subject ("insurance payments slow" → "insurance payments are slow")."""
    for i, word in enumerate(words[1:], start=1):
        if words[i - 1].lower().endswith("ing"):
            break  # "son graduating high school": the participle is the predicate
        if word.lower().rstrip(",") in _PREDICATE_ADJECTIVES:
            if words[i - 1].lower() in _ADVERBS and i > 1:
                i -= 1  # "subcontractors always late" → "…are always late"
            head = words[i - 1].lower()
            plural = head.endswith("s") and not head.endswith(("ss", "us", "is"))
            return Phrase("clause", " ".join([*words[:i], "are" if plural else "is", *words[i:]]))
    return Phrase("noun", " ".join(words))


def suggest_phrase(note: str, kind: str = "") -> Phrase:
    """The phrase to say for a back-story ``note`` of ``kind`` (a BackStoryKind value).

    Run-on notes are read up to their first break (";", " - ", ", " before another clause):
    the first item is the one the message speaks to. A note no shape fits, or one too long
    to say in a 30-second message, comes back as a "quote" of the note as written.
    """
    note = " ".join(note.split())
    for segment in _SEGMENT.split(note)[:1]:
        words = _normalise(segment)
        if not words or len(words) > MAX_PHRASE_WORDS or "?" in segment:
            break
        phrase = _shape(words, kind)
        if phrase is not None and phrase.text:
            return Phrase(phrase.form, _tidy(phrase.text), phrase.lead)
    return Phrase("quote", note.rstrip(" .;,"))


def _tidy(text: str) -> str:
    text = re.sub(r"\b(\w+) \1\b", r"\1", text, flags=re.I)  # "the the" → "the"
    text = _A_BEFORE.sub(r"\1 a \2 \3", text)  # "expecting second baby" → "…a second baby"
    return text.rstrip(" ,.;:-")


def phrase_of(text: str, kind: str, accepted: str | None = None) -> Phrase:
    """The phrase a message uses: the one the user accepted or wrote, else the suggestion."""
    if accepted and accepted.strip():
        return suggest_phrase(accepted, kind)
    return suggest_phrase(text, kind)
