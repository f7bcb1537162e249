"""Runs the programmes' periodic jobs (registry.add_periodic_job) — one small process beside the
web, each job on its own thread and schedule (core/scheduler.py)."""

import signal

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from core.registry import registry
from core.scheduler import Job, Scheduler


class Command(BaseCommand):
    help = "定时任务：按注册的周期运行各项目的定时任务（汇总、过期处理、数据清理），每个任务独立运行，慢任务不耽误快任务。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="每个任务运行一次后退出")

    def handle(self, *args, once, **options):
        scheduler = Scheduler([Job(dotted, seconds, import_string(dotted)) for dotted, seconds in registry.periodic_jobs])
        if once:
            scheduler.run_once()
            return
        signal.signal(signal.SIGTERM, lambda *_args: scheduler.stopping.set())
        scheduler.start()
        try:
            while not scheduler.stopping.wait(1):
                pass
        except KeyboardInterrupt:
            pass
        scheduler.stop()
