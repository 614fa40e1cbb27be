"""Two yes/no signals: is the message urgent, and is the caller a new prospect.

Both are keyword evidence weighed with care for negation: "no rush", "not urgent" and
"it's not an emergency" must not raise the flag that "urgent" and "emergency" would.
"""

from __future__ import annotations

import re

_URGENT = re.compile(
    r"\b(urgent(?:ly)?|asap|a\.s\.a\.p\.?|as\s+soon\s+as\s+(?:possible|you\s+can|you\s+get\s+this)"
    r"|emergency|right\s+away|immediately|time[\s-]sensitive|critical|deadline\s+(?:is\s+)?today"
    r"|straight\s+away|right\s+now|important\s+that\s+you|time\s+is\s+of\s+the"
    r"\s+essence|expires?\s+(?:today|tonight)|need\s+an\s+answer\s+today|before\s+it'?s\s+too\s+late"
    r"|first\s+thing\s+(?:in\s+the\s+morning|tomorrow))\b",
    re.IGNORECASE,
)
_NEGATION_BEFORE = re.compile(
    r"\b(?:not|no|isn'?t|it'?s\s+not|nothing|never|n'?t|without)\b[\w\s']{0,12}$", re.IGNORECASE
)
_CALM = re.compile(
    r"\b(no\s+rush|no\s+hurry|earliest\s+convenience|not\s+urgent|no\s+pressure|whenever\s+you\s+(?:get\s+a\s+chance|can|have"
    r"\s+a\s+(?:minute|moment|second))|at\s+your\s+convenience|when\s+you\s+have\s+(?:a\s+)?(?:time|"
    r"chance|minute|moment)|not\s+(?:a\s+big\s+deal|time[\s-]sensitive|an\s+emergency)|no\s+need\s+to"
    r"\s+(?:call|rush))\b",
    re.IGNORECASE,
)
# A request tied to today ("call me back today", "before five", "by end of day").
_TODAY_REQUEST = re.compile(
    r"\b(?:call|get\s+back|reach|hear\s+(?:back\s+)?from|respond|reply|talk|speak|need|sign|signed"
    r"|answer|decide|decision|back\s+to\s+me)\b[^.?!]{0,40}?\b(?:today|this\s+afternoon"
    r"|before\s+(?:five|5|four|4|six|6|noon|the\s+end\s+of\s+the\s+day)|by\s+(?:the\s+)?end\s+of"
    r"\s+(?:the\s+)?(?:business\s+)?day|by\s+(?:five|5|four|4|noon|tonight))\b"
    r"|\b(?:today|tonight)\b[^.?!]{0,25}\bif\s+(?:at\s+all\s+)?possible\b",
    re.IGNORECASE,
)

_NEW = re.compile(
    r"\b(saw|seen|found|came\s+across|noticed|spotted)\s+(?:your|the)\s+(?:\w+\s+){0,2}?"
    r"(listing|ad|advert|advertisement|sign|website|site|profile|post|page|flyer|card|review|"
    r"billboard|video|mailer|postcard|product|company|services|work|article|podcast|channel)"
    r"|\bfound\s+(?:you|your\s+(?:name|number))\s+(?:on|online|through|via)"
    r"|\bgot\s+your\s+(?:number|name|info|information|card|contact)\s+from"
    r"|\b(?:friend|neighbou?r|colleague|coworker|co-worker|someone|client\s+of\s+yours|cousin|sister"
    r"|brother)\s+(?:of\s+mine\s+)?(?:referred|recommended|gave\s+me|passed\s+along|suggested)"
    r"|\breferred\s+(?:me|us|by)\b|\brecommended\s+you\b"
    r"|\blooking\s+for\s+(?:a|an|someone|somebody)\s+(?:good\s+)?(?:to|who|agent|realtor|real\s+estate"
    r"|broker|company|contractor|provider|help|lender|vendor|supplier)"
    r"|\binterested\s+in\s+(?:your\s+(?:services|product|company|listing|property|home|house)|working"
    r"\s+with|buying|selling|listing|learning\s+more|getting\s+a\s+quote|hiring)"
    r"|\binterested\s+in\s+(?:the|your|that|this)\s+(?:[\w-]+\s+){0,3}?(?:listing|property|home|"
    r"house|unit|apartment|condo|rental|place|bedroom|townhouse|lot|office|space)\b"
    r"|\bwe\s+(?:haven'?t|have\s+not|never)\s+(?:spoken|met|talked|worked)"
    r"|\byou\s+don'?t\s+know\s+me\b|\bfirst\s+time\s+(?:calling|reaching)"
    r"|\bthinking\s+(?:about|of)\s+(?:selling|buying|listing|hiring|switching)"
    r"|\b(?:new\s+to\s+the\s+area|just\s+moved)\b|\bhow\s+do\s+you\s+(?:work|charge)\b",
    re.IGNORECASE,
)
_EXISTING = re.compile(
    r"\bfollow(?:ing)?[\s-]+up\b|\bfollow[\s-]+up\s+on\b|\bas\s+(?:we\s+)?discussed\b"
    r"|\breturning\s+your\s+call\b|\bgetting\s+back\s+to\s+you\b|\b(?:when|like)\s+we\s+"
    r"(?:spoke|talked|met)\b|\bwe\s+(?:spoke|talked|met)\s+(?:last|yesterday|earlier|on|about)"
    r"|\blast\s+time\s+we\s+(?:spoke|talked|met)\b|\bper\s+our\s+(?:conversation|call|meeting)\b"
    r"|\bour\s+(?:meeting|call|conversation|appointment|contract|deal|closing)\b"
    r"|\byou\s+(?:sent|showed|emailed|told)\s+me\b|\bmy\s+(?:account|order|agent|policy|closing)\b"
    r"|\bcalling\s+(?:you\s+)?(?:back|again)\b|\b(?:it'?s|this\s+is)\s+\w+\s+again\b"
    r"|\bthe\s+(?:contract|paperwork|documents|offer)\s+you\s+(?:sent|mentioned|drew\s+up)\b"
    r"|\bour\s+client\b|\byour\s+client\b|\bstill\s+(?:interested|on\s+for)\b",
    re.IGNORECASE,
)


def _negated(text: str, start: int) -> bool:
    return bool(_NEGATION_BEFORE.search(text[max(0, start - 30) : start]))


def is_urgent(text: str) -> bool:
    for m in _URGENT.finditer(text):
        if not _negated(text, m.start()):
            return True
    if _CALM.search(text):
        return False
    return bool(_TODAY_REQUEST.search(text))


def is_prospect(text: str) -> bool:
    """New prospect: first-contact evidence and no sign of an existing relationship."""
    new = len(_NEW.findall(text))
    existing = len(_EXISTING.findall(text))
    return new > 0 and new > existing
