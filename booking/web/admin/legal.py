"""The practice's Impressum and privacy notice: the admin writes both in German and
English, sees a preview with the automatic parts filled in, then saves."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from booking import clock
from booking.errors import InvalidInput
from booking.legal import starter
from booking.legal.facts import LANGUAGES, PLACEHOLDERS
from booking.legal.render import blanks, fill, to_html
from booking.models import LegalKind
from booking.services import legal_texts
from booking.web.admin import bp
from booking.web.admin.forms import LegalTextForm


def _titles() -> dict[LegalKind, str]:
    return {LegalKind.IMPRESSUM: _("Legal notice"), LegalKind.PRIVACY: _("Privacy notice")}


@bp.get("/legal")
def legal_texts_page():
    facts = legal_texts.current_facts(current_app.config)
    saved = legal_texts.saved_texts()
    placeholders = facts.placeholders(str(get_locale()))
    rows = []
    for kind in LegalKind:
        for language in LANGUAGES:
            text = saved.get((kind, language))
            source = text.source if text else starter(kind.value, language)
            values = facts.placeholders(language)
            rows.append({"kind": kind, "language": language, "saved": text,
                         "blanks": len(blanks(fill(source, values)))})
    return render_template("admin/legal.html", rows=rows, titles=_titles(),
                           placeholders=[(name, placeholders[name]) for name in PLACEHOLDERS],
                           zone=current_user.zone)


@bp.route("/legal/impressum", methods=["GET", "POST"])
def edit_impressum():
    return _editor(LegalKind.IMPRESSUM)


@bp.route("/legal/privacy", methods=["GET", "POST"])
def edit_privacy():
    return _editor(LegalKind.PRIVACY)


def _editor(kind: LegalKind):
    form = LegalTextForm()
    if request.method == "GET":
        form.source_de.data = legal_texts.editable_source(kind, "de")
        form.source_en.data = legal_texts.editable_source(kind, "en")
    previews = None
    if form.validate_on_submit():
        sources = {"de": form.source_de.data, "en": form.source_en.data}
        if request.form.get("action") == "save":
            try:
                legal_texts.save_legal_texts(kind, sources, by_id=current_user.id,
                                             now=clock.utcnow())
            except InvalidInput as problem:
                form[f"source_{problem.field}"].errors = [_("This text cannot be saved.")]
            else:
                flash(_("Saved. Visitors see the new text at once."), "done")
                return redirect(url_for("admin.legal_texts_page"), code=303)
        else:
            # The preview saves nothing: the page shows what visitors would read.
            facts = legal_texts.current_facts(current_app.config)
            previews = {}
            for language, source in sources.items():
                values = facts.placeholders(language)
                previews[language] = {"html": to_html(source, values),
                                      "blanks": blanks(fill(source, values))}
    return render_template(
        "admin/legal_edit.html", form=form, kind=kind, title=_titles()[kind],
        previews=previews, placeholders=PLACEHOLDERS,
        public_url=url_for(f"public.{kind.value}"),
    ), 422 if form.errors else 200
