"""What is worth a reminder on a given day, read through the same selectors the pages use.

Every date and status comes from the apps' own functions — the month being filed and its due date
(`filing_month`), who has filed what (`unit_statuses`), the approval queue (`approval_queue`), a petition's
statutory limit (`Petition.due_on`, set by `Petition.compute_due_on` from the 信访工作条例), an overdue
responsibility (`Responsibility.objects.overdue`) — so a reminder never disagrees with a page.

A `Reminder` names the jurisdictions its text speaks of; the sender delivers it only to recipients who may view
every one of them (`reminders.services`), whatever the recipient rules below say.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.choices import PetitionKind, PetitionStatus, ResponsibilityStatus, ReturnStatus
from activities.models import MonthlyReturn, Petition, PetitionStatusChange, Responsibility
from activities.selectors.monthly import approval_queue, filing_month, unit_statuses
from activities.selectors.petitions import overdue_count
from activities.views.monthly import jurisdiction_key
from base import access
from base.access import Action, Role
from communities.choices import AuditAction
from communities.models import AuditEntry, Jurisdiction, Membership
from communities.services import import_refusal_note

from .choices import ReminderKind
from .models import Notification

# How many days ahead a deadline is announced: monthly returns and petitions 3, responsibilities 7 (issue #14).
RETURN_NOTICE_DAYS = 3
PETITION_NOTICE_DAYS = 3
RESPONSIBILITY_NOTICE_DAYS = 7
# "When it passes": an overdue reminder goes out in the days after the limit (a week, in case the timer stopped),
# not on every run forever; the robots' daily digest keeps counting what stays overdue.
PASSED_WITHIN_DAYS = 7
# A return sent back longer ago than this is old news when reminders are first switched on.
RETURNED_WITHIN_DAYS = 30
LOCKOUT_WITHIN_DAYS = 2
IMPORT_REFUSED_WITHIN_DAYS = 2
# A digest lists at most this many lines; the link leads to the whole list.
DIGEST_LINES = 30


@dataclass
class Reminder:
    """One thing to tell some people: the same text in the site, in an e-mail and (digests) in a group robot."""

    kind: str
    subject: str
    occasion: str
    title: str
    body: str
    link: str
    recipients: list = field(default_factory=list)
    jurisdictions: tuple = ()  # what the text speaks of: every recipient must be able to view each
    action: str = Action.VIEW


def _month_label(month):
    return _("%(y)d年%(m)d月") % {"y": month.year, "m": month.month}


def _day(day):
    return _("%(m)d月%(d)d日") % {"m": day.month, "d": day.day}


def _lines(items):
    shown = list(items[:DIGEST_LINES])
    more = len(items) - len(shown)
    text = "\n".join(f"- {item}" for item in shown)
    if more > 0:
        text += "\n" + _("……另有%(n)d项") % {"n": more}
    return text


def _active_members(jurisdiction_ids, roles):
    """Return {jurisdiction id: [users]} of the active users holding one of `roles` in exactly those places."""
    found = defaultdict(list)
    rows = (
        Membership.objects.filter(jurisdiction_id__in=set(jurisdiction_ids), role__in=roles, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    for membership in rows:
        found[membership.jurisdiction_id].append(membership.user)
    return found


def _leaders():
    """Active users holding a role that approves returns somewhere (leaders, administrators)."""
    ids = Membership.objects.filter(role__in=access.roles_allowing(Action.APPROVE), user__is_active=True).values(
        "user_id"
    )
    return list(get_user_model().objects.filter(pk__in=ids).order_by("username"))


def _filing_rows(today, filing, tops):
    """Return {top pk: unit_statuses rows} for the month being filed, each subtree read once."""
    return {top.pk: unit_statuses(jurisdiction=top, month=filing.month, today=today) for top in tops}


def _monthly_link(jurisdiction, month):
    return reverse("activities:monthly_edit", args=[jurisdiction_key(jurisdiction), month])


def _overview_link(jurisdiction, month):
    return f"{reverse('activities:monthly_list')}?jurisdiction={jurisdiction.code or ''}&month={month:%Y-%m}"


# Staff: the month's return before and after its due date, and a return sent back.


def return_reminders(today):
    """Staff of a unit whose return is not submitted: from 3 days before the due date, and once it is late."""
    filing = filing_month(today)
    if today < filing.due_on - timedelta(days=RETURN_NOTICE_DAYS):
        return []
    late = filing.is_overdue
    roots = list(Jurisdiction.objects.filter(parent__isnull=True))
    rows = [row for rows in _filing_rows(today, filing, roots).values() for row in rows if not row.has_submitted]
    staff = _active_members([row.jurisdiction.pk for row in rows], [Role.STAFF])
    reminders = []
    for row in rows:
        unit, month = row.jurisdiction, filing.month
        values = {"unit": unit.name, "month": _month_label(month), "due": _day(filing.due_on)}
        if late:
            title = _("%(unit)s%(month)s的月报已逾期（应于%(due)s前上报）") % values
            body = _("%(unit)s%(month)s的月报尚未上报，已超过上报期限%(due)s，请尽快填报并上报。") % values
        else:
            title = _("请于%(due)s前上报%(unit)s%(month)s的月报") % values
            body = _("%(unit)s%(month)s的月报尚未上报（当前状态：%(status)s），上报期限为%(due)s。") % {
                **values,
                "status": row.status_label,
            }
        reminders.append(
            Reminder(
                kind=ReminderKind.RETURN_LATE if late else ReminderKind.RETURN_DUE,
                subject=f"return:{unit.pk}:{month:%Y-%m}",
                occasion="late" if late else "before-due",
                title=title,
                body=body,
                link=_monthly_link(unit, month),
                recipients=staff.get(unit.pk, []),
                jurisdictions=(unit,),
                action=Action.CHANGE,
            )
        )
    return reminders


def returned_reminders(today):
    """The person who submitted a return sent back for correction, and the unit's staff."""
    since = today - timedelta(days=RETURNED_WITHIN_DAYS)
    returns = list(
        MonthlyReturn.objects.filter(status=ReturnStatus.RETURNED, reviewed_at__date__gte=since)
        .select_related("jurisdiction", "submitted_by")
        .order_by("jurisdiction__path", "month")
    )
    staff = _active_members([r.jurisdiction_id for r in returns], [Role.STAFF])
    reminders = []
    for monthly_return in returns:
        unit = monthly_return.jurisdiction
        people = list(staff.get(unit.pk, []))
        submitter = monthly_return.submitted_by
        if submitter is not None and submitter.is_active and submitter not in people:
            people.append(submitter)
        values = {"unit": unit.name, "month": _month_label(monthly_return.month)}
        body = _("%(unit)s%(month)s的月报被退回修改，请修改后重新上报。") % values
        if monthly_return.return_reason:
            body += "\n" + _("退回理由：%(reason)s") % {"reason": monthly_return.return_reason[:300]}
        reminders.append(
            Reminder(
                kind=ReminderKind.RETURN_RETURNED,
                subject=f"return:{unit.pk}:{monthly_return.month:%Y-%m}",
                occasion=f"returned:{monthly_return.reviewed_at:%Y%m%d%H%M%S}",
                title=_("%(unit)s%(month)s的月报被退回修改") % values,
                body=body,
                link=_monthly_link(unit, monthly_return.month),
                recipients=people,
                jurisdictions=(unit,),
                action=Action.CHANGE,
            )
        )
    return reminders


# Leaders: returns waiting for their approval, and one digest of the units still late.


def approval_reminders(today):
    """Each leader with returns in their approval queue: one reminder a day while any waits."""
    reminders = []
    for leader in _leaders():
        queue = list(approval_queue(user=leader))
        if not queue:
            continue
        items = [f"{r.jurisdiction.name} {_month_label(r.month)}" for r in queue]
        reminders.append(
            Reminder(
                kind=ReminderKind.APPROVALS_WAITING,
                subject=f"approvals:{leader.pk}",
                occasion=today.isoformat(),
                title=_("有%(n)d份月报等待您审核") % {"n": len(queue)},
                body=_lines(items),
                link=reverse("activities:monthly_list"),
                recipients=[leader],
                jurisdictions=tuple({r.jurisdiction.pk: r.jurisdiction for r in queue}.values()),
                action=Action.APPROVE,
            )
        )
    return reminders


def _approving_tops(user):
    """The highest places where `user` holds a role that approves; for a superuser too, whose reach is everywhere
    but whose digest is about the places they hold a role in."""
    roles = access.roles_allowing(Action.APPROVE)
    places = sorted(
        {
            m.jurisdiction.path: m.jurisdiction
            for m in user.memberships.select_related("jurisdiction")
            if m.role in roles
        }.items()
    )
    return [j for i, (path, j) in enumerate(places) if not any(path.startswith(p) for p, _j in places[:i])]


def late_units(top, today):
    """Return the units of `top`'s subtree whose return for the month being filed is late, as the dashboard lists
    them (`unit_statuses(...)[i].is_late`, the rows of `Dashboard.returns`)."""
    filing = filing_month(today)
    return [row for row in unit_statuses(jurisdiction=top, month=filing.month, today=today) if row.is_late]


def _late_digest(top, rows, filing):
    values = {"place": top.name, "month": _month_label(filing.month), "n": len(rows), "due": _day(filing.due_on)}
    title = _("%(place)s：%(n)d个单位%(month)s的月报逾期未报") % values
    body = _("上报期限%(due)s已过，以下单位尚未上报：") % values + "\n" + _lines([r.jurisdiction.name for r in rows])
    return title, body


def late_units_reminders(today):
    """Each leader, once per month after the due date: one digest of the late units of their subtree."""
    filing = filing_month(today)
    if not filing.is_overdue:
        return []
    reminders, by_top = [], {}
    for leader in _leaders():
        for top in _approving_tops(leader):
            if top.pk not in by_top:
                by_top[top.pk] = late_units(top, today)
            rows = by_top[top.pk]
            if not rows:
                continue
            title, body = _late_digest(top, rows, filing)
            reminders.append(
                Reminder(
                    kind=ReminderKind.LATE_UNITS,
                    subject=f"late:{top.pk}:{filing.month:%Y-%m}",
                    occasion="late",
                    title=title,
                    body=body,
                    link=_overview_link(top, filing.month),
                    recipients=[leader],
                    jurisdictions=(top,),
                )
            )
    return reminders


# Whoever handles a petition or a dispute: 3 days before each statutory limit, and when it passes.

STEP_LABELS = {
    PetitionStatus.REGISTERED: gettext_lazy("受理期限"),
    PetitionStatus.ACCEPTED: gettext_lazy("办理期限"),
    PetitionStatus.HANDLING: gettext_lazy("办理期限"),
    PetitionStatus.EXTENDED: gettext_lazy("延期办理期限"),
    PetitionStatus.REVIEW: gettext_lazy("复查期限"),
    PetitionStatus.RECHECK: gettext_lazy("复核期限"),
}


def _petition_handlers(petitions):
    """Return {petition pk: [users]}: those who registered or moved the case and may still change it; for a case
    nobody has touched through the site (an import), the people holding a writing role in its own place, else in
    the nearest place above that has any."""
    ids = [p.pk for p in petitions]
    touched = defaultdict(set)
    for petition in petitions:
        if petition.created_by_id:
            touched[petition.pk].add(petition.created_by_id)
    for petition_id, user_id in PetitionStatusChange.objects.filter(
        petition_id__in=ids, changed_by__isnull=False
    ).values_list("petition_id", "changed_by_id"):
        touched[petition_id].add(user_id)
    users = get_user_model().objects.in_bulk({u for s in touched.values() for u in s})
    # A path is the chain of ids from the root ("00000001/00000007/"): the places above need no query.
    chains = {p.pk: [int(seg) for seg in p.jurisdiction.path.strip("/").split("/") if seg] for p in petitions}
    members = _active_members({pk for chain in chains.values() for pk in chain}, access.roles_allowing(Action.CHANGE))
    handlers = {}
    for petition in petitions:
        found = [
            users[u]
            for u in sorted(touched[petition.pk])
            if u in users and users[u].is_active and access.user_can(users[u], Action.CHANGE, petition.jurisdiction)
        ]
        if not found:
            nearest = next((pk for pk in reversed(chains[petition.pk]) if members.get(pk)), None)
            found = members.get(nearest, [])
        handlers[petition.pk] = found
    return handlers


def petition_reminders(today):
    """Open cases whose current statutory limit is 3 days away or less, or has just passed."""
    petitions = list(
        Petition.objects.open()
        .filter(
            due_on__gte=today - timedelta(days=PASSED_WITHIN_DAYS),
            due_on__lte=today + timedelta(days=PETITION_NOTICE_DAYS),
        )
        .select_related("jurisdiction")
        .order_by("due_on", "pk")
    )
    handlers = _petition_handlers(petitions)
    reminders = []
    for petition in petitions:
        overdue = petition.is_overdue(today)
        # Never the petitioner's name, phone or ID number, nor the summary (which may quote them).
        values = {
            "kind": PetitionKind(petition.kind).label,
            "place": petition.jurisdiction.name,
            "received": f"{petition.received_on:%Y-%m-%d}",
            "category": petition.get_category_display(),
            "step": STEP_LABELS.get(petition.status, STEP_LABELS[PetitionStatus.HANDLING]),
            "due": f"{petition.due_on:%Y-%m-%d}",
            "days": petition.days_overdue(today) if overdue else petition.days_left(today),
            "no": petition.pk,
        }
        if overdue:
            title = _("%(kind)s第%(no)s号已超过%(step)s%(days)d天") % values
            body = (
                _("%(place)s%(received)s登记的%(kind)s（%(category)s），%(step)s为%(due)s，已超期%(days)d天。") % values
            )
        else:
            title = _("%(kind)s第%(no)s号%(step)s还剩%(days)d天") % values
            body = _("%(place)s%(received)s登记的%(kind)s（%(category)s），%(step)s为%(due)s，请按期办理。") % values
        reminders.append(
            Reminder(
                kind=ReminderKind.PETITION_OVERDUE if overdue else ReminderKind.PETITION_DUE,
                subject=f"petition:{petition.pk}",
                occasion=f"{'overdue' if overdue else 'due'}:{petition.due_on:%Y-%m-%d}",
                title=title,
                body=body,
                link=petition.get_absolute_url(),
                recipients=handlers.get(petition.pk, []),
                jurisdictions=(petition.jurisdiction,),
                action=Action.CHANGE,
            )
        )
    return reminders


# Responsible persons and their jurisdiction's staff: due within 7 days, and overdue.


def _named(users, name):
    name = (name or "").strip()
    if not name:
        return []
    # Chinese names are often kept whole in one of the two name fields, or as 姓 + 名.
    return [
        u
        for u in users
        if name in (u.username, u.first_name, u.last_name, u.last_name + u.first_name, u.get_full_name().strip())
    ]


def responsibility_reminders(today):
    """Lines of a plan's breakdown not done whose deadline is 7 days away or less, or has just passed.

    The people told are those holding a writing role in the plan's own place (who keep the breakdown and may see
    the responsible persons' names) and the responsible person, when a user of that name may write the plan.
    """
    rows = list(
        Responsibility.objects.exclude(status=ResponsibilityStatus.DONE)
        .filter(
            deadline__gte=today - timedelta(days=PASSED_WITHIN_DAYS),
            deadline__lte=today + timedelta(days=RESPONSIBILITY_NOTICE_DAYS),
        )
        .select_related("indicator__plan__jurisdiction")
        .order_by("deadline", "pk")
    )
    writers = _active_members({r.indicator.plan.jurisdiction_id for r in rows}, access.roles_allowing(Action.CHANGE))
    names = {r.responsible_person.strip() for r in rows if r.responsible_person.strip()}
    candidates = []
    if names:
        people_named = Q(username__in=names) | Q(first_name__in=names) | Q(last_name__in=names)
        # 姓 in last_name and 名 in first_name: a first name found in a full name is enough to fetch the candidate.
        for name in names:
            people_named |= Q(last_name__gt="", first_name__gt="", first_name__in=[name[1:], name[2:]])
        candidates = list(get_user_model().objects.filter(people_named, is_active=True))
    reminders = []
    for row in rows:
        plan = row.indicator.plan
        people = list(writers.get(plan.jurisdiction_id, []))
        for user in _named(candidates, row.responsible_person):
            if user not in people and access.user_can(user, Action.CHANGE, plan.jurisdiction):
                people.append(user)
        overdue = row.is_overdue(today)
        values = {
            "indicator": row.indicator.code or row.indicator.title[:20],
            "department": row.lead_department,
            "plan": plan.title,
            "due": f"{row.deadline:%Y-%m-%d}",
            "days": (today - row.deadline).days if overdue else (row.deadline - today).days,
        }
        if overdue:
            title = _("责任事项“%(indicator)s %(department)s”已逾期%(days)d天") % values
        else:
            title = _("责任事项“%(indicator)s %(department)s”还剩%(days)d天到期") % values
        body = _("%(plan)s：指标%(indicator)s，牵头部门%(department)s，完成时限%(due)s。") % values
        reminders.append(
            Reminder(
                kind=ReminderKind.RESPONSIBILITY_OVERDUE if overdue else ReminderKind.RESPONSIBILITY_DUE,
                subject=f"responsibility:{row.pk}",
                occasion=f"{'overdue' if overdue else 'due'}:{row.deadline:%Y-%m-%d}",
                title=title,
                body=body,
                link=reverse("activities:responsibility_list", args=[plan.pk]),
                recipients=people,
                jurisdictions=(plan.jurisdiction,),
                action=Action.CHANGE,
            )
        )
    return reminders


# Administrators: events the audit trail records for them (lockouts, refused imports).


def _recent_audit(action, today, within_days):
    """The audit rows of `action` written in the `within_days` days up to `today`, oldest first."""
    return list(
        AuditEntry.objects.filter(
            action=action,
            created_at__date__gte=today - timedelta(days=within_days),
            created_at__date__lte=today,
        )
        .select_related("jurisdiction")
        .order_by("created_at", "pk")
    )


def _changed(entry, name, default=None):
    """The value an audit row recorded for `name` (its newest side), else `default`."""
    value = (entry.changes.get(name) or [None, default])[-1]
    return default if value is None else value


def _administrators():
    return list(
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(memberships__role=Role.ADMIN), is_active=True)
        .distinct()
        .order_by("username")
    )


def _administrators_of(place, admins):
    """Those of `admins` who may manage `place`; superusers alone for an event of no place."""
    if place is None:
        return [u for u in admins if u.is_superuser]
    return [u for u in admins if access.user_can(u, Action.MANAGE, place)]


# Administrators: accounts locked by the login throttle.


def lockout_reminders(today):
    """The administrators of a locked user's place (superusers for a name no place holds)."""
    entries = _recent_audit(AuditAction.LOCKOUT, today, LOCKOUT_WITHIN_DAYS)
    if not entries:
        return []
    admins = _administrators()
    reminders = []
    for entry in entries:
        place = entry.jurisdiction
        people = _administrators_of(place, admins)
        username = _changed(entry, "username", "") or entry.object_repr
        reminders.append(
            Reminder(
                kind=ReminderKind.ACCOUNT_LOCKED,
                subject=f"lockout:{entry.pk}",
                occasion="locked",
                title=_("账号 %(username)s 因登录失败次数过多被锁定") % {"username": username},
                body=entry.note,
                link=reverse("communities:audit_list"),
                recipients=people,
                jurisdictions=(place,) if place else (),
                action=Action.MANAGE,
            )
        )
    return reminders


# Administrators: imports refused for their errors (the audit rows communities.receivers writes).


def _audit_link(place):
    query = f"?action={AuditAction.IMPORT_REFUSED}"
    if place is not None and place.code:
        query += f"&jurisdiction={place.code}"
    return reverse("communities:audit_list") + query


def import_refused_reminders(today):
    """The administrators who may manage a refused import's place (superusers for an import of no place).

    The text is rebuilt from the row's file name, error count and first error's row and column, in the
    recipient's language; never a cell value (the audit row keeps none).
    """
    entries = _recent_audit(AuditAction.IMPORT_REFUSED, today, IMPORT_REFUSED_WITHIN_DAYS)
    if not entries:
        return []
    admins = _administrators()
    reminders = []
    for entry in entries:
        place = entry.jurisdiction
        people = _administrators_of(place, admins)
        what = _changed(entry, "import", "")
        values = {
            "place": place.name if place else "",
            "what": _(what) if what else _("导入"),
            "n": int(_changed(entry, "errors", 0)),
        }
        if place is not None:
            title = _("%(place)s的%(what)s被拒绝（%(n)d处错误）") % values
        else:
            title = _("%(what)s被拒绝（%(n)d处错误）") % values
        body = import_refusal_note(
            what=what,
            filename=_changed(entry, "filename", ""),
            errors=values["n"],
            row=_changed(entry, "row"),
            column=_changed(entry, "column", ""),
        )
        if entry.actor_name:
            body += "\n" + _("操作人：%(name)s") % {"name": entry.actor_name}
        reminders.append(
            Reminder(
                kind=ReminderKind.IMPORT_REFUSED,
                subject=f"import_refused:{entry.pk}",
                occasion="refused",
                title=title,
                body=body,
                link=_audit_link(place),
                recipients=people,
                jurisdictions=(place,) if place else (),
                action=Action.MANAGE,
            )
        )
    return reminders


REMINDER_SOURCES = (
    return_reminders,
    returned_reminders,
    approval_reminders,
    late_units_reminders,
    petition_reminders,
    responsibility_reminders,
    lockout_reminders,
    import_refused_reminders,
)


def due_reminders(today):
    """Return every reminder due on `today`, of every kind."""
    return [reminder for source in REMINDER_SOURCES for reminder in source(today)]


# Group robots: the late-returns digest (once a month) and the overdue digest (once a day) of a subtree.


@dataclass
class RobotMessage:
    kind: str
    subject: str
    occasion: str
    title: str
    text: str
    link: str


def robot_messages(robot, today):
    """Return what `robot` should post on `today` about its jurisdiction's subtree (no names of people)."""
    top = robot.jurisdiction
    messages = []
    filing = filing_month(today)
    if filing.is_overdue:
        rows = late_units(top, today)
        if rows:
            title, body = _late_digest(top, rows, filing)
            messages.append(
                RobotMessage(
                    ReminderKind.LATE_UNITS,
                    f"late:{top.pk}:{filing.month:%Y-%m}",
                    "late",
                    title,
                    body,
                    _overview_link(top, filing.month),
                )
            )
    petitions = overdue_count(jurisdiction=top, today=today)
    responsibilities = Responsibility.objects.in_subtree(top).overdue(today).count()
    if petitions or responsibilities:
        values = {"place": top.name, "petitions": petitions, "responsibilities": responsibilities}
        title = _("%(place)s超期事项：信访与纠纷%(petitions)d件，责任事项%(responsibilities)d项") % values
        body = _lines(
            [
                _("超过法定期限未办结的信访与矛盾纠纷：%(petitions)d件") % values,
                _("逾期未完成的责任分解事项：%(responsibilities)d项") % values,
            ]
        )
        link = reverse("dashboard_jurisdiction", args=[top.code]) if top.code else reverse("dashboard")
        messages.append(
            RobotMessage(ReminderKind.OVERDUE_DIGEST, f"overdue:{top.pk}", today.isoformat(), title, body, link)
        )
    return messages


def unread_count(user):
    return Notification.objects.for_recipient(user).unread().count()
