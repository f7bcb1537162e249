from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _tune_sqlite(sender, connection, **kwargs):
    """WAL keeps the demo responsive while a background task writes."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys=ON;")


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "平台核心"

    def ready(self):
        from core import checks  # noqa: F401 (registers the system checks)
        from core.registry import registry

        connection_created.connect(_tune_sqlite)
        registry.autodiscover()
