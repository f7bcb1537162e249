"""Start-up work before serving: each programme's registered hook (e.g. rebuild rankings if Redis lost them)."""

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from core.registry import registry


class Command(BaseCommand):
    help = "启动前检查：运行各项目注册的启动任务（如 Redis 排行榜丢失时从数据库重建）。"

    def handle(self, *args, **options):
        for dotted in registry.startup_hooks:
            message = import_string(dotted)()
            self.stdout.write(f"  ✓ {message or dotted}")
