"""The demo article: the practice's article as plain text (one block a line, as it
was taken from its page), turned into the blocks of a simple article page, with its
calls to action marked for the widget. Pure: text in, blocks out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The article's calls to action, as its page has them: two buttons by their label,
# and a box in the middle of the text that opens with a question. One opens the
# booking in a dialog, one shows it inline, as a practice would choose per button.
DIALOG_BUTTON = "Jetzt kostenfreies Erstgespräch buchen"
INLINE_BUTTON = "Gratis Erstgespräch buchen"
MIDDLE_BOX = "Kommen Ihnen diese Muster bekannt vor?"
# A line this short without closing punctuation is a heading on the article's page.
HEADING_LENGTH = 70

Kind = Literal["heading", "paragraph", "item", "box", "dialog", "inline"]


@dataclass(frozen=True)
class Block:
    kind: Kind
    text: str
    detail: str = ""  # a box's paragraph


@dataclass(frozen=True)
class Article:
    title: str
    lead: str
    byline: str
    note: str
    blocks: list[Block]


def parse_article(text: str) -> Article:
    """Title, lead, author and role, a note, then the body (see the module doc)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title, lead, author, role, note, *body = lines
    blocks: list[Block] = []
    rest = iter(body)
    for line in rest:
        if line == "-":
            blocks.append(Block("item", next(rest, "")))
        elif line == MIDDLE_BOX:
            blocks.append(Block("box", line, next(rest, "")))
        elif line == DIALOG_BUTTON:
            blocks.append(Block("dialog", line))
        elif line == INLINE_BUTTON:
            blocks.append(Block("inline", line))
        elif len(line) < HEADING_LENGTH and not line.endswith((".", ",", ":", "!")):
            blocks.append(Block("heading", line))
        else:
            blocks.append(Block("paragraph", line))
    return Article(title, lead, f"{author}, {role}", note, blocks)
