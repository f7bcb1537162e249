#!/usr/bin/env python
"""Crash safety: scans keep their promise across a PostgreSQL restart, and ranks survive a lost Redis.

    python scripts/crash_restart.py --db uh_crash [--port 8440] [--seconds 20] [--threads 8] [--own-cluster]

1. creates a fresh database, migrates it, seeds a small world (a street, a union, a collection
   point, a collector with a device token, 2,000 bags, a few bound to workers);
2. starts gunicorn with the production settings (generated SECRET_KEY, SECURE_SSL_REDIRECT=false,
   ALLOWED_HOSTS=127.0.0.1) on a local port;
3. drives single-scan POSTs (Bearer device token) from threads for ``--seconds``, and restarts
   PostgreSQL in the middle (``pg_ctlcluster … main restart``);
4. records which scans the server acknowledged (2xx), then retries every unacknowledged scan with
   the same client_id until it is acknowledged;
5. verifies that every acknowledged scan is stored exactly once (and the retried ones too), no bag
   twice, and ``manage.py ledger_check`` passes;
6. Redis lost: FLUSHDB, then ``manage.py startup`` rebuilds the boards equal to the database;
7. a restart while idle: every gunicorn worker holds a kept connection, PostgreSQL restarts,
   then token requests (``GET /api/v1/core/me``, batch uploads, single scans) must get no 5xx —
   each worker's first request used to answer 503 on its dropped connection (issue 29) — and
   the task worker (``manage.py run_worker``, running beside gunicorn) must still be alive.

Prints a summary and exits non-zero when a promise was broken. Bounded: about a minute.
It restarts the machine's PostgreSQL cluster, so other test runs see a few seconds of outage —
unless ``--own-cluster`` runs it on a throwaway cluster of its own (initdb in /tmp, another port).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")

SEED = r"""
import json
from core.models import ApiToken, Member, Organisation, RoleAssignment, User
from modules.bags import codes, services
from modules.bags.points import default_rules_ensure

district = Organisation.objects.create(name="西城区总工会", level="district")
street = Organisation.objects.create(name="什刹海街道总工会", level="street", parent=district)
union = Organisation.objects.create(name="某科技公司工会", level="grassroots", parent=street, street=street, kind="enterprise")
staff = User.objects.create_user("crash-district", password=None)
RoleAssignment.objects.create(user=staff, role="district_staff", organisation=district)
collector = User.objects.create_user("crash-collector", password=None)
RoleAssignment.objects.create(user=collector, role="collector", organisation=street)
default_rules_ensure(actor=staff)
point = services.point_create(actor=staff, street=street, name="崩溃测试收集点", collectors=[collector])
batch = services.batch_create(actor=staff, organisation=union, size=2000)
for i in range(20):
    user = User.objects.create_user(f"crash-w{i}", password=None, phone=f"1380000{i:04d}")
    Member.objects.create(organisation=union, name=f"职工{i}", phone=f"1380000{i:04d}", user=user)
    services.bag_bind(actor=user, code=codes.encode(batch.first_bag_id + i))
_token, raw = ApiToken.issue(user=collector, name="crash-handheld")
print("SEED" + json.dumps({"token": raw, "point": point.pk, "codes": [codes.encode(batch.first_bag_id + i) for i in range(2000)]}))
"""


PG_PORT = 5432
OWN_CLUSTER: Path | None = None  # a throwaway cluster's data directory (--own-cluster)


def env_for(db: str, redis_db: int) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{PG_PORT}/{db}",
        REDIS_URL=f"redis://127.0.0.1:6379/{redis_db}",
        PYTHONUNBUFFERED="1",
        UNIONHUB_DEMO="1",  # a test run: no SMS gateway (production refuses to start without one)
    )
    return env


def manage(env, *args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=check, timeout=300)


def psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-d", db, "-Atc", sql], capture_output=True, text=True, timeout=60
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    return out.stdout.strip()


def wait_for_postgres(limit=60) -> None:
    for _ in range(limit * 2):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(PG_PORT), "-q"]).returncode == 0:
            return
        time.sleep(0.5)
    raise RuntimeError("PostgreSQL did not come back")


def _pg_ctl(*args: str) -> None:
    binary = Path("/usr/lib/postgresql") / sorted(os.listdir("/usr/lib/postgresql"))[-1] / "bin" / "pg_ctl"
    subprocess.run(["runuser", "-u", "postgres", "--", str(binary), *args], check=True, timeout=120, capture_output=True)


def own_cluster_start(port: int) -> None:
    """A throwaway cluster (trust auth, 127.0.0.1:port) so the restarts disturb nobody else."""
    global OWN_CLUSTER
    OWN_CLUSTER = Path(f"/tmp/uh-crash-pg-{port}")
    shutil.rmtree(OWN_CLUSTER, ignore_errors=True)
    OWN_CLUSTER.mkdir(parents=True)
    shutil.chown(OWN_CLUSTER, "postgres", "postgres")
    _pg_ctl("initdb", "-D", str(OWN_CLUSTER), "-o", "--auth=trust --username=postgres --encoding=UTF8 --no-sync")
    _pg_ctl(
        "start",
        "-w",
        "-D",
        str(OWN_CLUSTER),
        "-l",
        str(OWN_CLUSTER / "server.log"),
        "-o",
        f"-p {port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off",
    )


def postgres_restart() -> None:
    if OWN_CLUSTER is not None:
        _pg_ctl("restart", "-w", "-m", "fast", "-D", str(OWN_CLUSTER), "-l", str(OWN_CLUSTER / "server.log"))
        return
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True, timeout=120)


def own_cluster_stop() -> None:
    if OWN_CLUSTER is not None:
        try:
            _pg_ctl("stop", "-m", "immediate", "-D", str(OWN_CLUSTER))
        finally:
            shutil.rmtree(OWN_CLUSTER, ignore_errors=True)


def call(url: str, token: str, body=None, method: str = "POST", timeout=5.0) -> tuple[int, str]:
    """(status, content type) of a request with the device token; status 0 when not answered."""
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", "")
    except Exception:  # connection refused/reset, timeout: not answered
        return 0, ""


def post_scan(url: str, token: str, body: dict, timeout=5.0) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except Exception:  # connection refused/reset, timeout: not acknowledged
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="uh_crash")
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--port", type=int, default=8440)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--restart-at", type=float, default=8.0, help="seconds into the load")
    parser.add_argument("--no-restart", action="store_true", help="a dry run of everything but the PostgreSQL restart")
    parser.add_argument("--own-cluster", action="store_true", help="a throwaway PostgreSQL cluster on --pg-port (disturbs nobody)")
    parser.add_argument("--pg-port", type=int, default=None, help="5432, or 5442 with --own-cluster")
    args = parser.parse_args()
    global PG_PORT
    PG_PORT = args.pg_port or (5442 if args.own_cluster else 5432)
    if args.own_cluster:
        own_cluster_start(PG_PORT)
    try:
        return run(args)
    finally:
        own_cluster_stop()


def run(args) -> int:
    env = env_for(args.db, args.redis_db)
    started = time.monotonic()

    print(f"[1] fresh database {args.db}: create, migrate, seed")
    wait_for_postgres()
    psql(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{args.db}"')
    manage(env, "migrate", "--noinput")
    seeded = subprocess.run([PYTHON, "manage.py", "shell", "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    line = next((x for x in seeded.stdout.splitlines() if x.startswith("SEED")), None)
    if line is None:
        print(seeded.stdout[-2000:], seeded.stderr[-4000:])
        return 2
    world = json.loads(line[4:])
    token, point, codes = world["token"], world["point"], world["codes"]
    codes, kept_for_after = codes[:-RESERVED_FOR_AFTER], codes[-RESERVED_FOR_AFTER:]

    print(f"[2] gunicorn (production settings) on 127.0.0.1:{args.port}")
    log = open(ROOT / "var" / "crash-gunicorn.log", "w")
    server = subprocess.Popen(
        [GUNICORN, "config.wsgi:application", "-b", f"127.0.0.1:{args.port}", "-w", "3", "--timeout", "30", "--graceful-timeout", "5"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    task_worker = subprocess.Popen(
        [PYTHON, "manage.py", "run_worker", "--interval", "1", "--no-reload"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{args.port}/api/v1/bags/scans"
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.5)

        print(f"[3] {args.threads} threads scanning for {args.seconds:.0f} s; PostgreSQL restarts at {args.restart_at:.0f} s")
        lock = threading.Lock()
        next_bag = iter(range(len(codes)))
        sent: dict[str, dict] = {}
        acked: set[str] = set()
        statuses: dict[int, int] = {}
        during: dict[str, int] = {"sent": 0, "acked": 0}
        restart_window = [None, None]
        stop_at = time.monotonic() + args.seconds

        def worker(n: int) -> None:
            while time.monotonic() < stop_at:
                with lock:
                    i = next(next_bag, None)
                if i is None:
                    return
                body = {"client_id": f"crash-{i:05d}", "code": codes[i], "point_id": point, "category": "kitchen", "grade": "correct"}
                status = post_scan(url, token, body)
                with lock:
                    sent[body["client_id"]] = body
                    statuses[status] = statuses.get(status, 0) + 1
                    in_window = restart_window[0] is not None and restart_window[1] is None
                    if in_window:
                        during["sent"] += 1
                    if 200 <= status < 300:
                        acked.add(body["client_id"])
                        if in_window:
                            during["acked"] += 1

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.threads)]
        load_started = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(args.restart_at)
        restart_window[0] = time.monotonic()
        if not args.no_restart:
            postgres_restart()
        wait_for_postgres()
        restart_window[1] = time.monotonic()
        for t in threads:
            t.join()
        load_seconds = time.monotonic() - load_started

        unacked = [cid for cid in sent if cid not in acked]
        print(f"[4] retrying {len(unacked)} unacknowledged scans with the same client_id")
        retried_ok = 0
        for cid in unacked:
            for _attempt in range(20):
                status = post_scan(url, token, sent[cid])
                if 200 <= status < 300:
                    retried_ok += 1
                    break
                time.sleep(0.5)

        print("[5] verifying the database")
        stored = json.loads(
            psql(
                "SELECT coalesce(json_object_agg(client_id, n), '{}') FROM "
                "(SELECT client_id, count(*) n FROM bags_collection GROUP BY client_id) s",
                args.db,
            )
        )
        bag_dupes = int(psql("SELECT count(*) FROM (SELECT bag_id FROM bags_collection GROUP BY bag_id HAVING count(*) > 1) s", args.db))
        lost = [cid for cid in acked if stored.get(cid) != 1]
        retried_missing = [cid for cid in unacked if stored.get(cid) != 1]
        duplicates = sum(1 for n in stored.values() if n > 1) + bag_dupes
        ledger = manage(env, "ledger_check", check=False)

        print("[6] Redis lost: FLUSHDB, then manage.py startup rebuilds the boards")
        subprocess.run(["redis-cli", "-n", str(args.redis_db), "FLUSHDB"], check=True, capture_output=True)
        startup = manage(env, "startup", check=False)
        compare = subprocess.run(
            [
                PYTHON,
                "manage.py",
                "shell",
                "-c",
                "from engines.ranking import leaderboard as lb, periods as P\n"
                "from modules.bags import rankings as R\n"
                "c = R.compute(); bad = [(b.name, s.key, sc) for b in R.BOARDS for s in P.spans(None, b.periods)"
                " for sc, m in c.get((b.name, s.key), {}).items() if lb.scores(b, s.key, sc) != dict(m)]\n"
                "print('RANKS', len(c), len(bad))",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        ranks_line = next((x for x in compare.stdout.splitlines() if x.startswith("RANKS")), "RANKS ? ?")
        _tag, boards, bad_boards = ranks_line.split()

        print("[7] PostgreSQL restarts while idle; then token requests must get no 5xx")
        after = after_an_idle_restart(args, token, point, kept_for_after, no_restart=args.no_restart)
        after["task_worker_alive"] = task_worker.poll() is None

        summary = {
            "load_seconds": round(load_seconds, 1),
            "threads": args.threads,
            "sent": len(sent),
            "scans_per_second": round(len(sent) / load_seconds, 1),
            "status_counts": {str(k): v for k, v in sorted(statuses.items())},
            "restart_seconds": round(restart_window[1] - restart_window[0], 1),
            "sent_during_restart": during["sent"],
            "acked_during_restart": during["acked"],
            "acked": len(acked),
            "failed_first_time": len(unacked),
            "retried_and_acked": retried_ok,
            "stored": sum(stored.values()),
            "acked_but_not_stored_once": len(lost),
            "retried_not_stored_once": len(retried_missing),
            "duplicates": duplicates,
            "ledger_check": "ok" if ledger.returncode == 0 else ledger.stdout[-300:] + ledger.stderr[-300:],
            "redis_flushed_then_startup": startup.returncode == 0,
            "boards_compared": boards,
            "boards_differing_from_database": bad_boards,
            "after_idle_restart": after,
            "total_seconds": round(time.monotonic() - started, 1),
        }
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        (ROOT / "var" / "crash-restart.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
        ok = (
            not lost
            and not retried_missing
            and duplicates == 0
            and ledger.returncode == 0
            and retried_ok == len(unacked)
            and startup.returncode == 0
            and bad_boards == "0"
            and summary["stored"] == len(sent)
            and after["5xx"] == 0
            and after["not_json"] == 0
            and after["unanswered"] == 0
            and after["task_worker_alive"]
        )
        print("PASS: every acknowledged scan stored exactly once" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        task_worker.terminate()
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


RESERVED_FOR_AFTER = 100  # bags the load leaves for step 7
AFTER_ROUNDS = 12


def after_an_idle_restart(args, token: str, point: int, codes: list[str], *, no_restart: bool) -> dict:
    """Every worker holds an idle kept connection when PostgreSQL restarts; the requests after it
    (the first of each worker included) must all be answered, none 5xx, all JSON."""
    base = f"http://127.0.0.1:{args.port}/api/v1"
    for _ in range(30):  # more than the workers: each one has made (and kept) its connection
        call(f"{base}/core/me", token, method="GET")
    if not no_restart:
        postgres_restart()
    wait_for_postgres()
    statuses: dict[str, dict[int, int]] = {"me": {}, "batch": {}, "scan": {}}
    not_json = 0
    next_code = iter(codes)

    def scan(i: int, kind: str) -> dict:
        return {"client_id": f"after-{kind}-{i:03d}", "code": next(next_code), "point_id": point, "category": "kitchen", "grade": "correct"}

    for i in range(AFTER_ROUNDS):
        answers = {
            "me": call(f"{base}/core/me", token, method="GET"),
            "batch": call(f"{base}/bags/scans/batch", token, {"items": [scan(i * 5 + j, "batch") for j in range(5)]}),
            "scan": call(f"{base}/bags/scans", token, scan(i, "scan")),
        }
        for kind, (status, content_type) in answers.items():
            statuses[kind][status] = statuses[kind].get(status, 0) + 1
            not_json += not content_type.startswith("application/json")
    every = [status for counts in statuses.values() for status, n in counts.items() for _ in range(n)]
    return {
        "requests": len(every),
        "status_counts": {kind: {str(k): v for k, v in sorted(c.items())} for kind, c in statuses.items()},
        "5xx": sum(1 for status in every if status >= 500),
        "unanswered": sum(1 for status in every if status == 0),
        "not_json": not_json,
    }


if __name__ == "__main__":
    sys.exit(main())
