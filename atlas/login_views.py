"""GET/POST /login and POST /logout: signing officials in and out of the atlas."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request
from flask_babel import gettext as _

from atlas.auth import (
    FAILED_LOGINS_PER_ACCOUNT,
    FAILED_LOGINS_PER_ADDRESS,
    csrf,
    limiter,
    login_username,
    safe_next,
    sign_in,
    sign_out,
)
from atlas.requestdb import request_connection
from layers.accounts import authenticate

bp = Blueprint("auth", __name__)


def _failed(response) -> bool:
    return response.status_code == 401


@bp.get("/login")
def login_form():
    """The sign-in form."""
    return render_template("auth/login.html", next=safe_next(request.args.get("next")), error=None)


@bp.post("/login")
@limiter.limit(FAILED_LOGINS_PER_ADDRESS, deduct_when=_failed)
@limiter.limit(FAILED_LOGINS_PER_ACCOUNT, key_func=login_username, deduct_when=_failed)
def login():
    """Check the name and password; on success start a session and go where the user was heading."""
    csrf.protect()
    target = safe_next(request.form.get("next"))
    user = authenticate(
        request_connection(), (request.form.get("username") or "").strip(), request.form.get("password") or ""
    )
    if user is None:
        error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
        return render_template("auth/login.html", next=target, error=error), 401
    sign_in(user)
    return redirect(target, code=303)


@bp.post("/logout")
def logout():
    """End the session (the form carries the CSRF token, so no other site can sign a user out)."""
    csrf.protect()
    sign_out()
    return redirect("/", code=303)
