"""Credentials written into config, found by name: URL userinfo, query parameters, options and
headers whose names say they hold a password, a token or a key.

The config is committed and reviewed in the open; a credential in it is leaked the moment it
is pushed. A config names a secret instead, ``{secret: <scope>/<key>}``. These checks look at
names, never at values, so they cannot be fooled into printing a credential either.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "USE_SECRET",
    "credential_name",
    "is_credential_name",
    "refuse_url_credential",
    "url_credential",
]

USE_SECRET = "a config never holds a credential: use {secret: <scope>/<key>}"

_NAME = re.compile(
    r"pass(word|wd|phrase)?|pwd|secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key"
    r"|credential|auth(?!ors?\b)|cookie|signature",
    re.I,
)
_EXACT = frozenset({"key", "sig", "jwt"})
"""Short names that hold credentials in common APIs (``?key=`` of Google APIs, ``sig`` of SAS)."""


def is_credential_name(name: str) -> bool:
    """Whether a parameter, option or header called ``name`` carries a credential."""
    return _NAME.search(name) is not None or name.lower() in _EXACT


def credential_name(names: list[str]) -> str | None:
    """The first of ``names`` that carries a credential."""
    return next((n for n in names if is_credential_name(n)), None)


def url_credential(url: str) -> str | None:
    """What in ``url`` is a credential (``user:password@``, ``?api_key=``, ``;password=``), or
    None. JDBC URLs are read after their ``jdbc:`` prefix; ``;key=value`` properties too."""
    text = url[5:] if url.lower().startswith("jdbc:") else url
    main, *properties = text.split(";")
    try:
        parts = urlsplit(main)
        password = parts.password
    except ValueError:  # a malformed port or address: the model reports the URL otherwise
        return None
    if password:
        return "user:password@ in the URL"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    pairs += [tuple(p.split("=", 1)) for p in properties if "=" in p]  # type: ignore[misc]
    found = credential_name([name for name, _value in pairs])
    return f"'{found}=' in the URL" if found else None


def refuse_url_credential(value: object, instead: str) -> None:
    """Raise for a literal URL holding a credential; ``instead`` says where it goes.

    Raises:
        ValueError: ``holds a credential (...): use {secret: <scope>/<key>}<instead>``.
    """
    found = url_credential(value) if isinstance(value, str) else None
    if found:
        raise ValueError(f"holds a credential ({found}): {USE_SECRET}{instead}")
