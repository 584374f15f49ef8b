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
