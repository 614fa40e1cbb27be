"""What a call review keeps of a contact who is deleted: nothing of their name.

A review stays when its contact is deleted (its ``contact_id`` becomes NULL), but the
worker wrote the contact's name into the review's files: the title of ``report.md`` and
``report.html``, the ``contact`` of ``proposals.json``, and the title drawn into
``timeline.svg``; the uploaded file's name may hold it too. :func:`forget_contact`
replaces the name by "deleted contact" in each, here and in the object store, before the
contact's row goes. ``review.json`` (what the page and the API show) never held it.

:mod:`ringback.contacts.removal` calls it through the model
(:meth:`ringback.calls.models.CallReview.forget_contact`), found in the models' registry
as it finds every table that points at a contact: the contacts room imports no domain
above it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import column, select, table, update

from ringback.calls.report import TITLE
from ringback.calls.uploads import RESULT, reviews_dir
from ringback.storage import Mirror, ObjectMissing, StorageUnavailable, StoreDown

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings

DELETED = "deleted contact"
# Core, not the model: ringback.calls.models calls this module (and every user's review
# counts, past the acting user's scope).
REVIEWS = table("call_reviews", column("id"), column("original_name"), column("contact_id"))


def forget_contact(session: Session, *, contact_id: int, name: str, settings: Settings) -> int:
    """Replace contact ``contact_id``'s ``name`` by "deleted contact" in every review of
    them (every user's: Core, past the scope) and in its files; how many reviews. Raises
    StoreDown (nothing rewritten in the store) when the object store does not answer."""
    rows = session.execute(
        select(REVIEWS.c.id, REVIEWS.c.original_name).where(REVIEWS.c.contact_id == contact_id)
    ).all()
    if not rows or not name.strip():
        return len(rows)
    mirror = Mirror.for_settings(settings)
    try:
        mirror.store.reachable()
        for review_id, original_name in rows:
            _rewrite_folder(mirror, reviews_dir(settings.data_dir) / str(review_id), name)
            renamed = _without(original_name, name)
            if renamed != original_name:
                session.execute(
                    update(REVIEWS).where(REVIEWS.c.id == review_id).values(original_name=renamed)
                )
    except StorageUnavailable as exc:
        raise StoreDown(exc) from None
    return len(rows)


def _without(file_name: str, name: str) -> str:
    """An uploaded file's name without the contact's name, in any case and as file names
    spell it (``Bill Turner``, ``bill-turner``, ``bill_turner``, ``billturner``)."""
    parts = [re.escape(part) for part in name.split()]
    spelt = "|".join(sep.join(parts) for sep in (r"\s+", "-", "_", ""))
    return re.sub(spelt, DELETED, file_name, flags=re.IGNORECASE)


def _rewrite_folder(mirror: Mirror, folder: Path, name: str) -> None:
    """Each report file of one review without the name, here and in the store."""
    from html import escape

    from ringback.calls.report import PROPOSALS, md

    text_files = {
        "report.md": lambda text: text.replace(md(name), md(DELETED)),
        "report.html": lambda text: text.replace(escape(name, quote=True), DELETED),
        PROPOSALS: _proposals_without,
    }
    for file, rewrite in text_files.items():
        path = _here(mirror, folder / file)
        if path is not None:
            _write(mirror, path, rewrite(path.read_text(encoding="utf-8")))
    svg = _here(mirror, folder / "timeline.svg")
    if svg is not None and escape(name, quote=False) in svg.read_text(encoding="utf-8"):
        _redraw(mirror, svg, folder / RESULT)


def _proposals_without(text: str) -> str:
    doc: dict[str, Any] = json.loads(text)
    doc["contact"] = DELETED
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _here(mirror: Mirror, path: Path) -> Path | None:
    """The file on this machine (fetched from the store if need be); None if it is not
    there at all (a review that failed wrote none)."""
    try:
        found = mirror.local(path)
    except ObjectMissing:
        return None
    return found if found.is_file() else None


def _write(mirror: Mirror, path: Path, text: str) -> None:
    from ringback.durable import write_atomic

    write_atomic(path, text.encode("utf-8"), path.parent)
    mirror.push(path)


def _redraw(mirror: Mirror, svg: Path, result: Path) -> None:
    """The timeline drawn again from ``review.json``'s words, titled without the name (its
    title is drawn as shapes: no text to replace). Without them the picture goes."""
    from ringback.calls.metrics import compute
    from ringback.calls.model import SpokenWord
    from ringback.calls.timeline import draw

    source = _here(mirror, result)
    if source is None:
        svg.unlink()
        key = mirror.key_of(svg)
        if mirror.remote and key is not None:
            mirror.store.delete(key)
        return
    doc = json.loads(source.read_text(encoding="utf-8"))
    words = [SpokenWord(w[0], w[1], float(w[2]), float(w[3])) for w in doc["words"]]
    draw(
        compute(words, float(doc["contract"]["duration"])),
        svg,
        title=TITLE.format(contact=DELETED),
    )
    mirror.push(svg)
