"""gunicorn as production runs the platform: sync workers, no access log, loopback only.

Sync workers because the hot paths are short, database-bound requests and Django on WSGI
measured 4-8x faster than on ASGI here; the worker count comes from BENCH_WORKERS (the
``workers`` benchmark measures 2, 3, 4 and 6 on this machine).
"""

import os

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8300")
workers = int(os.environ.get("BENCH_WORKERS", "4"))
worker_class = "sync"
backlog = 2048
timeout = 60
graceful_timeout = 5
keepalive = 2
preload_app = False  # each worker opens its own connections; nothing is shared across fork
accesslog = None
errorlog = os.environ.get("BENCH_ERRORLOG", "-")
loglevel = "warning"
proc_name = os.environ.get("BENCH_PROC_NAME", "uh-bench")
