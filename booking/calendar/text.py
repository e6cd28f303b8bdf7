"""Visitor-typed text made fit for iCalendar values and parameters.

icalendar escapes TEXT (`\\` `;` `,` newline), but what counts as a line
break or a name is ours to decide, and must not depend on the library's
version: controls are not allowed in TEXT (RFC 5545 §3.3.11), some parsers
split lines on U+2028/U+2029, and lone surrogates cannot be written as UTF-8.
"""

from __future__ import annotations

import re

_LINE_BREAK = re.compile("\r\n|[\r\n\u2028\u2029]")
_SPACES = re.compile(" {2,}")
# Unicode's categories Cc (controls) and Cs (surrogates), exactly.
_UNWRITABLE_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def one_line(text: str) -> str:
    """A single-line value (SUMMARY, LOCATION, names): line breaks and
    control characters become spaces, runs of spaces collapse."""
    # Printable means no line break (U+2028 and U+2029 included) and no control
    # or surrogate: the usual value is then returned as it is, without the regexes.
    if text.isprintable() and "  " not in text and text.strip(" ") == text:
        return text
    return _SPACES.sub(" ", _controls_to_spaces(_LINE_BREAK.sub(" ", text), keep="")).strip(" ")


def multi_line(text: str) -> str:
    """A DESCRIPTION: every kind of line break becomes "\\n" (which icalendar
    writes escaped), other control characters but tab become spaces."""
    if text.isprintable():  # nothing to replace (see one_line)
        return text.strip()
    return _controls_to_spaces(_LINE_BREAK.sub("\n", text), keep="\n\t").strip()


def parameter_value(name: str) -> str:
    """A person's name as a CN parameter.

    A double quote cannot appear inside a quoted parameter (RFC 5545 §3.2).
    icalendar would write RFC 6868 caret escapes instead, which Outlook and
    vobject show verbatim, so quotes and carets are dropped.
    """
    return one_line(name.replace('"', "").replace("^", ""))


def _controls_to_spaces(text: str, *, keep: str) -> str:
    return _UNWRITABLE_CHARS.sub(lambda found: found[0] if found[0] in keep else " ", text)
