"""Signing in and out of the workspace."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from booking import clock
from booking.extensions import limiter
from booking.models import MessageKind
from booking.services import accounts
from booking.web.workspace import bp
from booking.web.workspace.forms import (
    ActionForm,
    ForgotForm,
    NewPasswordForm,
    PasswordForm,
    SignInForm,
)


def _account_key() -> str:
    """Failed sign-ins are throttled per account as well as per address."""
    return "sign-in:" + (request.form.get("email") or "").strip().lower()[:254]


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
        if therapist is not None:
            login_user(therapist)
            return redirect(_safe_next(request.args.get("next")), code=303)
        failed = True
    return render_template("workspace/sign_in.html", form=form,
                           error=_("Email or password is not right.") if failed else None,
                           visit=None), 401 if failed else 200


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
    wrong = False
    if form.validate_on_submit():
        if accounts.change_password(current_user.id, current=form.current.data,
                                    new=form.new.data):
            # Every other session has ended; this one continues with a fresh cookie.
            login_user(current_user._get_current_object())
            flash("password_changed", "done")
            return redirect(url_for("workspace.dashboard"), code=303)
        wrong = True
    status = 422 if request.method == "POST" else 200
    return render_template("workspace/password.html", form=form, wrong=wrong,
                           visit=None), status


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data, now=clock.utcnow())
        # The same answer whether or not the address has an account.
        flash("reset_sent", "done")
        return redirect(url_for("workspace.sign_in"), code=303)
    return render_template("workspace/forgot.html", form=form, visit=None)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_page(MessageKind.PASSWORD_RESET, token)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_page(MessageKind.INVITATION, token)


def _set_password_page(purpose: MessageKind, token: str):
    secret, now = current_app.config["SECRET_KEY"], clock.utcnow()
    if accounts.account_for_link(secret, purpose, token, now=now) is None:
        return render_template("workspace/link_invalid.html", visit=None), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        accounts.set_password_from_link(secret, purpose, token, form.new.data, now=now)
        logout_user()
        flash("password_set", "done")
        return redirect(url_for("workspace.sign_in"), code=303)
    return render_template("workspace/set_password.html", form=form, visit=None,
                           invitation=purpose is MessageKind.INVITATION)
