"""The practice's legal pages: the starter templates, the facts filled in from the real
settings, and the one way a saved Markdown text becomes safe HTML. Pure: no Flask, no
database."""

from __future__ import annotations

from functools import cache
from pathlib import Path

STARTERS = Path(__file__).parent / "starters"


@cache
def starter(kind: str, language: str) -> str:
    """The template a practice starts from: every blank it must fill is written
    "[… eintragen]" ("[Enter …]"), the automatic parts as {{placeholders}}."""
    return (STARTERS / f"{kind}.{language}.md").read_text(encoding="utf-8")
