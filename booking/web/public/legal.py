"""The practice's Impressum and privacy notice, as the admin saved them (or the
starter template, marked as such), with the automatic parts filled in from the real
settings on every request: a changed setting shows at once."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from booking.legal.render import to_html
from booking.models import LegalKind
from booking.services import legal_texts
from booking.web.public import bp


@bp.get("/imprint")
@bp.get("/impressum")  # registered first: links read /impressum
def impressum():
    return _legal_page(LegalKind.IMPRESSUM, _("Legal notice"))


@bp.get("/privacy")
@bp.get("/datenschutz")
def privacy():
    return _legal_page(LegalKind.PRIVACY, _("Privacy notice"))


def _legal_page(kind: LegalKind, title: str):
    locale = str(get_locale())
    shown = legal_texts.shown_text(kind, locale)
    facts = legal_texts.current_facts(current_app.config)
    return render_template("public/legal.html", title=title, shown=shown, locale=locale,
                           html=to_html(shown.source, facts.placeholders(shown.language)))
