"""The forms of the contact pages (:mod:`ringback.web.pages.contacts`), each declared once
as a model FastAPI reads from the form body (``Annotated[Model, Form()]``): its fields,
their limits (a value over one is the 422 page naming the field, as for a lone ``Form``
parameter) and their defaults for a field left out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from pydantic import BaseModel

# A form field's limits, as a route's parameter or as a field of a form below.
Short = Annotated[str, Form(max_length=300)]
Long = Annotated[str, Form(max_length=20_000)]
ADD_FIELDS = ("name", "company", "phone", "email")  # the add form's text fields, shown again


class ContactForm(BaseModel):
    """What both forms over a contact's details send (read and length-checked the same
    way): the add form on the list and the edit form on the contact's page."""

    name: Short = ""
    company: Short = ""


class NewContactForm(ContactForm):
    """The add form: one phone and one email; ``allow_duplicate`` once warned."""

    phone: Short = ""
    email: Short = ""
    allow_duplicate: Short = ""


class EditContactForm(ContactForm):
    """The edit form: phones and emails one per line."""

    title: Short = ""
    phones: Long = ""
    emails: Long = ""


class StoryForm(BaseModel):
    """The back-story form, read once for adding and editing an item."""

    kind: Short = ""
    text: Long = ""
    phrase: Long = ""
