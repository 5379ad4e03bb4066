"""Notifications: my list (mark read, mark all read), the nav badge, and the admin's outbox page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from scheduler import store
from scheduler.services import notify
from web import auth, viewer
from web.auth import login_required
from web.db import get_session

bp = Blueprint("notifications", __name__)


def unread_badge() -> dict:
    """Give templates `unread_notifications()`: the signed-in user's unread count (0 signed out)."""

    def unread_notifications() -> int:
        if g.get("user") is None:
            return 0
        if "unread_notifications" not in g:
            try:
                g.unread_notifications = notify.unread_count(get_session(), g.user)
            except store.DatabaseError:
                # An error page after a failed transaction still renders, without a count.
                g.unread_notifications = 0
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}


@bp.route("/notifications")
@login_required
def index():
    """List my notifications, newest first, unread ones marked."""
    rows = notify.notifications_for(get_session(), g.user)
    return render_template("notifications/index.html", notifications=rows)


@bp.route("/notifications/<int:notification_id>/read", methods=("POST",))
@login_required
def read(notification_id: int):
    """Mark one of my notifications read."""
    session = get_session()
    try:
        notify.mark_read(session, g.user, notification_id, viewer.now())
    except notify.NotificationNotFound:
        abort(404)
    session.commit()
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/read-all", methods=("POST",))
@login_required
def read_all():
    """Mark every notification of mine read."""
    session = get_session()
    count = notify.mark_all_read(session, g.user, viewer.now())
    session.commit()
    flash(f"Marked {count} read." if count else "Nothing was unread.")
    return redirect(url_for("notifications.index"))


@bp.route("/admin/deliveries")
@login_required
def deliveries():
    """List deliveries that failed (admins): the error, the attempts and the next retry."""
    if not auth.is_admin():
        abort(403)
    rows = notify.failing_deliveries(get_session())
    return render_template("notifications/deliveries.html", deliveries=rows)


@bp.route("/admin/deliveries/<int:delivery_id>/retry", methods=("POST",))
@login_required
def retry(delivery_id: int):
    """Make a failing delivery due now (admins); the sender's next round tries it."""
    if not auth.is_admin():
        abort(403)
    session = get_session()
    try:
        notify.retry_now(session, delivery_id, viewer.actor(), viewer.now())
    except notify.NotificationNotFound:
        abort(404)
    except ValueError as err:
        flash(str(err), "error")
        return redirect(url_for("notifications.deliveries"))
    session.commit()
    flash(f"Delivery #{delivery_id} will be retried on the sender's next round.")
    return redirect(url_for("notifications.deliveries"))
