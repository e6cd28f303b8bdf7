"""Compiled message catalogues for a test run, as `make` builds them.

The *.mo files are git-ignored, so a fresh clone has none; without them every
page silently falls back to the English source texts and the tests fail far
from the cause. `pytest` on its own compiles what is missing or stale.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "booking" / "translations"


def stale_catalogues(translations: Path = TRANSLATIONS) -> list[Path]:
    """The .po files whose .mo is missing or older (make's rule for %.mo: %.po)."""
    return [po for po in sorted(translations.glob("*/LC_MESSAGES/messages.po"))
            if not po.with_suffix(".mo").exists()
            or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]


def compile_catalogues(translations: Path = TRANSLATIONS) -> None:
    """Compile the stale catalogues as `pybabel compile --use-fuzzy` does, or stop
    the run with one message saying what to do."""
    for po in stale_catalogues(translations):
        mo = po.with_suffix(".mo")
        # Written aside and renamed, so a second run at the same time never reads half a file.
        partial = mo.with_name(f"{mo.name}.{os.getpid()}.partial")
        try:
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with partial.open("wb") as target:
                write_mo(target, catalog, use_fuzzy=True)
            partial.replace(mo)
        except (OSError, ValueError) as error:  # unreadable, unwritable, not a catalogue
            partial.unlink(missing_ok=True)
            pytest.exit(f"The message catalogue {po} could not be compiled ({error}). "
                        "Run `make test`, which compiles the catalogues before the tests.",
                        returncode=pytest.ExitCode.USAGE_ERROR)
