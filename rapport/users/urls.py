from django.contrib.auth import views as auth_views
from django.urls import path

from .forms import RapportPasswordResetForm
from .views import account, auth, people, roles, teams

urlpatterns = [
    path("login/", auth.RapportLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth.RapportPasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=RapportPasswordResetForm,
            template_name="users/password_reset_form.html",
            email_template_name="users/email/password_reset.txt",
            subject_template_name="users/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="users/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth.RapportPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="users/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    # Settings: users, teams, roles (the audit log is in rapport.core.urls).
    path("settings/users/", people.user_list, name="user_list"),
    path("settings/users/invite/", people.user_invite, name="user_invite"),
    path("settings/users/bulk/", people.user_bulk, name="user_bulk"),
    path("settings/users/<int:pk>/", people.user_edit, name="user_edit"),
    path("settings/users/<int:pk>/deactivate/", people.user_deactivate, name="user_deactivate"),
    path("settings/users/<int:pk>/reactivate/", people.user_reactivate, name="user_reactivate"),
    path("settings/teams/", teams.team_list, name="team_list"),
    path("settings/teams/new/", teams.team_create, name="team_create"),
    path("settings/teams/<int:pk>/", teams.team_edit, name="team_edit"),
    path("settings/teams/<int:pk>/delete/", teams.team_delete, name="team_delete"),
    path("settings/roles/", roles.role_list, name="role_list"),
    path("settings/roles/new/", roles.role_create, name="role_create"),
    path("settings/roles/<int:pk>/", roles.role_edit, name="role_edit"),
    path("settings/roles/<int:pk>/copy/", roles.role_copy, name="role_copy"),
    path("settings/roles/<int:pk>/delete/", roles.role_delete, name="role_delete"),
    # My account.
    path("account/", account.account, name="account"),
    path("account/tokens/", account.token_list, name="token_list"),
    path("account/tokens/<int:pk>/revoke/", account.token_revoke, name="token_revoke"),
]
