"""Reading forms out of pages, as a browser would."""

import re
from html import unescape


def hidden_inputs(page: str) -> dict[str, str]:
    """The hidden inputs of a page (CSRF token, form key, start, context)."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            found[name.group(1)] = unescape(value.group(1)) if value else ""
    return found


def links(page: str, css_class: str) -> list[str]:
    return [unescape(href) for href in re.findall(
        rf'<a class="{css_class}" href="([^"]+)"', page)]


def visitor_form_token(app, path: str, form_class) -> str:
    """The form token a visitor page at `path` would carry now for `form_class`, for
    a post that must be judged on everything but its token's age."""
    with app.test_request_context(path):
        return form_class().csrf_token.current_token
