"""The layers point one way: services and the pure builders never reach for a request
or the current app, and the admin pages build on shared web parts, not on the
workspace's views."""

from __future__ import annotations

import ast
from pathlib import Path

import booking

PACKAGE = Path(booking.__file__).parent
REQUEST_BOUND = {"current_app", "request", "session", "g", "url_for", "render_template"}


def imports(folder: str) -> list[tuple[str, int, str, set[str]]]:
    """(file, line, module, names) of every import in booking/<folder>/."""
    found = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                found.append((path.name, node.lineno, node.module or "",
                              {alias.name for alias in node.names}))
            elif isinstance(node, ast.Import):
                found.extend((path.name, node.lineno, alias.name, set()) for alias in node.names)
    return found


def test_services_mail_and_calendar_take_no_request_and_no_current_app():
    for folder in ("services", "mail", "calendar"):
        for name, line, module, names in imports(folder):
            if module == "flask":
                assert not names & REQUEST_BOUND, f"{folder}/{name}:{line} imports {names}"


def test_admin_pages_do_not_import_the_workspace():
    for name, line, module, _names in imports("web/admin"):
        assert not module.startswith("booking.web.workspace"), f"admin/{name}:{line}"


def test_zone_names_shared_by_pages_and_mails_need_no_flask():
    tree = ast.parse((PACKAGE / "zone_names.py").read_text())
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in modules if m.split(".")[0] in {"flask", "flask_babel", "booking"}}
