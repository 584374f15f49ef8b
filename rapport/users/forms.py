"""Forms of the admin and account pages. They parse and check input; the services validate and write."""

import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm

from rapport.core.forms import QuickSelect

from . import access, selectors
from .enums import Feature, Operation, Scope
from .models import TIME_ZONE_CHOICES, Role, Team, User
from .roles import DEFAULT_INVITE_ROLE

SCOPE_CHOICES = [(str(s), s.label) for s in (Scope.ALL, Scope.TEAM, Scope.OWN, Scope.NONE)]
SCOPE_SHORT_LABELS = {Scope.ALL: "All", Scope.TEAM: "Team", Scope.OWN: "Own", Scope.NONE: "None"}


def time_zone_field(**kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Time zone",
        required=False,
        choices=[("", f"Default ({settings.TIME_ZONE})"), *TIME_ZONE_CHOICES],
        help_text="Dates and times are shown in this zone.",
        widget=QuickSelect,
        **kwargs,
    )


class UserChoiceField(forms.ModelChoiceField):
    widget = QuickSelect

    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


def _teams(actor):
    # Choices need names only: team_list()'s member counts would aggregate every user on each page view.
    return access.scoped(Team.objects.all(), actor=actor, object_type="team")


def _roles(actor):
    return access.scoped(Role.objects.all(), actor=actor, object_type="role")


def can_choose_role(actor) -> bool:
    return access.has_feature(actor, Feature.SETTINGS)


# --- users ---------------------------------------------------------------------------------------

USER_SORTS = {
    "username": ("username",),
    "name": ("last_name", "first_name"),
    "email": ("email",),
    "team": ("team__name",),
    "role": ("role__name",),
    "last_login": ("last_login",),
}


class UserFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, widget=forms.TextInput(attrs={"type": "search"}))
    team = forms.ModelChoiceField(queryset=None, required=False, empty_label="All teams")
    role = forms.ModelChoiceField(queryset=None, required=False, empty_label="All roles")
    status = forms.ChoiceField(
        required=False, choices=[("", "Active and deactivated"), ("active", "Active"), ("inactive", "Deactivated")]
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(p + k, p + k) for k in USER_SORTS for p in ("", "-")],
        widget=forms.HiddenInput,
    )

    def __init__(self, data=None, *, actor):
        super().__init__(data)
        self.fields["team"].queryset = _teams(actor)
        self.fields["role"].queryset = _roles(actor)

    def selector_filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status")
        return {
            "q": data.get("q") or "",
            "team_id": data["team"].pk if data.get("team") else None,
            "role_id": data["role"].pk if data.get("role") else None,
            "is_active": {"active": True, "inactive": False}.get(status),
        }

    def ordering(self) -> tuple[str, list[str]]:
        """The chosen sort key (``-`` for descending) and the matching order_by fields."""
        sort = (self.cleaned_data.get("sort") if self.is_valid() else "") or "username"
        desc = sort.startswith("-")
        fields = [("-" if desc else "") + f for f in USER_SORTS[sort.lstrip("-")]]
        return sort, [*fields, "-pk" if desc else "pk"]


class UserInviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
    username = forms.CharField(
        required=False, max_length=150, help_text="Leave blank to use the email address as the username."
    )
    first_name = forms.CharField(label="First name", required=False, max_length=150)
    last_name = forms.CharField(label="Last name", required=False, max_length=150)
    team = forms.ModelChoiceField(queryset=None, required=False, empty_label="No team")
    role = forms.ModelChoiceField(queryset=None)

    def __init__(self, data=None, *, actor):
        super().__init__(data)
        self.fields["time_zone"] = time_zone_field()
        self.fields["team"].queryset = _teams(actor)
        if access.scope_of(actor, "user", Operation.WRITE) == Scope.TEAM:
            # Team-scoped actors (managers) invite into their own team only.
            team = self.fields["team"]
            team.queryset = team.queryset.filter(pk=actor.team_id)
            team.required, team.empty_label, team.initial = True, None, actor.team_id
        roles = selectors.assignable_roles(actor=actor)
        role = self.fields["role"]
        role.queryset = Role.objects.filter(pk__in=[r.pk for r in roles])
        role.initial = next((r.pk for r in roles if r.key == DEFAULT_INVITE_ROLE), None)
        role.help_text = "What the new user may see and do. You can give roles that reach no further than yours."

    def service_data(self) -> dict:
        data = self.cleaned_data
        out = {
            "email": data["email"],
            "username": data["username"],
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "time_zone": data["time_zone"],
            "team_id": data["team"].pk if data.get("team") else None,
        }
        out["role_id"] = data["role"].pk
        return out


class UserEditForm(forms.Form):
    """A user's profile; the team and role only when the actor may change them."""

    username = forms.CharField(max_length=150)
    email = forms.EmailField(label="Email address")
    first_name = forms.CharField(label="First name", required=False, max_length=150)
    last_name = forms.CharField(label="Last name", required=False, max_length=150)
    team = forms.ModelChoiceField(queryset=None, required=False, empty_label="No team")
    role = forms.ModelChoiceField(queryset=None, empty_label=None)

    def __init__(self, data=None, *, actor, user: User):
        initial = {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "time_zone": user.time_zone,
            "team": user.team_id,
            "role": user.role_id,
        }
        super().__init__(data, initial=initial)
        self.fields["time_zone"] = time_zone_field()
        if access.scope_of(actor, "user", Operation.WRITE) == Scope.ALL:
            self.fields["team"].queryset = _teams(actor)
        else:
            del self.fields["team"]
        if can_choose_role(actor) and user.pk != actor.pk:
            self.fields["role"].queryset = _roles(actor)
        else:
            del self.fields["role"]

    def service_data(self) -> dict:
        data = self.cleaned_data
        out = {k: data[k] for k in ("username", "email", "first_name", "last_name", "time_zone")}
        if "team" in self.fields:
            out["team_id"] = data["team"].pk if data.get("team") else None
        if "role" in self.fields:
            out["role_id"] = data["role"].pk
        return out


class AccountForm(forms.Form):
    """What users change about themselves. Changing one's email address takes the current password."""

    first_name = forms.CharField(label="First name", required=False, max_length=150)
    last_name = forms.CharField(label="Last name", required=False, max_length=150)
    email = forms.EmailField(label="Email address")
    current_password = forms.CharField(
        label="Current password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Needed only to change your email address.",
    )

    def __init__(self, data=None, *, user: User):
        self.user = user
        initial = {k: getattr(user, k) for k in ("first_name", "last_name", "email", "time_zone")}
        super().__init__(data, initial=initial)
        self.fields["time_zone"] = time_zone_field()

    def email_changes(self) -> bool:
        email = self.cleaned_data.get("email")
        return bool(email) and email.strip().lower() != (self.user.email or "").strip().lower()

    def clean(self):
        cleaned = super().clean()
        if self.email_changes():
            password = cleaned.get("current_password") or ""
            if not password:
                self.add_error("current_password", "Enter your current password to change your email address.")
            elif not self.user.check_password(password):
                self.add_error("current_password", "Your current password was entered incorrectly.")
        return cleaned

    def service_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("first_name", "last_name", "email", "time_zone")}


# --- password reset ------------------------------------------------------------------------------


class RapportPasswordResetForm(PasswordResetForm):
    """Django's reset form, also for invited users who have not chosen a password yet (Rapport has no SSO, so
    an unusable password only ever means "not chosen yet"), with links built from BASE_URL, not the Host header.
    """

    def get_users(self, email):
        def folded(value: str) -> str:  # as Django compares (its _unicode_ci_compare)
            return unicodedata.normalize("NFKC", value).casefold()

        users = User.objects.filter(email__iexact=email, is_active=True)
        return (u for u in users if folded(u.email) == folded(email))

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        context = {**context, "base_url": settings.BASE_URL}
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


# --- teams ---------------------------------------------------------------------------------------

TEAM_SORTS = {"name": ("name",), "members": ("member_count",)}


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    managers = UserMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Managers see and edit the records of their team.",
    )

    def __init__(self, data=None, *, actor, team=None):
        initial = {}
        if team is not None:
            initial = {"name": team.name, "description": team.description, "managers": list(team.managers.all())}
        super().__init__(data, initial=initial)
        if access.scope_of(actor, "team", Operation.WRITE) == Scope.ALL:
            self.fields["managers"].queryset = selectors.user_list(actor=actor, filters={"is_active": True})
        else:
            del self.fields["managers"]

    def service_data(self) -> dict:
        out = {"name": self.cleaned_data["name"], "description": self.cleaned_data["description"]}
        if "managers" in self.fields:
            out["manager_ids"] = [u.pk for u in self.cleaned_data["managers"]]
        return out


# --- roles ---------------------------------------------------------------------------------------


class RoleForm(forms.Form):
    """A role: name, description, a (read, write) scope per object type, and feature permissions."""

    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    features = forms.MultipleChoiceField(
        required=False, choices=Feature.choices, widget=forms.CheckboxSelectMultiple, label="Features"
    )

    def __init__(self, data=None, *, role: Role | None = None, name: str | None = None, read_only: bool = False):
        initial = {}
        if role is not None:
            initial = {"name": name or role.name, "description": role.description, "features": list(role.features)}
            for key in access.OBJECT_TYPES:
                initial[f"read__{key}"] = str(role.scope(key, "read"))
                initial[f"write__{key}"] = str(role.scope(key, "write"))
        super().__init__(data, initial=initial)
        for key, spec in access.OBJECT_TYPES.items():
            for op in ("read", "write"):
                self.fields[f"{op}__{key}"] = forms.ChoiceField(
                    label=f"{spec.label}: {op}",
                    choices=SCOPE_CHOICES,
                    initial=str(Scope.NONE),
                    widget=forms.RadioSelect,
                )
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def field_map() -> dict[str, str]:
        return {f"scopes.{key}": f"write__{key}" for key in access.OBJECT_TYPES}

    def scope_rows(self) -> list[dict]:
        """One row per object type for the permission matrix."""
        rows = []
        for key, spec in access.OBJECT_TYPES.items():
            read, write = self[f"read__{key}"], self[f"write__{key}"]
            rows.append(
                {
                    "key": key,
                    "label": spec.label,
                    "read": read,
                    "write": write,
                    "errors": [*read.errors, *write.errors],
                }
            )
        return rows

    def scope_columns(self) -> list[str]:
        return [SCOPE_SHORT_LABELS[Scope(value)] for value, _ in SCOPE_CHOICES]

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data["description"],
            "features": data["features"],
            "scopes": {
                key: {"read": data[f"read__{key}"], "write": data[f"write__{key}"]} for key in access.OBJECT_TYPES
            },
        }


# --- tokens --------------------------------------------------------------------------------------


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, e.g. “Accounting sync”.", label="Token name"
    )
