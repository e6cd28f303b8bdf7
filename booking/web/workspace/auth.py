"""Signing in and out of the workspace."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm

from booking import clock
from booking.extensions import db, limiter
from booking.models import MessageKind, Therapist
from booking.services import accounts, two_factor
from booking.settings import current_settings
from booking.web import limits
from booking.web.shared import ActionForm
from booking.web.workspace import bp
from booking.web.workspace.forms import (
    CodeForm,
    ForgotForm,
    NewPasswordForm,
    PasswordForm,
    SignInForm,
)

PENDING = "two_factor_pending"  # session key: password right, code still to come
ENROLLING = "two_factor_enrolling"  # session key: the secret being set up


def _account_key() -> str:
    """Failed sign-ins are throttled per account as well as per address (the counter
    is named by a keyed hash: Redis holds no address)."""
    return "sign-in:" + limits.keyed_hash((request.form.get("email") or "").strip().lower()[:254])


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=_failed)
@limiter.limit("10 per 15 minutes", methods=["POST"], key_func=_account_key,
               deduct_when=_failed)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("workspace.dashboard"))
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        therapist = accounts.authenticate(form.email.data, form.password.data)
        if therapist is not None and therapist.two_factor:
            # Half signed in: the password was right; the code page finishes the job.
            session[PENDING] = therapist.get_id()
            return redirect(url_for("workspace.sign_in_code",
                                    next=request.args.get("next")), code=303)
        if therapist is not None:
            login_user(therapist)
            return redirect(_safe_next(request.args.get("next")), code=303)
        failed = True
    return render_template("workspace/sign_in.html", form=form,
                           error=_("Email or password is not right.") if failed else None,
                           visit=None), 401 if failed else _status_of(form)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=_failed)
def sign_in_code():
    therapist = _pending_therapist()
    if therapist is None:
        return redirect(url_for("workspace.sign_in"))
    form = CodeForm()
    failed = False  # a wrong code counts against the limit; a missing one does not
    if form.validate_on_submit():
        if two_factor.check(therapist, form.code.data, now=clock.utcnow()):
            session.pop(PENDING, None)
            login_user(therapist)
            return redirect(_safe_next(request.args.get("next")), code=303)
        _refuse_code(form)
        failed = True
    return render_template("workspace/code.html", form=form,
                           visit=None), 401 if failed else _status_of(form)


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor_page():
    form = CodeForm()
    now = clock.utcnow()
    if current_user.two_factor:
        if form.validate_on_submit():
            if two_factor.disable(current_user.id, code=form.code.data, now=now):
                flash("two_factor_off", "done")
                return redirect(url_for("workspace.two_factor_page"), code=303)
            _refuse_code(form)
        return render_template("workspace/two_factor.html", form=form,
                               visit=None), _status_of(form)
    secret = session.get(ENROLLING) or two_factor.new_secret()
    session[ENROLLING] = secret
    if form.validate_on_submit():
        if two_factor.enable(current_user.id, secret=secret, code=form.code.data, now=now):
            session.pop(ENROLLING, None)
            login_user(current_user._get_current_object())  # other sessions have ended
            flash("two_factor_on", "done")
            return redirect(url_for("workspace.two_factor_page"), code=303)
        _refuse_code(form)
    return render_template("workspace/two_factor.html", form=form, secret=secret,
                           qr=two_factor.enrolment_qr(secret, current_user.email),
                           visit=None), _status_of(form)


def _refuse_code(form: CodeForm) -> None:
    """Put a wrong code's refusal at the code field, where the error summary links to it."""
    form.code.errors.append(
        _("This code is not right (or was used already). Please wait for the next one."))


def _status_of(form: FlaskForm) -> int:
    """422 for a form that comes back refused, as every workspace form answers; else 200."""
    return 422 if form.errors else 200


def _pending_therapist() -> Therapist | None:
    """The therapist whose password was right in this browser, if still current."""
    therapist_id, _, version = (session.get(PENDING) or "").partition(":")
    if not therapist_id.isdigit():
        return None
    therapist = db.session.get(Therapist, int(therapist_id))
    if therapist is None or not therapist.active or str(therapist.session_version) != version:
        return None
    return therapist


@bp.post("/sign-out")
def sign_out():
    if ActionForm().validate_on_submit() and current_user.is_authenticated:
        accounts.end_sessions(current_user.id)
    logout_user()
    return redirect(url_for("workspace.sign_in"), code=303)


def _safe_next(target: str | None) -> str:
    """Only a path inside the workspace: never an address elsewhere (open redirect)."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/workspace"):
        return target
    return url_for("workspace.dashboard")


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"],
               deduct_when=lambda response: response.status_code == 422)
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if accounts.change_password(current_user.id, current=form.current.data,
                                    new=form.new.data):
            # Every other session has ended; this one continues with a fresh cookie.
            login_user(current_user._get_current_object())
            flash("password_changed", "done")
            return redirect(url_for("workspace.dashboard"), code=303)
        form.current.errors.append(_("The current password is not right."))
    return render_template("workspace/password.html", form=form, visit=None), _status_of(form)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data, now=clock.utcnow())
        # The same answer whether or not the address has an account.
        flash("reset_sent", "done")
        return redirect(url_for("workspace.sign_in"), code=303)
    return render_template("workspace/forgot.html", form=form, visit=None), _status_of(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_page(MessageKind.PASSWORD_RESET, token)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_page(MessageKind.INVITATION, token)


def _set_password_page(purpose: MessageKind, token: str):
    secret, now = current_settings().secret_key, clock.utcnow()
    if accounts.account_for_link(secret, purpose, token, now=now) is None:
        return render_template("workspace/link_invalid.html", visit=None), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        accounts.set_password_from_link(secret, purpose, token, form.new.data, now=now)
        logout_user()
        flash("password_set", "done")
        return redirect(url_for("workspace.sign_in"), code=303)
    return render_template("workspace/set_password.html", form=form, visit=None,
                           invitation=purpose is MessageKind.INVITATION), _status_of(form)
