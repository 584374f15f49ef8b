import uuid

from django.conf import settings
from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One line of the append-only audit log: who did what, when, from where, with old and new values.

    The model refuses updates and deletes; a database trigger (migration 0003) refuses UPDATE as well,
    so not even raw SQL can rewrite history. The actor is kept as a plain id plus the name at the time, so deleting a user never
    touches the log.
    """

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_at_idx"),
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_idx"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")


class IdempotencyRecord(models.Model):
    """The stored answer to a POST made with an Idempotency-Key, replayed when the same key comes again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.BinaryField()
    content_type = models.CharField(max_length=100)
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_uniq")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


# --- Background work (rapport.core.jobs, rapport.core.worker, rapport.core.scheduler) ------------


class WorkerHeartbeat(models.Model):
    """A running ``rapport worker``, renewed every few seconds by a thread of that worker.

    A worker silent for ``WORKER_LEASE_SECONDS`` is taken for dead: the tasks it was running go back to the
    queue and are run again by another worker.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid}) seen {self.last_seen:%Y-%m-%d %H:%M:%S}"


class PeriodicSchedule(models.Model):
    """When a periodic task (``rapport.core.scheduler.periodic``) runs next.

    Workers claim a due run with a conditional UPDATE on ``next_run_at`` and enqueue the task in the same
    transaction, so each due run is enqueued exactly once however many workers are running.
    """

    name = models.CharField(max_length=200, primary_key=True)
    spec = models.CharField(max_length=100)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_task_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.spec}) next {self.next_run_at:%Y-%m-%d %H:%M:%S}"


class TaskOutbox(models.Model):
    """A task written in the caller's transaction, waiting to be handed to a non-database backend (Redis).

    ``rapport.core.jobs.enqueue`` writes the row beside the data it belongs to; after the commit the row is
    pushed to the backend (with the row's id as the job id) and deleted. Rows left by a crash between the
    commit and the push are relayed by the workers' maintenance loop.

    A row whose push fails for another reason than Redis being unreachable (task renamed or removed by a
    deploy, backend alias gone...) is retried with an exponential backoff (``next_attempt_at``, written with
    the database's clock); after ``jobs.OUTBOX_MAX_ATTEMPTS`` failures it is marked dead (``dead_at``) and
    kept for inspection, never relayed again unless revived.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    backend_name = models.CharField(max_length=32)
    queue_name = models.CharField(max_length=32)
    task_path = models.TextField()
    priority = models.IntegerField(default=0)
    run_after = models.DateTimeField(null=True, blank=True)
    args_kwargs = models.JSONField()
    # Failed pushes, Redis outages excepted (they stop the relay pass and are retried on the next one).
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)  # the exception's class name, never its message
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # None: due now
    dead_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.task_path} ({self.id})"


class DeferredIndex(models.Model):
    """A secondary index dropped for a bulk load and to be built again after it (``rapport.core.deferred_indexes``).

    The row is written in the transaction that drops the index, so a load that dies leaves the statement that
    rebuilds it: the next run of the load, or the periodic check, builds it again.
    """

    name = models.CharField(max_length=200, primary_key=True)
    table = models.CharField(max_length=200)
    definition = models.TextField()  # the CREATE INDEX statement, as the database gave it
    holder = models.CharField(max_length=100, db_index=True)  # who dropped it, e.g. "import:42"
    dropped_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} on {self.table} (held by {self.holder})"
