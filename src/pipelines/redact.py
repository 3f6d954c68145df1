"""Scrub credentials out of text that leaves the process: error messages, ``ops`` rows,
alert payloads, logs.

An error of a REST or JDBC read names the URL it failed on, and that URL may carry a key in
its query (``?api_key=...``), a ``user:password@`` or a ``;password=`` property. Query values
are replaced by ``***`` except those of paging parameters, which help debugging and are
never secret; userinfo is replaced whole.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = ["MASK", "scrub_text", "scrub_url"]

MASK = "***"
SAFE_PARAMS = frozenset(
    {"page", "offset", "limit", "size", "per_page", "page_size", "cursor", "start", "count"}
)
"""Query parameters whose values stay: paging, which explains an error and holds no secret."""

_URL = re.compile(r"""\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'"<>`]+""")
_ASSIGNMENT = re.compile(
    r"""(?i)\b([\w.-]*(?:pass(?:word|wd)?|pwd|secret|token|api[-_]?key|apikey|access[-_]?key"""
    r"""|signature|credential)[\w.-]*)(\s*[=:]\s*)([^\s&;,'"]+)"""
)


def scrub_url(url: str) -> str:
    """``https://u:p@host/x?api_key=k&page=2`` -> ``https://***@host/x?api_key=***&page=2``."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rsplit("@", 1)[-1]
    except ValueError:  # not a URL after all: scrub what looks like an assignment
        return _ASSIGNMENT.sub(rf"\1\2{MASK}", url)
    netloc = f"{MASK}@{host}" if "@" in parts.netloc else host
    pairs = []
    for pair in parts.query.split("&") if parts.query else []:
        name, sep, _value = pair.partition("=")
        pairs.append(pair if not sep or name.lower() in SAFE_PARAMS else f"{name}={MASK}")
    path = _ASSIGNMENT.sub(rf"\1\2{MASK}", parts.path)  # jdbc:sqlserver://h;password=x
    return urlunsplit((parts.scheme, netloc, path, "&".join(pairs), parts.fragment))


def scrub_text(text: str) -> str:
    """``text`` with every URL scrubbed and every ``password=...``-like value masked."""
    return _ASSIGNMENT.sub(rf"\1\2{MASK}", _URL.sub(lambda m: scrub_url(m.group(0)), text))
