"""Visitor pages."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template
from sqlalchemy import select

from booking import clock
from booking.extensions import db
from booking.models import SessionType, Therapist
from booking.services import schedule
from booking.services.demo import FIRST_SESSION_SLUG

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    now = clock.utcnow()
    session_type = db.session.scalar(
        select(SessionType).where(SessionType.slug == FIRST_SESSION_SLUG)
    )
    team = db.session.scalars(
        select(Therapist).where(Therapist.active).order_by(Therapist.display_name)
    ).all()
    next_free = {
        therapist.id: _next_free(therapist, session_type, now) for therapist in team
    } if session_type else {}
    return render_template("public/index.html", team=team, next_free=next_free,
                           session_type=session_type)


def _next_free(therapist, session_type, now):
    slots = schedule.free_slots(therapist, session_type, now=now, start=now,
                                end=now + timedelta(days=therapist.rules.horizon_days), limit=1)
    return slots[0].start.astimezone(therapist.zone) if slots else None


@bp.get("/healthz")
def health():
    """For load balancers and the operator at 3 a.m.: is the database reachable?"""
    db.session.execute(select(1))
    return {"status": "ok"}
