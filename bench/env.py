"""The environment every part of a run shares: the database, Redis, the production settings."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import psycopg

from bench.scales import REDIS_URL, Scale, conninfo, database_url

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
DATA_DIR = BENCH_DIR / "data"
VENV_BIN = Path(sys.executable).parent


def new_secret_key() -> str:
    return secrets.token_urlsafe(64)


# Set by ``--pgbouncer``: the platform's database through PgBouncer (transaction pooling).
POOLER_ENV: dict[str, str] = {}


def route_through_pgbouncer(port: int, dbname: str) -> None:
    POOLER_ENV.update({"DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/{dbname}", "DATABASE_POOLING": "transaction"})


def platform_env(scale: Scale, secret_key: str) -> dict[str, str]:
    """The variables production would set (plus the bench's own database and Redis db)."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secret_key,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(scale.database),
        "CONN_MAX_AGE": "600",
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": f"uhbench-{scale.name}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "UNIONHUB_DEMO": "1",  # a benchmark: no SMS gateway (production refuses to start without one)
        "UNIONHUB_VAR_DIR": str(DATA_DIR / f"var-{scale.name}"),
        "MEDIA_ROOT": str(DATA_DIR / f"media-{scale.name}"),
        "TASKS_BACKEND": os.environ.get("BENCH_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "PYTHONPATH": str(ROOT),
        **POOLER_ENV,
    }


_configured: str | None = None


def setup_django(scale: Scale, secret_key: str) -> None:
    """Configure this process like the server (production settings) and start Django once."""
    global _configured
    if _configured is not None:
        if _configured != scale.name:
            raise RuntimeError("one process benchmarks one scale; run `python -m bench` again for another")
        return
    os.environ.update(platform_env(scale, secret_key))
    (DATA_DIR / f"var-{scale.name}").mkdir(parents=True, exist_ok=True)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    _configured = scale.name


def admin_connect(autocommit: bool = True) -> psycopg.Connection:
    return psycopg.connect(conninfo("postgres"), autocommit=autocommit)


def connect(scale: Scale, autocommit: bool = False) -> psycopg.Connection:
    return psycopg.connect(conninfo(scale.database), autocommit=autocommit)


def database_exists(name: str) -> bool:
    with admin_connect() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def create_database(name: str, drop: bool = False) -> None:
    with admin_connect() as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
