from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task


@task()
def send_invitation(user_id: int) -> None:
    """Email an invited user a link to choose their password (safe to run twice: the link is just resent)."""
    from .models import User
    from .services import password_reset_link_parts

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return
    uid, token = password_reset_link_parts(user)
    context = {"user": user, "uid": uid, "token": token, "base_url": settings.BASE_URL}
    send_mail(
        subject="You are invited to Rapport",
        message=render_to_string("users/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@task()
def send_email_changed_notice(user_id: int, old_email: str) -> None:
    """Tell the previous address of an account that its email address was changed (safe to run twice).

    Sent even if the address was changed back meanwhile: change, reset the password, change back is what an
    intruder would do.
    """
    from .models import User

    user = User.objects.filter(pk=user_id).first()
    if user is None or not old_email:
        return
    context = {"user": user, "base_url": settings.BASE_URL}
    send_mail(
        subject="The email address of your Rapport account was changed",
        message=render_to_string("users/email/email_changed.txt", context),
        from_email=None,
        recipient_list=[old_email],
    )
