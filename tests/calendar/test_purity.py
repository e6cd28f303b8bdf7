"""booking.calendar is pure: it imports neither Flask nor the database and
never reads the clock, so the routes, the mail outbox and the tests can all
call it with plain values."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import booking.calendar

PACKAGE = Path(booking.calendar.__file__).parent
ALLOWED_THIRD_PARTY = {"icalendar"}
CLOCK_READS = {"now", "utcnow", "today"}


def modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(PACKAGE.glob("*.py"))]


def test_calendar_package_imports_only_the_standard_library_icalendar_and_itself():
    for path, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                allowed = (top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY
                           or name.startswith("booking.calendar"))
                assert allowed, f"{path.name} imports {name}"


def test_calendar_package_never_reads_the_clock():
    for path, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert node.attr not in CLOCK_READS, f"{path.name}:{node.lineno} calls .{node.attr}"
