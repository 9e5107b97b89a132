from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self):
        # Request ids follow queued tasks to the worker (README "Running at scale").
        from myeloma_forum.logging import connect_task_signals

        connect_task_signals()
