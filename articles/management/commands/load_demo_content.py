"""Load the demo articles, hero pictures, poll and (when allowed) demo members.

Safe to run again: everything is found by slug or e-mail, so a second run changes
nothing. Demo accounts are never created on a production site (DEBUG off) unless
`--force` is given."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from articles import demo


class Command(BaseCommand):
    help = "Load demo articles, their poll and (in development) demo members. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Create demo accounts even when DEBUG is off.")

    def handle(self, *args, force=False, verbosity=1, **options):
        with transaction.atomic():
            articles = {}
            for spec in demo.ARTICLES:
                article, changed = demo.load_article(spec)
                articles[article.slug] = article
                self._say(verbosity, f"{'Updated' if changed else 'Unchanged'}: article {article.slug}")
            poll, changed = demo.load_poll(articles[demo.MAIN_SLUG])
            self._say(verbosity, f"{'Updated' if changed else 'Unchanged'}: poll on {demo.MAIN_SLUG}")
        if settings.DEBUG or force:
            self._load_accounts(poll, verbosity)
        else:
            self.stdout.write(
                self.style.WARNING("DEBUG is off: demo members were not created (use --force to create them anyway).")
            )

    def _load_accounts(self, poll, verbosity):
        with transaction.atomic():
            added = demo.load_demo_voters(poll)
        self._say(verbosity, f"Demo poll answers added: {added}")
        try:
            from community.demo import load_community_demo
        except ImportError:
            self._say(verbosity, "Community demo content is not available yet; skipped.")
            return
        load_community_demo(self.stdout)

    def _say(self, verbosity, message):
        if verbosity >= 1:
            self.stdout.write(message)
