from urllib.parse import urlsplit

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

SITE_NAME = "Myeloma Forum"


def sync_site_record(*, apps=global_apps, using=DEFAULT_DB_ALIAS, verbosity=1, **kwargs):
    """Keep the Sites record (SITE_ID) in step with SITE_URL: allauth puts its name
    and domain into account e-mails. Runs after every `migrate` (and every test
    database flush), writes only when something differs, so a changed SITE_URL is
    picked up at the next deploy instead of being frozen by a one-off migration."""
    try:
        Site = apps.get_model("sites", "Site")
    except LookupError:  # sites not installed, or not migrated yet in this plan
        return
    if not router.allow_migrate_model(using, Site):
        return
    domain = urlsplit(settings.SITE_URL).netloc or "localhost"
    site_id = getattr(settings, "SITE_ID", 1)
    sites = Site.objects.using(using)
    if sites.exclude(pk=site_id).filter(domain=domain).exists():
        if verbosity >= 1:
            print(f"Site record not updated: another site already has the domain {domain}.")
        return
    site = sites.filter(pk=site_id).first()
    if site is None:
        sites.create(pk=site_id, domain=domain, name=SITE_NAME)
        # An explicit primary key leaves PostgreSQL's sequence behind (as in
        # django.contrib.sites.management.create_default_site).
        from django.core.management.color import no_style

        sequence_sql = connections[using].ops.sequence_reset_sql(no_style(), [Site])
        if sequence_sql:
            with connections[using].cursor() as cursor:
                for command in sequence_sql:
                    cursor.execute(command)
    elif (site.domain, site.name) != (domain, SITE_NAME):
        site.domain, site.name = domain, SITE_NAME
        site.save(update_fields=["domain", "name"])
    else:
        return
    if verbosity >= 2:
        print(f"Site record {site_id} set to {SITE_NAME} ({domain}).")
    # The historical model's save sends no signal to clear the real model's cache.
    if global_apps.is_installed("django.contrib.sites"):
        from django.contrib.sites.models import SITE_CACHE

        SITE_CACHE.clear()


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self):
        # Request ids follow queued tasks to the worker (README "Running at scale").
        from myeloma_forum.logging import connect_task_signals

        connect_task_signals()
        # Sent once per app; `sender=self` runs it once per migrate, after
        # django.contrib.sites (earlier in INSTALLED_APPS) created its default record.
        post_migrate.connect(sync_site_record, sender=self, dispatch_uid="community.sync_site_record")
