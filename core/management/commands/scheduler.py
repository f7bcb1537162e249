"""Runs the programmes' periodic jobs (registry.add_periodic_job) — one small process beside the web."""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string

from core.registry import registry

log = logging.getLogger("unionhub.scheduler")


class Command(BaseCommand):
    help = "定时任务：按注册的周期运行各项目的定时任务（汇总、过期处理、数据清理）。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="每个任务运行一次后退出")

    def handle(self, *args, once, **options):
        jobs = [(dotted, seconds, import_string(dotted)) for dotted, seconds in registry.periodic_jobs]
        next_run = {dotted: 0.0 for dotted, _s, _f in jobs}
        while True:
            now = time.monotonic()
            for dotted, seconds, func in jobs:
                if now >= next_run[dotted]:
                    close_old_connections()
                    try:
                        result = func()
                        log.info("job %s done: %s", dotted, result)
                    except Exception:  # one failing job must not stop the others
                        log.exception("job %s failed", dotted)
                    next_run[dotted] = time.monotonic() + seconds
            if once:
                return
            time.sleep(1)
