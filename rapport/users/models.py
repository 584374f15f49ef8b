import hashlib
import secrets
import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from .enums import Feature, Scope

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


class Team(models.Model):
    access_type = "team"

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    managers = models.ManyToManyField("users.User", blank=True, related_name="managed_teams")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="team_name_ci_uniq")]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A named set of permissions: per object type a read and a write scope, plus feature permissions.

    ``scopes`` is ``{object_type: {"read": scope, "write": scope}}``; a missing entry means ``none``.
    """

    access_type = "role"

    key = models.SlugField(max_length=50, unique=True, help_text="Stable identifier of a built-in role.")
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_builtin = models.BooleanField(default=False)
    scopes = models.JSONField(default=dict, blank=True)
    features = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="role_name_ci_uniq")]

    def __str__(self) -> str:
        return self.name

    def scope(self, object_type: str, operation: str) -> Scope:
        return Scope(self.scopes.get(object_type, {}).get(operation, Scope.NONE))

    def has_feature(self, feature: Feature | str) -> bool:
        return str(feature) in self.features


class User(AbstractUser):
    access_type = "user"

    email = models.EmailField("email address", unique=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    time_zone = models.CharField(max_length=64, blank=True, choices=TIME_ZONE_CHOICES)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]
        indexes = [
            models.Index(fields=["team", "username"], name="user_team_idx"),
            models.Index(fields=["role", "username"], name="user_role_idx"),
            models.Index(fields=["date_joined", "id"], name="user_joined_idx"),
            models.Index(fields=["last_name", "first_name", "id"], name="user_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_uniq"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_uniq"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


TOKEN_PREFIX = "rap_"


def hash_token(raw: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough; a slow hash would only slow requests.
    return hashlib.sha256(raw.encode()).hexdigest()


class APIToken(models.Model):
    """A personal API token. Only its hash is stored; the raw value is shown once, at creation."""

    access_type = "token"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise a token.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="token_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def generate() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)
