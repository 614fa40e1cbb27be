"""Contacts and scripts the coach tests share."""

from __future__ import annotations

MARGE = (
    "Hi Marge, this is Lisa and I was wondering if you had a chance to review the proposal and "
    "see you've made a decision on doing business with us? Please give me a call back so that "
    "we can discuss the next steps."
)


BILL = (
    "Hi Bill, I am following up from our last meeting where you indicated that an increase in "
    "production levels could justify a full review of your existing ERP system. I am calling to "
    "schedule our next meeting where I would like to present the findings of a recent study and "
    "explore how those recommendations could be implemented to drive up productivity at ABC Inc. "
    "By the way, the 23% improvement number we discussed seems very realistic. Who else from "
    "your team should be at the meeting?"
)


# A neutral, mid-quality base the twins vary: every rule except the one under test is held fixed.
INTRO = "Hi Tom, this is Priya Shah from Lumen Payroll."


FOLLOW = "I'm following up on our call last Thursday, where you mentioned payroll takes your team three days a month."


REASON = "I'm calling to show you how to cut that to one afternoon."


CTA = "Does Wednesday at 2 pm work for a 15-minute call?"


MEDIA = "I'll email you the details."


NUMBER = "My number is 312-555-0188, again 312-555-0188."


def script(*parts: str) -> str:
    return " ".join(p for p in parts if p)


BASE = (INTRO, FOLLOW, REASON, CTA, MEDIA, NUMBER)
