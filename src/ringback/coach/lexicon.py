"""Word lists and patterns the rules look for, compiled once at import.

Every pattern runs on the lower-cased script with ’ folded to ', so none needs IGNORECASE.
They are general phrasings of English voicemails, not the seed examples' exact words.
"""

from __future__ import annotations

import re


def _words(*alternatives: str) -> str:
    return r"\b(?:" + "|".join(alternatives) + r")\b"


def _compile(*alternatives: str) -> re.Pattern[str]:
    return re.compile(_words(*alternatives))


WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"

# -- who is calling ------------------------------------------------------------------------
INTRO = re.compile(
    r"\b(?:this is|it's|it is|my name is|i'm|i am|here's)\s+(\[your name\]|[a-z][a-z'\-]*)"
)
# "Dana here", "Jen Alvarez here from MedSupply", "Priya from Lumen": report the first name
NAME_HERE = re.compile(
    r"(?:^|[,.!;]\s*)([a-z][a-z'\-]*)(?:\s+[a-z][a-z'\-]*)?\s+(?:here\b|(?=(?:from|with) ))"
)
# after the name: "from Acme", "with Acme", "the account manager at Acme", "calling from Acme"
COMPANY_AFTER = re.compile(
    r"(?:\s+[a-z][a-z'\-]*)?[\s,]+(?:[a-z'\-]+[\s,]+){0,4}?(?:from|with|at|of)\s+"
    r"(\[your company\]|[a-z0-9&][\w&.\-]*)"
)
GREETING = re.compile(
    r"^\W*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))[\s,]+"
    r"(?:(?:dr|mr|mrs|ms|miss|prof)\.?\s+)?([a-z][a-z'\-]*)"
)
NOT_A_NAME = frozenset(
    """a an the just calling following reaching getting going looking trying hoping wondering
    writing about with from regarding great glad happy sorry so really here there your my our
    me you we us it that this what who again back also still only not now actually
    excited pleased thrilled following-up sure confident delighted everyone all team folks
    guys calling, monday tuesday wednesday thursday friday saturday sunday morning afternoon
    evening today tomorrow""".split()  # noqa: SIM905  (a word list reads better as text)
)
NOT_A_COMPANY = frozenset(
    "the a an your my our this that home work last next least all some".split()  # noqa: SIM905  (a word list reads better as text)
)

# -- follow-up -----------------------------------------------------------------------------
FOLLOW_UP = _compile(
    r"follow(?:ing|ed)?[\s-]up (?:on|from|after|about|to|with) (?:our|your|the|my|what|when|last)",
    r"(?:our|the|your|my) (?:last|recent|previous|earlier|first|great|good) "
    r"(?:call|meeting|conversation|chat|talk|visit|demo|discussion|lunch|coffee|session)",
    r"(?:our|the) (?:call|meeting|conversation|chat|talk|visit|demo|discussion|lunch|coffee) "
    r"(?:on|last|yesterday|this|earlier|at|in)",
    r"when (?:we|you and i) (?:last )?(?:spoke|met|talked|chatted|connected|discussed)",
    r"since (?:we|you and i) (?:last )?(?:spoke|met|talked|chatted)",
    r"(?:we|you and i) (?:spoke|met|talked|chatted|discussed|agreed)",
    r"you (?:mentioned|indicated|said|told me|shared|asked|explained|pointed out)",
    r"as (?:promised|discussed|agreed|we discussed)",
    r"i promised",
)
BARE_FOLLOW_UP = _compile(r"follow(?:ing|ed)?[\s-]up", r"checking in")

# -- listener vs caller --------------------------------------------------------------------
LISTENER_WORD = _compile(
    r"you", r"your", r"yours", r"yourself", r"you're", r"you've", r"you'll", r"you'd"
)
# Single words, counted over the script's tokens (a set lookup beats a regex scan here).
THANK_YOU = _compile(r"thank you")  # politeness, not attention to their goals
LISTENER_WORDS = frozenset(
    ["you", "your", "yours", "yourself", "you're", "you've", "you'll", "you'd"]
)
SELF_WORDS = frozenset(
    ["i", "me", "my", "mine", "myself", "i'm", "i've", "i'll", "i'd",
     "we", "us", "our", "ours", "we're", "we've", "we'll", "we'd"]
)  # fmt: skip
# "our last meeting", "we discussed": a shared past, not the caller talking about itself
SHARED_WE = _compile(
    r"our (?:last|next|recent|previous|earlier|first|upcoming|call|meeting|conversation|chat|"
    r"talk|discussion|demo|visit|lunch|coffee)",
    r"we (?:spoke|met|talked|discussed|chatted|agreed|covered|looked at|reviewed|did|ran|went over|"
    r"walked through|toured|visited)",
    r"(?:you and i|you and me)",
    r"(?:could|can|shall|should) we",
    r"let's",
)
CALLER_GOAL = _compile(
    r"(?:made|make|reached|come to|came to) (?:a |your |any )?decision",
    r"decided? (?:on|about|whether)",
    r"do(?:ing)? business with (?:us|me|our)",
    r"(?:love|like|want|hope|keen|glad) to (?:do|be doing|start doing) business",
    r"(?:work|working|partner|partnering) with (?:us|me)\b(?! on)",
    r"(?:had|have|got|get) (?:a |the )?chance to (?:review|look|read|go over|consider|sign)",
    r"(?:review|reviewed|sign|signed|approve|approved|accept|accepted) (?:the|my|our) "
    r"(?:proposal|quote|contract|agreement|offer|estimate|pricing|paperwork)",
    r"(?:move|moving) forward with (?:us|our|the proposal|the deal|the contract)",
    r"(?:earn|win|get|have) your business",
    r"(?:close|closing) (?:the|this|our) deal",
    r"(?:buy|purchase|order) (?:from us|our)",
    r"my (?:quota|commission|target|numbers)",
    r"where (?:you|we) stand on",
    r"(?:any )?questions (?:about|on) (?:the|my|our) (?:quote|proposal|contract|offer|estimate|pricing)",
)

# -- value ---------------------------------------------------------------------------------
OUTCOME = _compile(
    r"sav(?:e|es|ed|ing|ings)", r"cut(?:s|ting)?", r"reduc\w*", r"increas\w*", r"improv\w*",
    r"grow(?:s|th|ing)?", r"boost\w*", r"rais(?:e|es|ing)", r"lower(?:s|ing)?", r"faster",
    r"quicker", r"drive (?:up|down)", r"payback", r"pay back", r"pays for itself",
    r"return on", r"roi", r"revenue", r"profit\w*", r"productiv\w*", r"efficien\w*",
    r"output", r"margins?", r"costs?", r"downtime", r"retention", r"time back",
    r"more (?:time|sales|customers|clients|leads|deals|bookings|orders)",
    r"less (?:time|risk|paperwork|downtime|waste|stress)", r"help (?:you|your)",
    r"so (?:you|your team) can", r"free up", r"double", r"triple", r"win more",
    r"(?:under|within|below) (?:your )?budget", r"afford\w*", r"cheaper", r"easier", r"safer",
    r"simpler", r"bigger", r"larger", r"avoid\w*", r"protect\w*", r"peace of mind",
    r"solv(?:e|es|ing)", r"fix(?:es|ing)?", r"earn\w*", r"gain\w*",
)  # fmt: skip
QUANTITY = re.compile(
    r"\$\s?\d|\b\d[\d,.]*\s?(?:%|percent|per cent|x\b|times\b|hours?\b|days?\b|weeks?\b|"
    r"months?\b|minutes?\b|dollars\b|k\b|million\b|thousand\b|fold\b|units\b|clients\b|"
    r"customers\b|deals\b)|"
    + _words(
        r"doubles?|doubled|doubling|triples?|tripled|half|halve[sd]?|twice",
        r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|"
        r"hundred)[\s-]?(?:percent|hours?|days?|weeks?|months?|thousand|million|times)",
    )
)

# Concrete specifics that make value believable without an outcome verb. A credential is
# looked for in the lower-cased text; a named reference in the raw one, told by its capitals.
CREDENTIAL = re.compile(
    r"\b(?:licensed|certified|board[- ]certified|accredited|bonded|award[- ]winning|"
    r"top[- ]rated|five[- ]star|5[- ]star|\d+ years (?:of experience|in business|doing this)|"
    r"since (?:19|20)\d\d|(?:cpa|cfp|cfa|dds|dmd|pmp|soc ?2|iso ?\d{4,5}|hipaa)\b)"
)
# "Dr. Patel at Valley Dental", "Maria Lopez from Sunrise Bakery", "the Hendersons on Maple"
NAMED_REFERENCE = re.compile(
    r"\b(?:Dr|Mr|Mrs|Ms|Prof)\.? [A-Z][a-z]+|"
    r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)? (?:at|from|of) [A-Z][\w&'-]*(?: [A-Z][\w&'-]*)*|"
    r"\bthe [A-Z][a-z]+s (?:on|in|at) [A-Z][a-z]+"
)

# -- reason --------------------------------------------------------------------------------
REASON = _compile(
    r"(?:i'm|i am|i'll be|we're|we are) calling (?:to|because|about|with|regarding|since|so)",
    r"the reason (?:for my call|i'm calling|i am calling|for calling|for this call)",
    r"reason for (?:my|this) (?:call|message)",
    r"(?:i'm|i am) (?:reaching out|getting in touch|following up|ringing) (?:to|because|with|so)",
    r"(?:i'd|i would) like to (?:schedule|invite|show|share|set up|book|present|introduce|walk|"
    r"offer|send|give|bring|explore|review|discuss)",
    r"(?:i have|i've got|i found|i've found|we have|we've got) (?:an idea|a way|a (?:quick |short )?"
    r"(?:idea|suggestion|plan|proposal for you|case study|study|report)|something (?:for you|that)|"
    r"news|an update|the (?:results|numbers|findings|report|figures))",
    r"calling (?:to|because|about|with)",
)
HEDGED_REASON = _compile(
    r"i (?:just )?wanted to (?:share|invite|show|let you know|tell you|offer|give)"
)
# What follows a reason verb when nothing in particular is said: "discuss it further".
_VAGUE_TAIL = (
    r"(?:\s+(?:it|this|that|things|everything|matters|options|further|more|some more|a bit|"
    r"with you|in (?:more )?detail))*\s*(?:[.!?,;]|$)"
)
VAGUE_REASON = re.compile(
    r"\s*(?:just )?(?:check in|checking in|touch base|follow up|see if|see how|say hi|"
    r"catch up|say hello|connect|reconnect|chat)\b|"
    r"\s*(?:discuss|talk about|talk|go over|review|explore|chat about)" + _VAGUE_TAIL
)
# After a reason that ends in its own verb ("I'd like to discuss"): the vague rest.
VAGUE_OBJECT = re.compile(_VAGUE_TAIL)

# -- call to action ------------------------------------------------------------------------
PROPOSED_TIME = re.compile(
    _words(
        WEEKDAY + r"s?",
        r"tomorrow",
        r"tonight",
        r"this (?:week|afternoon|morning|evening)",
        r"next (?:week|month|" + WEEKDAY + ")",
        MONTH + r" \d{1,2}(?:st|nd|rd|th)?",
        r"end of (?:the )?(?:day|week|month)",
    )
    + r"|\b\d{1,2}(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.|o'clock)|\b\d{1,2}:\d\d\b"
)
NAMED_MEETING = _compile(
    r"(?:schedule|book|set up|put|hold|grab|plan|join|meet for|confirm|lock in|arrange|"
    r"find time for|get)[^.?!]{0,40}\b(?:meeting|call|demo|walkthrough|walk-through|review|session|"
    r"visit|tour|consultation|appointment|lunch|coffee|workshop|webinar|event|briefing|"
    r"presentation)",
    r"(?:our|the|a) (?:next|follow-up|follow up) (?:meeting|call|session|step)",
    r"(?:\d+|five|ten|fifteen|twenty|thirty)[\s-]?min(?:ute)?s?\b[^.?!]{0,15}\b"
    r"(?:call|meeting|chat|demo|review|walkthrough|session)",
)
# A weekday in "our call last Thursday" is the past, not a proposed time.
PAST_REFERENCE = _compile(
    r"last", r"ago", r"yesterday", r"earlier", r"met", r"spoke", r"talked", r"mentioned",
    r"said", r"was", r"were", r"did", r"had",
)  # fmt: skip
INTERROGATIVE = re.compile(
    r"^\W*(?:who|what|which|when|where|how|would|could|does|do|is|are|can|shall|should|will)\b"
)
# Questions that ask nothing in particular are not a next step.
GENERIC_QUESTION = _compile(
    r"any (?:other )?questions",
    r"does (?:that|this) (?:make sense|sound good)",
    r"what do you think",
    r"sound good",
    r"(?:are|were) you interested",
    r"(?:did|do) you get my",
)
BARE_CALLBACK = _compile(
    r"call (?:me|us) back",
    r"give (?:me|us) a (?:call|ring|shout)(?: back)?",
    r"call (?:me|us)",
    r"return (?:my|this) call",
    r"get back to me",
    r"reach out",
    r"let me know",
    r"hear from you",
    r"call back",
)

# -- weak phrases, energy, media -----------------------------------------------------------
WEAK = _compile(
    r"just (?:checking in|touching base|wanted to|calling to|following up|reaching out)",
    r"checking in",
    r"touch(?:ing)? base",
    r"sorry (?:to|for) (?:bother|bothering|call|calling|leave|leaving|interrupt|disturb)\w*",
    r"(?:whenever|when|if) you (?:get|have|find) (?:a )?(?:chance|moment|minute)",
    r"i was (?:just )?wondering (?:if|whether)",
    r"i was hoping (?:that |maybe |you )",
    r"i know you(?:'re| are) (?:busy|swamped|slammed)",
    r"i hate to bother",
    r"hope i'm not bothering",
    r"if it's not too much trouble",
    r"no pressure",
    r"(?:haven't|have not) heard (?:back )?from you",
    r"i don't want to take up",
)
POSITIVE = _compile(
    r"great", r"excited", r"exciting", r"glad", r"happy", r"pleased", r"delighted",
    r"looking forward", r"look forward", r"confident", r"realistic", r"strong(?:er)?",
    r"perfect", r"terrific", r"fantastic", r"excellent", r"good news", r"wins?",
    r"opportunit(?:y|ies)", r"improvements?", r"progress", r"success(?:ful)?", r"thrilled",
    r"impressive", r"promising", r"valuable", r"let's", r"i will", r"i'll", r"definitely",
    r"certainly", r"absolutely",
)  # fmt: skip
HEDGE = _compile(
    r"maybe", r"perhaps", r"kind of", r"sort of", r"i think", r"i guess", r"i suppose",
    r"hopefully", r"probably", r"possibly", r"might be able", r"try to", r"not sure",
    r"no big deal", r"no worries", r"um+", r"uh+", r"unfortunately", r"i'm afraid",
    r"worried", r"i hate to", r"i don't know",
)  # fmt: skip
MEDIA = _compile(
    r"e-?mail(?:ed|ing|s)?",
    r"inbox",
    r"(?:send|sent|sending) you",
    r"text(?:ed)? you",
    r"linkedin",
    r"calendar invite",
    r"in writing",
)

# -- live-call openers ---------------------------------------------------------------------
HOW_ARE_YOU = _compile(
    r"how (?:are|r) (?:you|ya)(?: doing)?(?: today| this (?:morning|afternoon|evening))?",
    r"how's (?:it going|your day|everything|life)",
    r"how are things",
    r"how have you been",
    r"how is your day",
)
PITCH = _compile(
    r"our (?:[a-z0-9\-]+ ){0,2}(?:product|service|solution|platform|software|tool|app|offer|offering)s?",
    r"(?:we|we're|we are) (?:now )?(?:offer|offering|provide|providing|sell|selling|specialize|"
    r"specialise|are the leading|are a leading|help companies|help businesses)",
    r"free (?:[a-z]+ ){0,2}(?:installation|consultation|trial|quote|estimate|demo)s?",
    r"this (?:week|month) only",
    r"(?:special|limited[- ]time|exclusive) (?:offer|deal|promotion)",
    r"discounts?",
    r"free trial",
    r"(?:i'd|i would) like to tell you about",
    r"let me tell you about",
    r"introduce (?:you to )?our",
    r"save up to",
    r"best (?:price|deal)",
    r"leading provider",
)
RESPECT_TIME = _compile(
    r"is (?:now|this) (?:a )?(?:good|bad|ok|okay|convenient) time",
    r"(?:do|did) (?:you|i) (?:have|catch you)",
    r"(?:have|got|spare) (?:a|two|a few|one|thirty|30) (?:moment|minute|minutes|seconds|mins?)",
    r"i'll be brief",
    r"i'll keep (?:this|it) (?:short|brief|quick)",
    r"(?:only|just) take (?:a|two|a few) (?:moment|minutes?)",
    r"respect your time",
    r"a good time to talk",
)

# -- language check ------------------------------------------------------------------------
ENGLISH_STOPWORDS = frozenset(
    """the and you your to is of for this that with on i it be are was have from at we our my
    will can would about in if what who how please call me hi hello thanks thank just get an
    not but or as so do did they them their there here back when up out by""".split()  # noqa: SIM905  (a word list reads better as text)
)
