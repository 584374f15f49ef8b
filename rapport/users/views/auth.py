"""Signing in, lockout, password change and reset."""

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy

from rapport.core import audit

LOCKOUT_MESSAGE = (
    "Too many failed sign-in attempts for this account from your address. "
    "Wait a few minutes and try again, or reset your password."
)


class RapportLoginView(auth_views.LoginView):
    template_name = "users/login.html"
    redirect_authenticated_user = True


def lockout_response(request, credentials, *args, **kwargs):
    """What a locked-out sign-in sees: the same page, whether or not the account exists."""
    return render(
        request,
        "users/login.html",
        {"lockout_message": LOCKOUT_MESSAGE, "form": None},
        status=429,
    )


class RapportPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "users/password_change.html"
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        # PasswordChangeView keeps this session and, via the session hash, signs out every other one.
        response = super().form_valid(form)
        audit.record(actor=self.request.user, action="password_changed", obj=self.request.user)
        messages.success(self.request, "Your password was changed. Other sessions were signed out.")
        return response


class RapportPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "users/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(actor=form.user, action="password_reset", obj=form.user)
        # The lockout message sends users here: proving control of the mailbox lifts the sign-in lock.
        axes_reset(username=form.user.get_username())
        return response
