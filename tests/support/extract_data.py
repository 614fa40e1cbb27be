"""A hand-written corpus of voicemail transcripts with the facts a person would note down.

Written the way Whisper tiny.en writes: sometimes punctuated and capitalised, sometimes
one lower-case run; numbers sometimes digits, sometimes words. Unless a case says
otherwise it was received Monday 2026-11-23 10:15 in America/New_York, so "Thursday" is
2026-11-26 and "tomorrow" 2026-11-24. The expectations are what a careful assistant would
write down, not what the extractor happens to produce; known misses are listed in
KNOWN_MISSES (tests/support/extract_data_blind.py) with the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
RECEIVED = datetime(2026, 11, 23, 10, 15, tzinfo=NY)


def case(text: str, **expected: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "text": text,
        "received_at": RECEIVED,
        "tz": NY,
        "caller_name": None,
        "company": None,
        "emails": [],
        "dates": [],
        "amounts": [],
        "addresses": [],
        "intent": "message",
        "summary_has": [],
        "urgent": False,
        "is_prospect": False,
    }
    base.update(expected)
    return base


CORPUS: dict[str, dict[str, Any]] = {
    "realtor_meet_thursday": case(
        "Hi, this is Sarah Chen from Northwind Realty. I'm calling about the listing on 123 "
        "Main Street. Could we meet Thursday at two? You can reach me at sarah dot chen at "
        "northwind dot com. Thanks.",
        caller_name="Sarah Chen",
        company="Northwind Realty",
        emails=["sarah.chen@northwind.com"],
        dates=["2026-11-26T14:00:00-05:00"],
        addresses=["123 Main Street"],
        intent="meet",
        summary_has=["Thursday 2 pm", "123 Main Street"],
    ),
    "lowercase_offer_words": case(
        "hey its mike again following up on the offer for four fifty elm avenue they came back "
        "at four hundred fifty thousand dollars so give me a call back as soon as possible",
        caller_name="Mike",
        amounts=["$450,000"],
        addresses=["450 Elm Avenue"],
        intent="callback",
        urgent=True,
    ),
    "prospect_saw_listing": case(
        "Hi, my name is Priya Patel. I saw your listing on Zillow for the house at 88 Oak Lane "
        "and I'm interested. Is the price still 1.2 million? No rush, call me whenever.",
        caller_name="Priya Patel",
        amounts=["$1,200,000"],
        addresses=["88 Oak Lane"],
        intent="price",
        is_prospect=True,
    ),
    "customer_send_contract": case(
        "Hello, it's Tom Becker with Acme Logistics. Can you send me the signed contract by "
        "Friday? My email is tbecker at acme logistics dot com. Thanks a lot.",
        caller_name="Tom Becker",
        company="Acme Logistics",
        emails=["tbecker@acmelogistics.com"],
        dates=["2026-11-27"],
        intent="send",
        summary_has=["contract"],
    ),
    "urgent_closing_today": case(
        "This is Linda from First Title. It's urgent, the closing documents need to be signed "
        "today before five. Please call me back right away.",
        caller_name="Linda",
        company="First Title",
        dates=["2026-11-23T17:00:00-05:00"],
        intent="callback",
        urgent=True,
    ),
    "not_urgent_negation": case(
        "hi this is john smith it's not urgent at all just wanted to ask a quick question about "
        "the hoa fees whenever you get a chance",
        caller_name="John Smith",
        intent="question",
    ),
    "tomorrow_morning_callback": case(
        "Hey, Dave here from Pacific Mortgage. Give me a call tomorrow morning, I have an update "
        "on the rate, we can lock in at six point two five percent.",
        caller_name="Dave",
        company="Pacific Mortgage",
        dates=["2026-11-24T09:00:00-05:00"],
        amounts=["6.25%"],
        intent="callback",
    ),
    "after_three_tomorrow": case(
        "Hi, it's Karen Lopez. Returning your call. I'm in meetings all morning but you can "
        "call me after three tomorrow.",
        caller_name="Karen Lopez",
        dates=["2026-11-24T15:00:00-05:00"],
        intent="callback",
        summary_has=["tomorrow after 3 pm"],
    ),
    "referral_prospect": case(
        "Hello, my name is Greg Olsen. I got your number from my neighbor, she said you sold "
        "her house fast. We're thinking about selling our place at 2210 Birch Road sometime "
        "next spring. Give me a call.",
        caller_name="Greg Olsen",
        addresses=["2210 Birch Road"],
        intent="callback",
        is_prospect=True,
    ),
    "spelled_email": case(
        "hi this is anna kowalski k o w a l s k i my email is a kowalski at gmail dot com "
        "please send over the disclosures",
        caller_name="Anna Kowalski",
        emails=["akowalski@gmail.com"],
        intent="send",
    ),
    "written_email": case(
        "Hi, this is Ben from Brightside Solar. Just following up on the quote we sent, it "
        "came to $18,400 before the tax credit. Email me at ben.ortiz@brightsidesolar.com "
        "with any questions.",
        caller_name="Ben",
        company="Brightside Solar",
        emails=["ben.ortiz@brightsidesolar.com"],
        amounts=["$18,400"],
        intent="price",
    ),
    "next_tuesday_showing": case(
        "Hi, this is Rachel Kim. We'd love to schedule a showing of the condo next Tuesday "
        "afternoon if that works for the sellers.",
        caller_name="Rachel Kim",
        dates=["2026-12-01T14:00:00-05:00"],
        intent="showing",
    ),
    "on_the_15th": case(
        "hey it's carlos from sunrise property management the lease renewal is due on the "
        "fifteenth and rent is going up three percent call me back",
        caller_name="Carlos",
        company="Sunrise Property Management",
        dates=["2026-12-15"],
        amounts=["3%"],
        intent="callback",
    ),
    "march_date": case(
        "Good afternoon, this is Helen Park calling from Park and Associates. The closing has "
        "moved to March 3rd. Let me know if that works.",
        caller_name="Helen Park",
        company="Park and Associates",
        dates=["2027-03-03"],
        intent="message",
    ),
    "numeric_date": case(
        "this is steve the inspection is booked for 12/3 at 10 am at 55 west 42nd street unit 4b",
        caller_name="Steve",
        dates=["2026-12-03T10:00:00-05:00"],
        addresses=["55 West 42nd Street, Unit 4B"],
        intent="message",
    ),
    "in_two_weeks": case(
        "Hi, this is Omar with Greenleaf Landscaping. We can start the job in two weeks. The "
        "estimate is twenty two hundred dollars. Call me back when you can.",
        caller_name="Omar",
        company="Greenleaf Landscaping",
        dates=["2026-12-07"],
        amounts=["$2,200"],
        intent="callback",
    ),
    "no_facts": case(
        "Hi, it's me. Call me back.",
        intent="callback",
    ),
    "this_is_about": case(
        "Hi, this is about the house on Maple. Please give me a call.",
        intent="callback",
    ),
    "regarding_not_name": case(
        "hello this is regarding your car's extended warranty please call us back",
        intent="callback",
    ),
    "noon_lunch_meeting": case(
        "Hey it's Jenna from Blue Harbor Insurance. Want to grab lunch Wednesday around noon "
        "to go over the policy? Let me know.",
        caller_name="Jenna",
        company="Blue Harbor Insurance",
        dates=["2026-11-25T12:00:00-05:00"],
        intent="meet",
    ),
    "half_past_two": case(
        "this is paul the buyers want to walk through the property tomorrow at half past two "
        "if you can arrange it",
        caller_name="Paul",
        dates=["2026-11-24T14:30:00-05:00"],
        intent="showing",
    ),
    "two_thirty_pm_digits": case(
        "Hi, Maria Gonzalez from Coastal Realty. Our appointment is on Friday at 2:30 pm at "
        "1600 Pennsylvania Ave NW. See you then.",
        caller_name="Maria Gonzalez",
        company="Coastal Realty",
        dates=["2026-11-27T14:30:00-05:00"],
        addresses=["1600 Pennsylvania Ave NW"],
        intent="schedule",
    ),
    "end_of_day": case(
        "hi it's rob from keystone lending i need the bank statements by the end of the day "
        "to keep the loan on track",
        caller_name="Rob",
        company="Keystone Lending",
        dates=["2026-11-23T17:00:00-05:00"],
        intent="send",
        urgent=True,
    ),
    "this_evening": case(
        "Hey, it's Nick. I'm free this evening if you want to talk about the counter offer. "
        "They're at 2.5 million.",
        caller_name="Nick",
        dates=["2026-11-23T18:00:00-05:00"],
        amounts=["$2,500,000"],
        intent="callback",
    ),
    "emergency_tenant": case(
        "This is Mrs. Alvarez at 12 Cedar Court apartment 3. There's water coming through the "
        "ceiling, it's an emergency, please call me right now.",
        caller_name="Mrs. Alvarez",
        addresses=["12 Cedar Court, Apartment 3"],
        intent="callback",
        urgent=True,
    ),
    "website_prospect_services": case(
        "hi i found you online and i'm interested in your services we're a small dental office "
        "looking for someone to redo our website my name's dr lee call me at your convenience",
        caller_name="Dr. Lee",
        intent="callback",
        is_prospect=True,
    ),
    "haven_spoken_before": case(
        "Hello, we haven't spoken before, my name is Tessa Grant and I run Grant Bakeries. A "
        "friend referred me to you for payroll software. We have forty employees.",
        caller_name="Tessa Grant",
        is_prospect=True,
    ),
    "as_we_discussed": case(
        "Hi, it's Victor Chang from Meridian Supply. As we discussed, I'll need the purchase "
        "order by Wednesday. The total is $12,750. Thanks.",
        caller_name="Victor Chang",
        company="Meridian Supply",
        dates=["2026-11-25"],
        amounts=["$12,750"],
        intent="send",
        # "by Wednesday" is the order's deadline, not when to call: the summary names only
        # the callback time (issue 14).
        summary_has=["purchase order"],
    ),
    "percent_words_commission": case(
        "this is lauren with harbor view realty were offering two and a half percent to the "
        "buyer's agent on the listing at three ten ocean drive call me",
        caller_name="Lauren",
        company="Harbor View Realty",
        amounts=["2.5%"],
        addresses=["310 Ocean Drive"],
        intent="callback",
    ),
    "k_suffix": case(
        "Hey, it's Sam. The sellers will take 450k if we close by the end of the month. Let me "
        "know today if possible.",
        caller_name="Sam",
        dates=["2026-11-30", "2026-11-23"],
        amounts=["$450,000"],
        urgent=True,
    ),
    "dollar_m_suffix": case(
        "Hi it's Jordan from Atlas Capital. The appraisal came in at $1.2M, about 5% under the "
        "contract price. Call me back.",
        caller_name="Jordan",
        company="Atlas Capital",
        amounts=["$1,200,000", "5%"],
        intent="callback",
    ),
    "address_city_state_zip": case(
        "This is Frank Moore. The new office is at 742 Evergreen Terrace, Springfield, IL "
        "62704. Come by Thursday morning.",
        caller_name="Frank Moore",
        dates=["2026-11-26T09:00:00-05:00"],
        addresses=["742 Evergreen Terrace, Springfield, IL 62704"],
        intent="meet",
    ),
    "hostile_text": case(
        "<script>alert('x')</script> this is Eve from Evil Corp call me back",
        caller_name="Eve",
        company="Evil Corp",
        intent="callback",
    ),
    "phone_number_not_time": case(
        "hi this is kim please call me back at four one five five five five oh one three seven "
        "thanks",
        caller_name="Kim",
        intent="callback",
    ),
    "dst_spring_forward": case(
        "Hi, it's Alan. Can we meet Monday at ten to sign the lease?",
        received_at=datetime(2026, 3, 6, 16, 0, tzinfo=NY),
        caller_name="Alan",
        dates=["2026-03-09T10:00:00-04:00"],
        intent="meet",
    ),
    "dst_fall_back": case(
        "this is bella lets do the call monday at nine",
        received_at=datetime(2026, 10, 30, 12, 0, tzinfo=NY),
        caller_name="Bella",
        dates=["2026-11-02T09:00:00-05:00"],
    ),
    "pacific_time": case(
        "Hey, Chris here from Summit Roofing. I can come out tomorrow at 8 am to look at the "
        "roof. The repair should be around three thousand five hundred dollars.",
        tz=ZoneInfo("America/Los_Angeles"),
        caller_name="Chris",
        company="Summit Roofing",
        dates=["2026-11-24T08:00:00-08:00"],
        amounts=["$3,500"],
        intent="meet",
    ),
    "london": case(
        "Hello, this is Oliver from Thames Lettings, ringing about the flat on 14 Baker Street. "
        "Could you ring me back before noon tomorrow?",
        tz=ZoneInfo("Europe/London"),
        caller_name="Oliver",
        company="Thames Lettings",
        dates=["2026-11-24T12:00:00+00:00"],
        addresses=["14 Baker Street"],
        intent="callback",
    ),
    "reschedule": case(
        "Hi, it's Megan. I need to reschedule our Wednesday appointment, could we do Thursday "
        "at four instead?",
        caller_name="Megan",
        dates=["2026-11-25", "2026-11-26T16:00:00-05:00"],
        intent="reschedule",
    ),
    "quarter_to": case(
        "this is derek from city plumbing i'll be there at quarter to three today",
        caller_name="Derek",
        company="City Plumbing",
        dates=["2026-11-23T14:45:00-05:00"],
    ),
    "tonight_at_eight": case(
        "Hey, it's Laura. Call me tonight at eight, I want to talk about making an offer on "
        "the Johnson place.",
        caller_name="Laura",
        dates=["2026-11-23T20:00:00-05:00"],
        intent="callback",
    ),
    "make_offer": case(
        "Hi, this is Ian Wright. My wife and I want to put in an offer on 19 Willow Way. We're "
        "pre-approved for five hundred twenty five thousand. Please call us as soon as you can.",
        caller_name="Ian Wright",
        amounts=["$525,000"],
        addresses=["19 Willow Way"],
        intent="offer",
        urgent=True,
    ),
    "no_name_company_only": case(
        "Hello, calling from Acme Realty about your home valuation. Please call us back.",
        company="Acme Realty",
        intent="callback",
    ),
    "underscore_dash_email": case(
        "it's nora my email is nora underscore b dash smith at outlook dot com send me the "
        "floor plans",
        caller_name="Nora",
        emails=["nora_b-smith@outlook.com"],
        intent="send",
    ),
    "counts_not_money_or_time": case(
        "Hi, this is Wes. The house has 3 bedrooms, 2,400 square feet, and we had 12 people at "
        "the open house. Call me.",
        caller_name="Wes",
        intent="callback",
    ),
    "by_friday_question": case(
        "hi this is olivia from maple leaf bank i have a question about the wire transfer can "
        "you get back to me by friday",
        caller_name="Olivia",
        company="Maple Leaf Bank",
        dates=["2026-11-27"],
        intent="question",
    ),
    "mumbled_intro": case(
        "um hi uh this is uh jessica with keller williams uh just calling to see if your "
        "buyers are still interested",
        caller_name="Jessica",
        company="Keller Williams",
        intent="message",
    ),
    "good_morning_not_time": case(
        "Good morning, this is Raj. I'm returning your call about the inspection report.",
        caller_name="Raj",
        intent="message",
    ),
}
