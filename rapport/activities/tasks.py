from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks import task

from rapport.core.scheduler import periodic


@periodic(every=timedelta(minutes=1))
@task()
def send_task_reminders() -> None:
    """Email assignees the reminders that are due. Each reminder is claimed (``reminded_at`` set) in the
    transaction that sends it, so two workers never send the same one and a crash before the commit
    leaves it to be sent again."""
    from django.utils import timezone

    from .models import Task

    now = timezone.now()
    due = Task.objects.filter(remind_at__lte=now, reminded_at__isnull=True, assignee__isnull=False,
                              status__in=("open", "in_progress")).values_list("pk", flat=True)[:200]  # fmt: skip
    for pk in due:
        with transaction.atomic():
            claimed = Task.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now)
            if not claimed:
                continue
            item = Task.objects.select_related("assignee", "contact", "company").get(pk=pk)
            if not item.assignee.is_active or not item.assignee.email:
                continue
            context = {"task": item, "concerns": _concerns(item), "base_url": settings.BASE_URL}
            send_mail(
                subject=f"Reminder: {item.title}",
                message=render_to_string("activities/email/task_reminder.txt", context),
                from_email=None,
                recipient_list=[item.assignee.email],
            )


def _concerns(item) -> str:
    """The name of the record the task is about, only if its assignee may see that record."""
    from rapport.contacts import selectors

    if item.contact_id and selectors.visible_ids(actor=item.assignee, object_type="contact", ids=[item.contact_id]):
        return item.contact.display_name
    if item.company_id and selectors.visible_ids(actor=item.assignee, object_type="company", ids=[item.company_id]):
        return item.company.name
    return ""
