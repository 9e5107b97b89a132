"""Delete visitors' posts that were never confirmed (older than 7 days) with the
accounts made for them. Run daily from cron, or enqueue
`community.tasks_write_first.purge_pending_posts_task` once with the database
task backend."""

from django.core.management.base import BaseCommand

from community.services.write_first import pending_purge


class Command(BaseCommand):
    help = "Delete unconfirmed 'write first' posts older than 7 days and their unused accounts."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        posts, accounts = pending_purge(dry_run=dry_run)
        if verbosity:
            verb = "Would delete" if dry_run else "Deleted"
            self.stdout.write(f"{verb} {posts} unconfirmed post(s) and {accounts} unused account(s).")
