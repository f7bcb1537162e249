"""Writing to cases: start one, take a transition, work the deadlines. Each is one transaction."""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import ApiError, Conflict, Forbidden, Invalid
from core.notifications import notify
from engines.workflow import process as processes
from engines.workflow.models import Case, Deadline, Event
from engines.workflow.process import Process, Transition

COMMENT_MAX = 2000


def case_start(*, process: str, subject, actor) -> Case:
    """Open a case for ``subject`` in the process's initial state (its deadline, if any, starts now)."""
    proc = processes.get(process)
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.create(
            process=proc.key,
            content_type=ContentType.objects.get_for_model(subject),
            object_id=subject.pk,
            state=proc.initial,
            state_changed_at=now,
            created_at=now,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        Event.objects.create(case=case, transition="start", from_state="", to_state=proc.initial, actor=case.created_by, created_at=now)
        _open_deadline(proc, case, now)
    return case


def case_for(subject, process: str) -> Case:
    return Case.objects.get(content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk, process=process)


def transition_perform(*, case: Case, name: str, actor, comment: str = "", expected_state: str | None = None) -> Case:
    """Take transition ``name`` on ``case`` for ``actor``.

    The case's row is locked for the transaction, so of two people acting on one case at once
    the second sees the state the first left and is told (``workflow_stale``) — never a double
    transition. ``expected_state`` is the state the actor's page showed: a case that moved since
    is refused the same way, even when the new state would allow the transition.
    """
    proc = processes.get(case.process)
    transition_def = proc.transition(name)
    if transition_def is None or (transition_def.system and actor is not None):
        raise Invalid("workflow_unknown_transition", _("没有这个操作"), field="transition")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise Invalid("workflow_comment_too_long", _("意见不能超过 %(n)s 字") % {"n": COMMENT_MAX}, field="comment")
    if transition_def.comment_required and not comment:
        raise Invalid(
            "workflow_comment_required", _("请填写意见（%(action)s时必须说明理由）") % {"action": transition_def.label}, field="comment"
        )
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        _check(proc, transition_def, locked, actor, expected_state)
        _apply(proc, transition_def, locked, actor, comment)
    case.state, case.state_changed_at = locked.state, locked.state_changed_at
    return locked


def _check(proc: Process, t: Transition, case: Case, actor, expected_state: str | None) -> None:
    if expected_state is not None and case.state != expected_state:
        raise Conflict(
            "workflow_stale",
            _("该事项已被他人处理，当前状态为“%(state)s”，请刷新后再试") % {"state": proc.state_label(case.state)},
        )
    if case.state not in t.sources:
        raise Conflict(
            "workflow_not_allowed_in_state",
            _("当前状态为“%(state)s”，不能%(action)s") % {"state": proc.state_label(case.state), "action": t.label},
        )
    if actor is None:
        # The system acts only where the process says so: a system transition, or the expiry of the current state.
        if not (t.system or proc.state(case.state).on_expiry == t.name):
            raise Forbidden("workflow_forbidden", _("您没有权限%(action)s") % {"action": t.label})
    elif t.system or t.allowed is None or not t.allowed(actor, case):
        raise Forbidden("workflow_forbidden", _("您没有权限%(action)s") % {"action": t.label})
    problems = [str(p) for p in (t.guard(case) if t.guard else [])]
    if problems:
        raise ApiError(
            "workflow_incomplete",
            _("还不能%(action)s：%(reasons)s") % {"action": t.label, "reasons": "；".join(problems)},
            status=422,
            problems=problems,
        )


def _apply(proc: Process, t: Transition, case: Case, actor, comment: str) -> None:
    now = timezone.now()
    before = case.state
    case.state, case.state_changed_at = t.target, now
    case.save(update_fields=["state", "state_changed_at"])
    acting_user = actor if getattr(actor, "is_authenticated", False) else None
    Event.objects.create(
        case=case, transition=t.name, from_state=before, to_state=t.target, actor=acting_user, comment=comment, created_at=now
    )
    Deadline.objects.filter(case=case, closed_at__isnull=True).update(closed_at=now)
    _open_deadline(proc, case, now)
    if t.effect is not None:
        t.effect(case, actor=acting_user, comment=comment)
    audit(actor=acting_user, action=f"{proc.key}.{t.name}", obj=case, changes={"state": [before, t.target]})
    _notify(proc, t, case, acting_user, comment)


def _open_deadline(proc: Process, case: Case, entered_at: datetime) -> None:
    state = proc.state(case.state)
    due = state.due_at(case, entered_at)
    if due is None:
        return
    Deadline.objects.create(case=case, state=state.key, due_at=due, remind_at=state.remind_at(case, due))


def deadline_recompute(*, case: Case, actor=None, reason: str = "") -> Deadline | None:
    """Recompute the open deadline of the case's current state from the process declaration.

    For when what a state's due date depends on has changed while the case sits in it (the
    parties agreed to extend a period, a local rule changed): the state's ``deadline`` is asked
    again with the moment the case entered the state. The reminder moves with the due date; a
    reminder already sent is sent again when its new time is still ahead, and a deadline marked
    expired is open again when its new due date is still ahead. Returns the deadline (``None``
    when the state has none). One transaction, on the locked case row.
    """
    proc = processes.get(case.process)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        state = proc.state(locked.state)
        deadline = Deadline.objects.filter(case=locked, state=locked.state, closed_at__isnull=True).order_by("-pk").first()
        due = state.due_at(locked, locked.state_changed_at)
        if deadline is None or due is None:
            return deadline
        now = timezone.now()
        before = deadline.due_at
        deadline.due_at = due
        deadline.remind_at = state.remind_at(locked, due)
        if deadline.reminded_at is not None and deadline.remind_at is not None and deadline.remind_at > now:
            deadline.reminded_at = None
        if deadline.expired_at is not None and due > now:
            deadline.expired_at = None
        deadline.save(update_fields=["due_at", "remind_at", "reminded_at", "expired_at"])
        if before != due:
            audit(
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                action=f"{proc.key}.deadline_recompute",
                obj=locked,
                changes={"state": locked.state, "due_at": [before.isoformat(), due.isoformat()], "reason": (reason or "")[:200]},
            )
    return deadline


def _notify(proc: Process, t: Transition, case: Case, actor, comment: str) -> None:
    recipients = [user for user in t.notify(case) if user is not None and user != actor]
    if not recipients:
        return
    title = _("%(process)s：%(action)s") % {"process": proc.label, "action": t.label}
    body = _("当前状态：%(state)s") % {"state": proc.state_label(case.state)}
    if comment:
        body += "\n" + _("意见：%(comment)s") % {"comment": comment}
    notify(recipients=recipients, title=title, body=body, subject=case.subject)


def deadlines_tick(now: datetime | None = None) -> dict:
    """Send due reminders and expire passed deadlines (the scheduler runs this every minute).

    A state with ``on_expiry`` moves on by itself (e.g. the public-notice period ends); each
    expiry is its own transaction, so one failing case cannot hold back the others.
    """
    now = now or timezone.now()
    reminded = _send_reminders(now)
    expired = 0
    due = Deadline.objects.filter(closed_at__isnull=True, expired_at__isnull=True, due_at__lte=now).select_related("case")
    for deadline in due[:500]:
        expired += _expire(deadline, now)
    return {"reminded": reminded, "expired": expired}


def _send_reminders(now: datetime) -> int:
    count = 0
    pending = Deadline.objects.filter(closed_at__isnull=True, reminded_at__isnull=True, remind_at__lte=now).select_related("case")
    for deadline in pending[:500]:
        with transaction.atomic():
            claimed = Deadline.objects.filter(pk=deadline.pk, reminded_at__isnull=True).update(reminded_at=now)
            if not claimed:
                continue  # another scheduler took it
            proc = processes.get(deadline.case.process)
            recipients = [u for u in proc.reminder_recipients(deadline.case) if u is not None]
            if recipients:
                notify(
                    recipients=recipients,
                    title=_("%(process)s：办理时限将到") % {"process": proc.label},
                    body=_("“%(state)s”须在 %(due)s 前办理")
                    % {"state": proc.state_label(deadline.state), "due": timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M")},
                    subject=deadline.case.subject,
                )
            count += 1
    return count


def _expire(deadline: Deadline, now: datetime) -> int:
    """Mark a deadline passed and take the state's expiry transition. When that transition's guard
    refuses (an objection still open at the end of a public notice) the case stays where it is and
    the people reminded of the deadline are told why, so a person decides."""
    proc = processes.get(deadline.case.process)
    on_expiry = proc.state(deadline.state).on_expiry
    with transaction.atomic():
        claimed = Deadline.objects.filter(pk=deadline.pk, expired_at__isnull=True, closed_at__isnull=True).update(expired_at=now)
        if not claimed:
            return 0
    if on_expiry and deadline.case.state == deadline.state:
        try:
            transition_perform(case=deadline.case, name=on_expiry, actor=None)
        except ApiError as refused:
            notify(
                recipients=[u for u in proc.reminder_recipients(deadline.case) if u is not None],
                title=_("%(process)s：已到期，须人工办理") % {"process": proc.label},
                body=str(refused.message),
                subject=deadline.case.subject,
            )
    return 1
