"""One definition of "control character" for every single-line text field (R-P1 as amended).

Names, caller IDs, caller numbers, email addresses, usernames, custom-field
labels and values, external ids, token and account names — whether they come
from a form, the REST API, SCIM or a CSV cell — are refused when they hold a
character of the Unicode categories Cc (C0/C1 controls: tab, line breaks, NUL),
Cf (formatting: bidi overrides, zero-width characters), Zl or Zp (U+2028,
U+2029). Lone surrogates (Cs) are refused too: they are not characters at all
and cannot be stored as UTF-8. Such characters make a name print differently
from what it is, break email headers and CSV rows, and hide text from people.
"""

from __future__ import annotations

import unicodedata

from phonedesk.errors import ValidationFailed

CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
LINE_BREAKS = frozenset("\r\n")


def control_characters(value: str, *, allow_line_breaks: bool = False) -> list[str]:
    """The control characters in ``value``, in order (CR and LF kept when allowed)."""
    if value.isprintable():  # C code, and no printable character is in those categories
        return []
    return [
        ch for ch in value
        if unicodedata.category(ch) in CONTROL_CATEGORIES
        and not (allow_line_breaks and ch in LINE_BREAKS)
    ]


def has_control_characters(value: str, *, allow_line_breaks: bool = False) -> bool:
    return bool(control_characters(value, allow_line_breaks=allow_line_breaks))


def refuse_control_characters(
    value: str, *, label: str, field: str, allow_line_breaks: bool = False
) -> str:
    """``value`` unchanged, or :class:`ValidationFailed` naming the field and the character."""
    found = control_characters(value, allow_line_breaks=allow_line_breaks)
    if found:
        ch = found[0]
        shown = f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".strip()
        raise ValidationFailed(
            f"{label} contains a control character ({shown}; such as a tab, a line break "
            "or an invisible formatting mark); remove it.",
            code="invalid_characters",
            field=field,
        )
    return value


# Letters that NFKD does not decompose but that readers file under a Latin letter
# (Łukasz among the L's, Østergaard among the O's).
_FOLD_LETTERS = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŀ": "l", "ŧ": "t",
    "æ": "ae", "œ": "oe", "þ": "th", "ĸ": "k", "ŋ": "n",
})


def fold(value: str | None) -> str:
    """The one comparison form of text for search and sorting (R-P1 search, R-DIR1).

    Case-folded, decomposed (NFKD) with every combining mark dropped, a few
    undecomposable Latin letters mapped to their base letter, control characters
    removed and runs of white space made one space. "García" and "garcia", "Zoë"
    and "ZOE", "Ångström" and "angstrom" fold alike. Both databases store and
    compare this form, so they find and order the same rows.
    """
    if not value:
        return ""
    if value.isascii() and value.isprintable():
        return " ".join(value.lower().split())
    # Decompose before and after case folding: compatibility forms such as "ℌ" only
    # become letters (then folded) once decomposed, and folding can compose again.
    decomposed = unicodedata.normalize(
        "NFKD", unicodedata.normalize("NFKD", value).casefold())
    kept = "".join(
        ch for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) not in CONTROL_CATEGORIES
    )
    return " ".join(kept.translate(_FOLD_LETTERS).split())
