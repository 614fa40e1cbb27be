"""Secrets and callers' details, masked wherever they are printed or logged.

One place decides what a secret looks like, so ``ringback config``, a "cannot reach the
database" error and a refused webhook's log line mask it the same way:

- :func:`mask_url` / :func:`redact`: the password in a URL's userinfo and the value of any
  secret-named parameter (``?password=``, ``&token=``, a libpq ``password=...``), in a URL
  or anywhere in a message (a driver's error may echo its connection string);
- :func:`mask_phone` and :func:`initials`: a caller's number and name, reduced to what
  tells two log lines apart without saying who called.

Masking errs on the side of hiding too much: a parameter whose name merely contains
``key`` or ``token`` is hidden even if it was harmless.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote

from ringback.phones import digits, international

MASK = "***"
DOT = "•"

# Names of parameters whose value is a secret: exact names, and anything containing one
# of the stems (sslpassword, client_secret, auth_token, X-Api-Key ...).
_SECRET_STEMS = "password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
_SECRET_NAME = rf"(?:[\w.-]*(?:{_SECRET_STEMS})[\w.-]*|pass|key|sig|signature)"
# scheme://user:PASSWORD@host — the password runs to the *last* '@' of the URL, since an
# unencoded '@' or '/' in it is common in hand-written settings.
_USERINFO = re.compile(
    r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/?#@\s]*:)(?P<secret>[^\s]*)@(?=[^@\s]*(?:\s|$))", re.I
)
# ?password=x, &token=x, ;key=x, and libpq's keyword=value (password=x or password='a b').
_PARAM = re.compile(
    rf"(?P<head>(?:^|(?<=[?&;\s,(]))(?P<name>{_SECRET_NAME})\s*=\s*)"
    r"(?P<secret>'(?:[^'\\]|\\.)*'|\"[^\"]*\"|[^&;#\s,)]*)",
    re.I,
)


def redact(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with URL passwords and secret-named parameter values replaced by ``***``.

    ``known``: secret values to hide wherever else they appear too (for instance the
    password of the database URL, in a driver's own error message).
    """
    out = _USERINFO.sub(lambda m: m["head"] + MASK + "@", text)
    out = _PARAM.sub(lambda m: m["head"] + (MASK if m["secret"] else ""), out)
    for secret in sorted({s for s in known if len(s) >= 3}, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            out = out.replace(form, MASK)
    return out


def mask_url(url: str) -> str:
    """A URL fit to print: its password and secret query parameters are ``***``.

    The user name, host, database and every other parameter are kept, so the user can
    still see *which* server is meant.
    """
    return redact(url, url_secrets(url))


def url_secrets(url: str) -> list[str]:
    """The secret values inside ``url`` (decoded), for :func:`redact`'s ``known``."""
    found = [unquote(m["secret"]) for m in _USERINFO.finditer(url)]
    for m in _PARAM.finditer(url):
        value = unquote(m["secret"]).strip("'\"")
        if value:
            found.append(value)
    return found


def mask_phone(raw: str | None, *, region: str) -> str:
    """``+12125550199`` → ``+1 212-•••-••99``: the country and area code and the last two
    digits stay (enough to tell calls apart in a log), the rest is hidden; a number
    written without +country is read as ``region``'s (the user's default region)."""
    text = (raw or "").strip()
    if not text:
        return ""
    shown = international(text, region)
    if shown is None:  # not a number: only its last two digits
        return DOT * 3 + digits(text)[-2:]
    prefix, _, rest = shown.partition(" ")
    area, sep, local = rest.partition("-") if "-" in rest else ("", "", rest)
    total = sum(ch.isdigit() for ch in local)
    seen = 0
    masked = []
    for ch in local:
        if ch.isdigit():
            seen += 1
            masked.append(ch if seen > total - 2 else DOT)
        else:
            masked.append(ch)
    head = f"{prefix} " if prefix else ""
    return f"{head}{area}{sep}{''.join(masked)}"[:40]


def initials(name: str | None) -> str:
    """``'Bill Turner'`` → ``'B. T.'``: a caller's name, not spelled out in a log."""
    letters = [word[0].upper() + "." for word in (name or "").split() if word[0].isalnum()]
    return " ".join(letters[:4])
