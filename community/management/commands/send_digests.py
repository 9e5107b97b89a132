"""Send this period's e-mail digests to every subscriber who is due one.

Run it from cron, e.g. weekly on Monday 07:00 and daily at 07:00:

    python manage.py send_digests --frequency weekly
    python manage.py send_digests --frequency daily

It is safe to run again at any time: a sent-log row per subscriber per period
means nobody gets the same period's digest twice, and after a mail-server
failure the next run sends only the digests that are missing. Two schedulers
started at once (two hosts) cannot both run it: the second finds the job lock
(community/locks.py) held and stops without sending."""

import sys

from django.core.management.base import BaseCommand, CommandError

from community.locks import job_lock
from community.models.newsletter import Frequency
from community.services import newsletter as newsletter_services
from community.services.digests import send_due_digests


class Command(BaseCommand):
    help = "Send weekly or daily digests to subscribers who are due one (idempotent; safe to rerun)."

    def add_arguments(self, parser):
        parser.add_argument("--frequency", required=True, choices=Frequency.values)
        parser.add_argument("--dry-run", action="store_true", help="Build the digests and count them; send nothing.")
        parser.add_argument("--limit", type=int, default=None, help="Send at most this many digests.")
        parser.add_argument("--batch-size", type=int, default=None, help="Subscribers per batch and SMTP connection.")
        parser.add_argument("--retries", type=int, default=None, help="Retries of a temporary SMTP failure.")

    def handle(self, *args, frequency, dry_run, limit, batch_size, retries, **options):
        self.verbosity = options["verbosity"]
        self.live = self.verbosity >= 1 and sys.stdout.isatty()
        with job_lock(f"send-digests-{frequency}") as held:
            if not held:
                self.stdout.write(f"A {frequency} digest run is already going on elsewhere; nothing to do here.")
                return
            if not dry_run:
                newsletter_services.forget_stale_pending()
            summary = send_due_digests(
                frequency, dry_run=dry_run, limit=limit, batch_size=batch_size, retries=retries, progress=self._progress
            )
        if self.live:
            self.stdout.write("")
        self._summary(summary)
        if summary.stopped:
            raise CommandError(f"{summary.stopped} Run the command again later: it sends only what is missing.")

    def _progress(self, summary):
        if not self.live:
            return
        done = summary.sent + summary.nothing_new + summary.refused
        rate = done / summary.seconds if summary.seconds else 0
        left = (summary.due - done) / rate if rate else 0
        self.stdout.write(
            f"\r{done:,}/{summary.due:,} subscribers · {summary.sent:,} sent · "
            f"{rate:,.0f}/s · about {left:,.0f}s left ",
            ending="",
        )
        self.stdout.flush()

    def _summary(self, summary):
        if self.verbosity < 1:
            return
        verb = "would send" if summary.dry_run else "sent"
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.period}: {summary.due:,} due, {verb} {summary.sent:,}, "
                f"{summary.nothing_new:,} had nothing new, {summary.refused:,} refused by the server, "
                f"in {summary.seconds:.1f}s ({summary.rate:,.0f} messages/s)."
            )
        )
