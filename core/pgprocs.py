"""PostgreSQL-side processes of our own, for the tests and the benchmark: a throwaway cluster, a
streaming replica of it (``pg_basebackup -R``) and PgBouncer in front of a server.

Each is started from the machine's binaries (Debian's ``postgresql-15`` and ``pgbouncer``) on a
free loopback port, in a temporary folder of its own, and stopped (folder removed) by ``stop()``
or at the end of a ``with`` block. Nothing here touches the machine's own PostgreSQL cluster
besides connecting to it. PostgreSQL refuses to run as root, so as root the servers run as the
``postgres`` user (who owns their folders).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(name: str) -> str:
    """A PostgreSQL server binary (``initdb``, ``pg_ctl``, ``pg_basebackup``…): Debian keeps them
    under /usr/lib/postgresql/<version>/bin, off the PATH; the newest version is taken."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise FileNotFoundError(f"{name}: no PostgreSQL server binaries (Debian package postgresql-15)")
    return candidates[-1]


def _server_user() -> dict:
    """``subprocess`` arguments that run a command as ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam("postgres")
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [], "cwd": "/tmp"}


def _own_folder(prefix: str) -> Path:
    """A temporary folder the server user owns (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)
    return path


def _run(cmd: list[str], *, as_server: bool = False) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **(_server_user() if as_server else {}))
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def wait_for_port(port: int, *, timeout: float = 30.0, proc: subprocess.Popen | None = None, what: str = "server") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout} s")


class Cluster:
    """A PostgreSQL cluster of our own on a free port: ``Cluster.new()`` (initdb) as a primary,
    ``primary.replica()`` as its streaming replica. Trust authentication on loopback only;
    ``fsync`` off (nothing here is kept)."""

    def __init__(self, folder: Path, port: int):
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.log = folder / "server.log"

    # -- making one ---------------------------------------------------------------------------
    @classmethod
    def new(cls) -> Cluster:
        folder = _own_folder("uh-pg-primary-")
        cluster = cls(folder, free_port())
        _run(
            as_server=True,
            cmd=(
                [pg_bin("initdb"), "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]
            ),
        )
        # A primary streams its WAL to replicas: PostgreSQL 15's defaults already allow it
        # (wal_level = replica, max_wal_senders = 10, replication on loopback in pg_hba).
        cluster._configure(["wal_level = replica", "max_wal_senders = 4", "wal_keep_size = '64MB'"])
        cluster.start()
        return cluster

    def replica(self) -> Cluster:
        """A hot standby streaming from this cluster: ``pg_basebackup -R`` writes the primary's
        connection into ``postgresql.auto.conf`` and ``standby.signal``; it then replays forever."""
        folder = _own_folder("uh-pg-replica-")
        standby = Cluster(folder, free_port())
        _run(
            [
                pg_bin("pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-D",
                str(standby.data),
                "-R",
                "--checkpoint=fast",
                "--wal-method=stream",
                "--no-sync",
            ],
            as_server=True,
        )
        standby._configure(["hot_standby = on", "hot_standby_feedback = on"])
        standby.start()
        return standby

    def _configure(self, lines: list[str]) -> None:
        base = [
            "listen_addresses = '127.0.0.1'",
            f"port = {self.port}",
            f"unix_socket_directories = '{self.folder}'",
            "fsync = off",
            "full_page_writes = off",
            "shared_buffers = '32MB'",
            "max_connections = 40",
            "logging_collector = off",
        ]
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("\n# uh: a throwaway cluster (core/pgprocs.py)\n" + "\n".join(base + lines) + "\n")

    # -- running ------------------------------------------------------------------------------
    def start(self) -> None:
        _run([pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start"], as_server=True)

    def stop(self, *, remove: bool = True) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop"],
                capture_output=True,
                timeout=60,
                **_server_user(),
            )
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True)

    def sql(self, statement: str, params=None, dbname: str = "postgres"):
        with self.connect(dbname) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def wait_replayed(self, lsn: str, *, timeout: float = 30.0) -> None:
        """On a replica: wait until the WAL up to ``lsn`` (a primary's ``pg_current_wal_lsn()``)
        has been replayed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (done,) = self.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])[0]
            if done:
                return
            time.sleep(0.05)
        raise TimeoutError(f"replica on port {self.port} did not replay up to {lsn} within {timeout} s")

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def copy_database(source: dict, target: Cluster, dbname: str) -> None:
    """Create ``dbname`` on ``target`` as a copy (schema and rows) of the database that Django's
    settings dict ``source`` names, with the machine's ``pg_dump`` piped into ``psql``."""
    target.sql(f'CREATE DATABASE "{dbname}"')
    env = {**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""}
    dump = subprocess.Popen(
        [
            pg_bin("pg_dump"),
            "-h",
            source.get("HOST") or "127.0.0.1",
            "-p",
            str(source.get("PORT") or 5432),
            "-U",
            source.get("USER") or "postgres",
            "--no-owner",
            "--no-privileges",
            source["NAME"],
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    load = subprocess.run(
        [pg_bin("psql"), "-q", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(target.port), "-U", "postgres", "-d", dbname],
        stdin=dump.stdout,
        capture_output=True,
        text=True,
        timeout=300,
    )
    dump.stdout.close()
    dump_err = dump.stderr.read().decode()
    if dump.wait(timeout=60) != 0 or load.returncode != 0:
        raise RuntimeError(f"copying {source['NAME']} failed: {dump_err[-1000:]} {load.stderr[-2000:]}")


class PgBouncer:
    """PgBouncer on a free loopback port in front of ``host:port`` (every database there), in
    ``pool_mode`` (transaction pooling by default), with ``pool_size`` server connections per
    database and user. ``max_prepared_statements`` is written only when given (PgBouncer ≥ 1.21;
    Debian 12 ships 1.18, which has no such setting)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        pool_mode: str = "transaction",
        pool_size: int = 4,
        max_client_conn: int = 200,
        max_prepared_statements: int | None = None,
    ):
        self.folder = _own_folder("uh-pgbouncer-")
        self.port = free_port()
        self.log = self.folder / "pgbouncer.log"
        lines = [
            "[databases]",
            f"* = host={host} port={port}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {self.port}",
            f"unix_socket_dir = {self.folder}",
            "auth_type = trust",
            f"auth_file = {self.folder / 'users.txt'}",
            f"pool_mode = {pool_mode}",
            f"default_pool_size = {pool_size}",
            f"max_client_conn = {max_client_conn}",
            "ignore_startup_parameters = extra_float_digits,options",
            "server_reset_query_always = 0",
            f"logfile = {self.log}",
            "admin_users = postgres",
        ]
        if max_prepared_statements is not None:
            lines.append(f"max_prepared_statements = {max_prepared_statements}")
        (self.folder / "pgbouncer.ini").write_text("\n".join(lines) + "\n")
        (self.folder / "users.txt").write_text('"postgres" ""\n')
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for name in ("pgbouncer.ini", "users.txt"):
                os.chown(self.folder / name, user.pw_uid, user.pw_gid)
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not os.path.exists(binary):
            raise FileNotFoundError("pgbouncer: not installed (Debian package pgbouncer, scripts/test_deps.sh)")
        self.proc = subprocess.Popen(
            [binary, str(self.folder / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **_server_user(),
        )
        try:
            wait_for_port(self.port, proc=self.proc, what="pgbouncer")
        except Exception:
            self.stop()
            raise

    @staticmethod
    def version() -> tuple[int, ...]:
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        out = _run([binary, "--version"]).split()[1]
        return tuple(int(p) for p in out.split(".")[:2])

    def show(self, what: str) -> list[tuple]:
        """The admin console's ``SHOW <what>`` (pools, stats, servers…)."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="pgbouncer", autocommit=True, prepare_threshold=None
        ) as conn:
            cur = conn.execute(f"SHOW {what}")
            names = [c.name for c in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PgBouncer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
