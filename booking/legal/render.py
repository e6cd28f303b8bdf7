"""Markdown in, safe HTML out: what the admin writes becomes a page visitors read.

The text is rendered with markdown-it-py and then sanitised with nh3 (ammonia): the
sanitiser, not the Markdown options, is the gate, so raw HTML in the source is allowed
through the parser and everything outside a short list of tags and attributes is
dropped. Placeholders such as {{retention_days}} are replaced after rendering, with
escaped values, by a plain lookup (never a template engine on what an admin typed).

Both libraries are loaded when a text is first rendered, not when the app starts: most
workers answer booking pages only, and would carry them (about 2.5 MB) for nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# What a legal text needs: headings, paragraphs, lists, emphasis, links, a table.
TAGS = frozenset({
    "h2", "h3", "h4", "p", "br", "hr", "ul", "ol", "li", "strong", "em", "code",
    "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "mark", "img",
})
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"https", "http", "mailto", "tel"})
LINK_REL = "noopener noreferrer"

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
# A blank still to fill: "[Name der Praxis eintragen]", "[Enter the practice's name]".
_BLANK = re.compile(r'\[[^\[\]\n<>"]*?\b(?:eintragen|[Ee]nter)\b[^\[\]\n<>"]*\]')
# An image whose address the sanitiser dropped: nothing left to show.
_EMPTY_IMAGE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


@functools.cache
def _markdown() -> MarkdownIt:
    """The parser, made on first use (see above)."""
    from markdown_it import MarkdownIt

    # breaks: a new line is a new line (addresses), as an admin writing a letter expects.
    return MarkdownIt("commonmark", {"html": True, "breaks": True}).enable("table")


def to_html(source: str, values: Mapping[str, str]) -> Markup:
    """The sanitised HTML of a Markdown text, its placeholders filled from `values`
    (unknown ones stay as written, so a typo shows) and its blanks marked."""
    markdown = _markdown()
    tokens = markdown.parse(source)
    for token in tokens:
        # The page's own title is its <h1>: a text's top heading becomes an <h2>.
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
    html = markdown.renderer.render(tokens, markdown.options, {})
    html = _PLACEHOLDER.sub(lambda match: _value(match, values), html)
    html = _BLANK.sub(lambda match: f"<mark>{match.group(0)}</mark>", html)
    return Markup(sanitise(html))


def sanitise(html: str) -> str:
    """Only the tags and attributes above; links to http(s), mail and phone only, each
    with rel="noopener noreferrer"; images only from this service."""
    import nh3  # on the first text rendered or saved: see above

    clean = nh3.clean(html, tags=set(TAGS),
                      attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
                      url_schemes=set(URL_SCHEMES), link_rel=LINK_REL,
                      attribute_filter=_own_images_only)
    return _EMPTY_IMAGE.sub("", clean)


def blanks(text: str) -> list[str]:
    """The blanks still to fill in a text (its source, or with placeholders filled), in
    order, each once."""
    return list(dict.fromkeys(_BLANK.findall(text)))


def fill(source: str, values: Mapping[str, str]) -> str:
    """The source with its known placeholders replaced (for counting blanks)."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), source)


def _value(match: re.Match[str], values: Mapping[str, str]) -> str:
    value = values.get(match.group(1))
    return match.group(0) if value is None else str(escape(value))


def _own_images_only(tag: str, attribute: str, value: str) -> str | None:
    """An image's address must be a path on this service: a picture from elsewhere
    would tell another host who reads the page (and the CSP would block it anyway)."""
    if tag == "img" and attribute == "src":
        return value if value.startswith("/") and not value.startswith("//") else None
    return value
