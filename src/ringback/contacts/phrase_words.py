"""The word lists behind :mod:`ringback.contacts.phrasing`: the verbs, abbreviations,
typos and pronouns of notes people take about customers."""

from __future__ import annotations

import re

# Verbs that notes about customers start with, in their base form.
VERBS = frozenset(
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
EVENT_VERBS = frozenset(
    "start begin end open close launch move expire renew graduate arrive return leave join".split()  # noqa: SIM905
)
IRREGULAR_3SG = {"has": "have", "is": "are", "does": "do", "goes": "go", "was": "were"}
DOUBLED = frozenset(
    "get run stop plan shop swim ship cut sit put win begin set hit dig jog chat drop skip".split()  # noqa: SIM905
)
WANT_LEADS = re.compile(
    r"^(?:(?:wants?|would like|'d like|hopes?|plans?|needs?|aims?|(?:is )?trying|"
    r"(?:is )?looking|(?:her|his|their|the) goal is|goal is|goal:)\s+)to\s+|^to\s+",
    re.I,
)
LEAD_WORD = {"need": "need", "needs": "need", "hope": "hope", "hopes": "hope"}
DETERMINERS = frozenset(
    "a an the your my our this that these those some any more less no every each".split()  # noqa: SIM905
)
# A noun a note leaves without "her/his" that the message should say with "your".
POSSESSABLE = frozenset(
    """wife husband partner son daughter kid kids children child baby family mom dad mother
    father team office practice business company firm shop store bakery restaurant clinic
    lease building house home kitchen truck trucks fleet staff crew agency brokerage phone
    phones front new second first third next current old""".split()  # noqa: SIM905
)
ABBREVIATIONS = {
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
SECOND_PERSON = {
    "she's": "you're", "he's": "you're", "they're": "you're", "her": "your", "his": "your",
    "their": "your", "hers": "yours", "theirs": "yours", "she": "you", "he": "you",
    "they": "you", "him": "you", "them": "you", "herself": "yourself", "himself": "yourself",
    "themselves": "yourself",
}  # fmt: skip
# Ordinary words a note often opens with (capitalised only because it opens the note).
COMMON_OPENERS = frozenset(
    """cash slow high low big small busy staff insurance rent growth sales margins costs price
    prices rates too very short long open online local manual paper lots lot most half all
    both many few cost time money tax taxes payroll hiring turnover churn traffic leads
    reviews referrals inventory supply supplies demand competition lease mortgage loan debt
    season winter summer spring fall holiday holidays patients clients customers orders
    jobs job crew office practice shop kitchen website marketing bookings schedule
    scheduling billing claims weekend weekends morning mornings evening evenings agents
    drivers buyers sellers techs tenants estimates subcontractors vendors""".split()  # noqa: SIM905
)
COMMON_SUFFIXES = (
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
CONTRACTIONS = {
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
MODALS = {
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
PREDICATE_ADJECTIVES = frozenset(
    """tight slow low high down up flat behind late short expensive busy full stuck overdue
    tough hard limited maxed overwhelmed understaffed booked backed rising falling swamped
    slammed buried""".split()  # noqa: SIM905
)
A_BEFORE = re.compile(
    r"\b(\w+ing|open|buy|hire|build|add|start|launch|get|find|lease|have|expecting) "
    r"(second|new|third|bigger|larger|smaller|first) (\w+[^s\W])\b"
)
PAST = frozenset(
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
ADVERBS = frozenset("always often usually still never constantly really so very".split())  # noqa: SIM905
DONE = frozenset("done finished completed live signed approved".split())  # noqa: SIM905
MONTH = re.compile(
    r"\b(in|by|until|before|since|of|early|mid|late|end of) (january|february|march|april|may|"
    r"june|july|august|september|october|november|december)\b"
)
# Singular count nouns a note says bare ("pay off SBA loan", "become top producer") and the
# determiner a message says before their noun phrase: "your" for what the listener has,
# "the" for the one there is, "a" for one of many.
NEEDS_DETERMINER = {
    "loan": "your", "website": "your", "team": "your", "audit": "your", "book": "your",
    "crm": "your", "budget": "your", "fleet": "your", "office": "your", "practice": "your",
    "producer": "the", "rush": "the", "close": "the",
    "account": "a", "contract": "a", "deal": "a", "location": "a", "clinic": "a",
}  # fmt: skip
# Words a noun phrase follows: where its determiner goes.
PHRASE_START = frozenset(
    """to for from with without in on at by of about off into before after over under
    than and or but""".split()  # noqa: SIM905
)
# After a noun, words that show it is the head of its phrase (not "kitchen" in "kitchen
# remodel jobs"): a preposition, a verb of the clause, the end.
HEAD_FOLLOWERS = PHRASE_START | frozenset("is are was were done has had will can".split())  # noqa: SIM905
WEEKDAYS = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)(s?)\b")
