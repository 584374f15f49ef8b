"""The one error shape of Rapport: services raise ApplicationError, the API answers RFC 9457 problem JSON."""

from collections.abc import Mapping


class ApplicationError(Exception):
    """A refused request, with a machine-readable code and optional per-field messages."""

    status = 400

    def __init__(self, code: str, message: str, fields: Mapping[str, str | list[str]] | None = None, *, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = {k: v if isinstance(v, list) else [v] for k, v in (fields or {}).items()}
        if status is not None:
            self.status = status


class NotFound(ApplicationError):
    """The record does not exist, or the actor may not see it (the two are indistinguishable)."""

    status = 404

    def __init__(self, message: str = "Not found."):
        super().__init__("not_found", message)


class PermissionDenied(ApplicationError):
    status = 403

    def __init__(self, message: str = "You do not have permission to do this."):
        super().__init__("permission_denied", message)


class Conflict(ApplicationError):
    status = 409


class PreconditionFailed(ApplicationError):
    status = 412

    def __init__(self, message: str = "The record changed since you read it; reload and try again."):
        super().__init__("precondition_failed", message)


def validation_error(fields: Mapping[str, str | list[str]], message: str = "Some fields are invalid."):
    return ApplicationError("invalid", message, fields, status=422)


def from_django_validation_error(exc) -> ApplicationError:
    """Turn a django.core.exceptions.ValidationError into our error shape."""
    if hasattr(exc, "error_dict"):
        return validation_error({f: [str(m) for e in errs for m in e.messages] for f, errs in exc.error_dict.items()})
    return validation_error({"__all__": exc.messages}, message=" ".join(exc.messages))
