"""The domain's pure parts, booking.calendar, the slot engine (booking.availability)
and mail composition (booking.mail.message), import neither Flask nor the database
and never read the clock, so the routes, the mail outbox and the tests can all
call them with plain values."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import booking

PACKAGE = Path(booking.__file__).parent
CLOCK_READS = {"now", "utcnow", "today"}
# Each pure module, with what it may import besides the standard library: these
# third-party packages, and modules of the project under this prefix.
PURE = {
    **{path: ({"icalendar"}, "booking.calendar")
       for path in sorted((PACKAGE / "calendar").glob("*.py"))},
    PACKAGE / "availability.py": (set(), "booking.availability"),
    PACKAGE / "mail" / "message.py": (set(), "booking.mail.message"),
}


def name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_the_pure_modules_are_where_the_test_looks_for_them():
    assert PACKAGE / "calendar" / "ics.py" in PURE
    assert all(path.is_file() for path in PURE)


@pytest.mark.parametrize("path", PURE, ids=name)
def test_a_pure_module_imports_only_the_standard_library_and_what_it_is_allowed(path):
    third_party, own = PURE[path]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported = [node.module or ""]
        else:
            continue
        for module in imported:
            top = module.split(".")[0]
            allowed = (top in sys.stdlib_module_names or top in third_party
                       or module.startswith(own))
            assert allowed, f"{name(path)} imports {module}"


@pytest.mark.parametrize("path", PURE, ids=name)
def test_a_pure_module_never_reads_the_clock(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute):
            assert node.attr not in CLOCK_READS, f"{name(path)}:{node.lineno} calls .{node.attr}"
