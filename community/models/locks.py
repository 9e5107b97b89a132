"""A named lock row for scheduled jobs on databases without advisory locks (SQLite).

PostgreSQL uses `pg_try_advisory_lock` instead (community/locks.py); this table
stays empty there."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobLock(models.Model):
    """Held by one process running a scheduled job; a lease so a killed holder
    cannot block the job for ever."""

    name = models.CharField(_("job"), max_length=100, primary_key=True)
    holder = models.CharField(_("holder"), max_length=64)
    acquired_at = models.DateTimeField(_("acquired"))
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("job lock")
        verbose_name_plural = _("job locks")
        indexes = [models.Index(fields=["expires_at"], name="joblock_expires")]

    def __str__(self):
        return f"{self.name} ({self.holder})"
