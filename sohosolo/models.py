"""Project-wide records that belong to no domain app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicJobRun(models.Model):
    """When a periodic job last started; claimed atomically so that two schedulers never run a job twice."""

    name = models.CharField(_("job"), max_length=80, unique=True)
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    """Which version (checksum) of a shipped data file was loaded, so that loading again costs nothing."""

    name = models.CharField(_("data set"), max_length=80, unique=True)
    digest = models.CharField(_("SHA-256 of the file"), max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("loaded data set")
        verbose_name_plural = _("loaded data sets")

    def __str__(self) -> str:
        return self.name


class DeliveredEmail(models.Model):
    """One row per message key: claimed before sending, marked once the mail server accepted the message.

    A retried delivery task whose key is marked sends nothing (see `sohosolo.lib.emails.deliver_email`). It holds no
    address or text, only the key, so it carries no personal data."""

    key = models.CharField(_("message key"), max_length=100, unique=True)
    claimed_at = models.DateTimeField(_("claimed at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)

    class Meta:
        verbose_name = _("delivered email")
        verbose_name_plural = _("delivered emails")

    def __str__(self) -> str:
        return self.key


class WorkerHeartbeat(models.Model):
    """A running `manage.py worker` says it is alive every few seconds; a task whose worker stopped beating is
    requeued by the other workers (or by the next one to start)."""

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    hostname = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    beat_at = models.DateTimeField(_("last heartbeat"), db_index=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}, {self.pid})"
