"""The district-scale data set: built once per scale with COPY into the real schema, then reused.

The schema is the platform's own (Django migrations run on the bench database); the rows are
streamed with psycopg 3's ``cursor.copy()`` into tables whose secondary indexes and constraints
are dropped for the load and rebuilt afterwards (one sorted build per index beats millions of
random inserts), each table truncated in the loading transaction so ``COPY … FREEZE`` writes
its pages already frozen (no hint-bit rewrite, no VACUUM pass before index-only scans work).

What it looks like (the realism the queries need):
  * an organisation tree district → 15 streets + industry unions → grassroots unions whose sizes
    follow a log-normal law (many unions of 20-80 members, a few of several thousand);
  * members with Chinese names, unique phones, 60 % ranking consent;
  * a year of collections (2025-11-24 … 2026-11-23) with a weekly rhythm (weekends quieter),
    a daily one (peaks at 8, 12 and 18 o'clock), Spring Festival and National Day troughs and
    adoption growing through the year; categories 52 % kitchen / 28 % other / 17 % recyclable /
    3 % hazardous; each union its own sorting quality (75-97 % correct) and activity; each
    member's share skewed (a few heavy users), bags issued in quarterly batches per union;
  * the ledger: one credit per correctly sorted bag, balances equal to the sum of entries,
    ``balance_after`` running in time order, accounts opened at the first credit;
  * collection points (about one per eight unions) each with a collector holding a device token.

A marker table (``bench_marker``) records the scale, the generator's version, the migration
state and the load's figures; a later run with the same scale and version reuses the data and
only applies new migrations.
"""

from __future__ import annotations

import io
import json
import math
import random
import time
from bisect import bisect
from datetime import UTC, date, datetime, timedelta

from bench import env
from bench.scales import GENERATOR_VERSION, Scale

SEED = 2020
YEAR_START = date(2025, 11, 24)
DAYS = 365
TZ = "+08"
POINTS = {"kitchen": 2, "recyclable": 3, "hazardous": 5, "other": 1}
CATEGORY_WEIGHTS = [("kitchen", 0.52), ("other", 0.28), ("recyclable", 0.17), ("hazardous", 0.03)]
WRONG_REASONS = {
    "kitchen": ["with_packaging", "not_drained", "mixed_other"],
    "recyclable": ["not_clean", "mixed_kitchen", "mixed_other"],
    "hazardous": ["mixed_other", "battery"],
    "other": ["mixed_kitchen", "mixed_recyclable", "battery", "medicine"],
}
WEIGHT_RANGE = {"kitchen": (600, 3000), "recyclable": (200, 2500), "hazardous": (50, 600), "other": (300, 2000)}
HOURLY = [0.1, 0.05, 0.02, 0.02, 0.05, 0.2, 0.6, 1.6, 2.2, 1.4, 0.9, 1.0, 1.5, 1.1, 0.8, 0.8, 0.9, 1.6, 2.0, 1.4, 0.8, 0.5, 0.3, 0.15]
WEEKDAY = [1.0, 1.0, 1.0, 1.0, 0.95, 0.55, 0.45]
STREET_NAMES = [
    "西长安街",
    "新街口",
    "月坛",
    "展览路",
    "德胜",
    "金融街",
    "什刹海",
    "大栅栏",
    "天桥",
    "椿树",
    "陶然亭",
    "广安门内",
    "牛街",
    "白纸坊",
    "广安门外",
]
INDUSTRY_NAMES = ["教育系统", "卫生健康系统", "金融系统", "商业服务业", "建设系统", "文化旅游系统", "交通运输系统", "机关"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国志红玉海燕文博宇浩然子涵欣怡梓萱一诺思远晨曦佳琪雨桐俊"
KINDS = [("enterprise", 0.62), ("community", 0.13), ("park", 0.05), ("building", 0.08), ("institution", 0.12)]
WORDS = ["科技", "商贸", "物业", "餐饮", "快递", "建设", "文化", "医药", "金融服务", "信息", "环境", "物流"]
REASON_CODE = "bags.collection"  # the bags programme's ledger reason (modules.bags.points.LEDGER_REASON)

# Tables loaded by COPY with their indexes and constraints dropped for the load.
BIG_TABLES = ["core_member", "bags_bag", "bags_collection", "ledger_account", "ledger_entry"]


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {msg}", flush=True)


def claim_specs() -> tuple:
    """The partitioned tables with claims (read once Django is set up)."""
    from engines.ledger.partitioning import ENTRIES
    from modules.bags.partitioning import COLLECTIONS

    return (COLLECTIONS, ENTRIES)


def _claims() -> dict:
    return {spec.table: spec.claim for spec in claim_specs()}


CLAIMS: dict = {}

# ---------------------------------------------------------------- COPY text helpers


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def text_of(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (list, dict)):
        return _esc(json.dumps(value, ensure_ascii=False))
    if isinstance(value, datetime):
        return value.isoformat()
    return _esc(str(value))


def copy_columns(model, known: list[str]) -> tuple[list[str], str]:
    """The COPY column list: the columns the generator writes, then every other concrete column
    of the model (fields other engineers add later) filled with its default, so a new field with
    a default never breaks the load."""
    from django.db.models import NOT_PROVIDED

    cols = list(known)
    suffix = []
    for field in model._meta.concrete_fields:
        if field.column in known or (field.primary_key and field.get_internal_type().endswith("AutoField")):
            continue
        if field.has_default():
            value = field.get_default()
            if hasattr(value, "pk"):
                value = value.pk
        elif getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            continue
        elif field.null:
            value = None
        elif field.get_internal_type() in ("CharField", "TextField", "SlugField"):
            value = ""
        else:
            raise RuntimeError(f"{model._meta.db_table}.{field.column} has no default: teach bench/dataset.py to fill it")
        cols.append(field.column)
        suffix.append(text_of(value))
    return cols, "".join("\t" + s for s in suffix)


class CopyStream:
    """One ``COPY table (cols) FROM STDIN`` on its own connection, fed in 1 MB chunks."""

    def __init__(self, scale: Scale, model, known: list[str], freeze: bool = True):
        self.table = model._meta.db_table
        self.cols, self.suffix = copy_columns(model, known)
        self.conn = env.connect(scale)
        self.conn.execute("SET synchronous_commit = off")
        # The collections and the entries are partitioned by month, their keys claimed by triggers
        # (core/partitions.py): COPY cannot FREEZE a partitioned table, and the claims are made in
        # one INSERT … SELECT at the end of the load (same transaction) instead of row by row.
        CLAIMS.update(CLAIMS or _claims())
        self.claim = CLAIMS.get(self.table)
        if self.claim is not None and self.conn.execute("SELECT to_regclass(%s)", [self.claim.table]).fetchone()[0] is None:
            self.claim = None  # the layout before the claim migrations (bench/suites/convert.py loads into it)
        partitioned = self.conn.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = %s::regclass", [self.table]).fetchone()[0]
        if self.claim is not None:
            self.conn.execute("SET session_replication_role = replica")  # the claim triggers off, on this connection only
        if freeze:
            self.conn.execute(f"TRUNCATE {self.table}" + (f", {self.claim.table}" if self.claim else ""))
        opts = " WITH (FREEZE)" if freeze and not partitioned else ""
        self.cursor = self.conn.cursor()
        self._ctx = self.cursor.copy(f"COPY {self.table} ({', '.join(self.cols)}) FROM STDIN{opts}")
        self.copy = self._ctx.__enter__()
        self.buf: list[str] = []
        self.size = 0
        self.rows = 0

    def add(self, row: str) -> None:
        """``row`` is the tab-joined known columns, without newline."""
        self.buf.append(row)
        if len(self.buf) >= 8192:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.rows += len(self.buf)
            self.copy.write((self.suffix + "\n").join(self.buf) + self.suffix + "\n")
            self.buf = []

    def close(self) -> int:
        self.flush()
        self._ctx.__exit__(None, None, None)
        if self.claim is not None:
            cols = ", ".join(self.claim.columns)
            self.conn.execute(
                f"INSERT INTO {self.claim.table} ({cols}) SELECT {cols} FROM {self.table} WHERE {self.claim.key} IS NOT NULL ON CONFLICT DO NOTHING"
            )
        self.conn.commit()
        self.conn.close()
        return self.rows


# ---------------------------------------------------------------- indexes and constraints


def _capture_and_drop(conn, tables: list[str]) -> list[str]:
    """Drop the indexes and constraints (except CHECKs) of ``tables`` and of foreign keys that
    point at them; return the DDL that recreates them, primary keys first, foreign keys last."""
    pk, unique, indexes, fks = [], [], [], []
    drops = []
    seen = set()
    for table in tables:
        rows = conn.execute(
            """SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
               FROM pg_constraint c
               WHERE ((c.conrelid = %s::regclass AND c.contype IN ('p', 'u', 'f'))
                  OR (c.confrelid = %s::regclass AND c.contype = 'f'))
                 -- a partition's copy of its parent's constraint goes and comes back with the parent's
                 AND c.conparentid = 0""",
            [table, table],
        ).fetchall()
        for rel, name, kind, definition in rows:
            if (rel, name) in seen:
                continue
            seen.add((rel, name))
            ddl = f'ALTER TABLE {rel} ADD CONSTRAINT "{name}" {definition}'
            {"p": pk, "u": unique, "f": fks}[kind].append(ddl)
            drops.append((0 if kind == "f" else 1, f'ALTER TABLE {rel} DROP CONSTRAINT "{name}"'))
        for name, definition in conn.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
               WHERE i.indrelid = %s::regclass
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [table],
        ).fetchall():
            # a partitioned table's index reads "ON ONLY parent": recreated so, it would be an invalid
            # index on the parent alone, none on the partitions (every lookup a scan of each month)
            indexes.append(definition.replace(" ON ONLY ", " ON ", 1))
            drops.append((2, f"DROP INDEX {name}"))
    for _order, ddl in sorted(drops, key=lambda d: d[0]):
        conn.execute(ddl)
    return pk + unique + indexes + fks


def _recreate(scale: Scale, ddls: list[str]) -> float:
    started = time.perf_counter()
    with env.connect(scale, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        for ddl in ddls:
            t = time.perf_counter()
            conn.execute(ddl)
            log(f"  {time.perf_counter() - t:6.1f} s  {ddl[:110]}")
    return time.perf_counter() - started


# ---------------------------------------------------------------- the marker


def marker_get(scale: Scale) -> dict | None:
    if not env.database_exists(scale.database):
        return None
    with env.connect(scale, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('bench_marker')").fetchone()[0] is None:
            return None
        return {k: v for k, v in conn.execute("SELECT key, value FROM bench_marker").fetchall()}


def marker_set(scale: Scale, key: str, value) -> None:
    with env.connect(scale, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_marker (key text PRIMARY KEY, value jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(
            "INSERT INTO bench_marker (key, value) VALUES (%s, %s::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, at = now()",
            [key, json.dumps(value, ensure_ascii=False, default=str)],
        )


LOADED_APPS = {"core", "bags", "ledger"}  # the apps whose tables the generator fills
PROBLEMS: list[str] = []


def migration_files() -> dict[str, str]:
    """A fingerprint of every migration file on disk: a migration rewritten under the same name
    after it was applied leaves the database behind the code."""
    import hashlib
    import sys

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    out = {}
    for (app, name), migration in loader.disk_migrations.items():
        module = sys.modules.get(migration.__module__)
        path = getattr(module, "__file__", None)
        if path:
            with open(path, "rb") as f:
                out[f"{app}.{name}"] = hashlib.sha1(f.read()).hexdigest()
    return out


def migration_state() -> dict:
    """The migrations on disk (leaf per app) and whether all are applied."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    leaves = sorted(f"{app}.{name}" for app, name in executor.loader.graph.leaf_nodes())
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {"leaves": leaves, "pending": len(pending)}


# ---------------------------------------------------------------- the rhythm of a year


def _day_weights() -> list[float]:
    weights = []
    for i in range(DAYS):
        day = YEAR_START + timedelta(days=i)
        w = WEEKDAY[day.weekday()] * (0.7 + 0.5 * i / DAYS)  # adoption grows through the year
        if date(2026, 2, 14) <= day <= date(2026, 2, 22):  # Spring Festival
            w *= 0.3
        elif date(2026, 10, 1) <= day <= date(2026, 10, 7):  # National Day
            w *= 0.45
        elif date(2026, 5, 1) <= day <= date(2026, 5, 5):
            w *= 0.6
        weights.append(w)
    return weights


def _split(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[:rest]:
        out[i] += 1
    return out


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


# ---------------------------------------------------------------- the build


class Builder:
    def __init__(self, scale: Scale):
        self.scale = scale
        self.rng = random.Random(SEED)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.now_s = self.now.isoformat()
        self.stats: dict = {"tables": {}}

    # -- organisations
    def organisations(self) -> None:
        from core.models import Organisation

        s, rng = self.scale, self.rng
        rows = []
        self.district_id = 1
        rows.append((1, "西城区总工会", "district", "federation", "", None, None, "0000001.", 0))
        self.street_ids = []
        next_id = 2
        for name in (STREET_NAMES * 4)[: s.streets]:
            oid = next_id
            next_id += 1
            self.street_ids.append(oid)
            rows.append((oid, f"{name}街道总工会", "street", "federation", "", 1, oid, f"0000001.{oid:07d}.", 1))
        self.industry_ids = []
        for name in INDUSTRY_NAMES[: s.industries]:
            oid = next_id
            next_id += 1
            self.industry_ids.append(oid)
            rows.append((oid, f"西城区{name}工会", "industry", "federation", "", 1, None, f"0000001.{oid:07d}.", 1))
        # Union sizes: log-normal (many small unions, a few big ones), exactly ``members`` in all.
        sizes = [rng.lognormvariate(0, 1.1) for _ in range(s.organisations)]
        self.org_sizes = [max(3, n) for n in _split(s.members, sizes, rng)]
        biggest = max(range(len(sizes)), key=lambda i: self.org_sizes[i])
        self.org_sizes[biggest] += s.members - sum(self.org_sizes)
        kinds, kweights = zip(*KINDS, strict=False)
        self.orgs = []  # (id, street_id, size)
        paths = {oid: f"0000001.{oid:07d}." for oid in self.street_ids + self.industry_ids}
        for i in range(s.organisations):
            oid = next_id
            next_id += 1
            street = self.street_ids[i % len(self.street_ids)]
            kind = rng.choices(kinds, kweights)[0]
            parent = rng.choice(self.industry_ids) if kind == "institution" and self.industry_ids else street
            base = STREET_NAMES[(street - 2) % len(STREET_NAMES)]
            if kind == "enterprise":
                name = f"北京{base}{rng.choice(WORDS)}有限公司{i}工会"
                ownership = rng.choices(["non_public", "state", "foreign"], [0.75, 0.2, 0.05])[0]
            else:
                name = f"{base}第{i}{ {'community': '社区', 'park': '园区', 'building': '大厦', 'institution': '学校'}[kind] }工会"
                ownership = ""
            rows.append((oid, name, "grassroots", kind, ownership, parent, street, f"{paths[parent]}{oid:07d}.", 2))
            self.orgs.append((oid, street, self.org_sizes[i]))
        size_of = {oid: n for oid, _st, n in self.orgs}
        stream = CopyStream(
            self.scale,
            Organisation,
            [
                "id",
                "created_at",
                "updated_at",
                "name",
                "level",
                "kind",
                "ownership",
                "parent_id",
                "street_id",
                "path",
                "depth",
                "founded_on",
                "member_count",
                "address",
                "contact_name",
                "contact_phone",
            ],
            freeze=False,
        )
        for oid, name, level, kind, ownership, parent, street, path, depth in rows:
            founded = (date(2000, 1, 1) + timedelta(days=rng.randrange(0, 365 * 21))).isoformat()
            stream.add(
                "\t".join(
                    [
                        str(oid),
                        self.now_s,
                        self.now_s,
                        _esc(name),
                        level,
                        kind,
                        ownership,
                        text_of(parent),
                        text_of(street),
                        path,
                        str(depth),
                        founded,
                        str(size_of.get(oid, 0)),
                        f"北京市西城区{rng.randrange(1, 300)}号",
                        person_name(rng),
                        f"010-{rng.randrange(60000000, 69999999)}",
                    ]
                )
            )
        self._count("core_organisation", stream.close())

    # -- collection points, collectors, staff logins (ORM: a few thousand rows)
    def points_and_staff(self) -> None:
        from core.models import ApiToken, RoleAssignment, User
        from modules.bags.models import CollectionPoint

        rng = self.rng
        per_street: dict[int, list[int]] = {}
        for oid, street, _n in self.orgs:
            per_street.setdefault(street, []).append(oid)
        users, points = [], []
        for street, orgs in per_street.items():
            for k in range(max(1, math.ceil(len(orgs) / 8))):
                users.append(User(username=f"collector-{street}-{k}", password="!", display_name=f"分拣员{street}-{k}", phone=None))
                points.append(
                    CollectionPoint(
                        name=f"{STREET_NAMES[(street - 2) % len(STREET_NAMES)]}第{k + 1}收集点",
                        street_id=street,
                        address=f"北京市西城区{rng.randrange(1, 300)}号",
                        latitude=39.91 + rng.uniform(-0.03, 0.03),
                        longitude=116.36 + rng.uniform(-0.03, 0.03),
                    )
                )
        users = User.objects.bulk_create(users, batch_size=2000)
        points = CollectionPoint.objects.bulk_create(points, batch_size=2000)
        Through = CollectionPoint.collectors.through
        Through.objects.bulk_create(
            [Through(collectionpoint_id=p.pk, user_id=u.pk) for p, u in zip(points, users, strict=False)], batch_size=2000
        )
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user_id=u.pk, role="collector", organisation_id=p.street_id) for p, u in zip(points, users, strict=False)],
            batch_size=2000,
        )
        ApiToken.objects.bulk_create(
            [
                ApiToken(user_id=u.pk, name="bench", key_hash=ApiToken.hash_key(f"uh_bench_collector_{u.pk}"), prefix=f"bench{u.pk}"[:8])
                for u in users
            ],
            batch_size=2000,
        )
        self.points_by_street: dict[int, list[tuple[int, int]]] = {}
        for p, u in zip(points, users, strict=False):
            self.points_by_street.setdefault(p.street_id, []).append((p.pk, u.pk))
        biggest = max(self.orgs, key=lambda o: o[2])
        staff = [
            ("bench-district", "district_staff", self.district_id),
            ("bench-street", "street_staff", biggest[1]),
            ("bench-admin", "grassroots_admin", biggest[0]),
        ]
        for username, role, org in staff:
            user = User.objects.create_user(username=username, password=None, display_name=username, is_staff=True)
            RoleAssignment.objects.create(user=user, role=role, organisation_id=org)
        from modules.bags.models import PointsRule

        PointsRule.objects.bulk_create(
            [
                PointsRule(category=cat, points=pts, daily_cap=20, valid_from=datetime(2025, 11, 1, tzinfo=UTC))
                for cat, pts in POINTS.items()
            ]
        )
        self._count("bags_collectionpoint", len(points))

    # -- members
    def members(self) -> None:
        from core.models import Member

        rng = self.rng
        stream = CopyStream(
            self.scale,
            Member,
            [
                "id",
                "created_at",
                "updated_at",
                "organisation_id",
                "name",
                "phone",
                "employee_no",
                "gender",
                "birth_year",
                "tags",
                "status",
                "joined_on",
                "ranking_consent",
            ],
        )
        self.member_ranges = {}
        mid = 1
        names = [person_name(rng) for _ in range(4096)]
        joined = [(date(2005, 1, 1) + timedelta(days=d)).isoformat() for d in range(0, 365 * 21, 7)]
        rand = rng.random
        bits = rng.getrandbits
        for oid, _street, n in self.orgs:
            self.member_ranges[oid] = (mid, n)
            o = str(oid)
            for k in range(n):
                stream.add(
                    f"{mid}\t{self.now_s}\t{self.now_s}\t{o}\t{names[bits(12)]}\t139{mid:08d}\tE{k + 1:05d}\t"
                    f"{'M' if bits(1) else 'F'}\t{1960 + bits(5) + bits(4)}\t[]\tactive\t{joined[bits(10) % len(joined)]}\t"
                    f"{'t' if rand() < 0.6 else 'f'}"
                )
                mid += 1
        self._count("core_member", stream.close())

    # -- bags, batches, collections and the ledger, in time order
    def collections(self) -> None:
        from engines.ledger.models import Account, Entry
        from modules.bags.models import Bag, BagBatch, Collection

        s, rng = self.scale, self.rng
        rand, bits = rng.random, rng.getrandbits
        # Each union's activity and sorting quality; its expected bags and its id range.
        orgs = self.orgs
        activity = [n * rng.lognormvariate(0, 0.5) for _oid, _st, n in orgs]
        expected = _split(s.bags, activity, rng)
        quality = [rng.uniform(0.75, 0.97) for _ in orgs]
        cum = []
        acc = 0.0
        for a in activity:
            acc += a
            cum.append(acc)
        total_activity = acc
        next_bag, end_bag, batch_bounds = [], [], []
        bag_id = 1
        batch_id = 1
        batch_rows = []
        for i, (oid, _st, _n) in enumerate(orgs):
            size = int(expected[i] * 1.06) + 5  # the stock not yet collected
            next_bag.append(bag_id)
            end_bag.append(bag_id + size)
            quarter = max(1, math.ceil(size / 4))
            bounds = []
            for q in range(4):
                first = bag_id + q * quarter
                last = min(bag_id + size, first + quarter) - 1
                if first > last:
                    break
                created = datetime(2025, 11, 10) + timedelta(days=91 * q)
                batch_rows.append(
                    f"{batch_id}\t{oid}\t{last - first + 1}\t{last - first + 1}\tready\t{created.isoformat()}{TZ}\t{first}\t{last}"
                )
                bounds.append((last, batch_id))
                batch_id += 1
            batch_bounds.append(bounds)
            bag_id += size
        bstream = CopyStream(
            s, BagBatch, ["id", "organisation_id", "size", "created", "status", "created_at", "first_bag_id", "last_bag_id"], freeze=False
        )
        for row in batch_rows:
            bstream.add(row)
        self._count("bags_bagbatch", bstream.close())

        def batch_of(i: int, bag: int) -> int:
            for last, bid in batch_bounds[i]:
                if bag <= last:
                    return bid
            return batch_bounds[i][-1][1]

        # Pools of the per-bag choices, one per quality band, drawn by index (fast).
        cats, cweights = zip(*CATEGORY_WEIGHTS, strict=False)
        combo_pools = []
        for band in range(8):
            q = 0.75 + band * 0.03
            pool = []
            for _ in range(4096):
                cat = rng.choices(cats, cweights)[0]
                lo, hi = WEIGHT_RANGE[cat]
                if rng.random() < q:
                    pool.append((f"\t{cat}\tcorrect\t[]\t{rng.randrange(lo, hi)}\t", POINTS[cat]))
                else:
                    pool.append((f'\t{cat}\twrong\t["{rng.choice(WRONG_REASONS[cat])}"]\t{rng.randrange(lo, hi)}\t', 0))
            combo_pools.append(pool)
        org_band = [min(7, int((q - 0.75) / 0.03)) for q in quality]
        hms = [f"{h:02d}:{m:02d}:{sec:02d}" for h in range(24) for m in range(60) for sec in range(60)]
        hour_cum = []
        acc = 0.0
        for w in HOURLY:
            acc += w
            hour_cum.append(acc)
        per_day = _split(s.bags, _day_weights(), rng)
        points_of = {st: pts for st, pts in self.points_by_street.items()}
        org_str = [(str(oid), str(st)) for oid, st, _n in orgs]
        org_points = [points_of[st] for _oid, st, _n in orgs]
        members = [self.member_ranges[oid] for oid, _st, _n in orgs]

        # The year's month partitions, so the rows land in their months rather than the default partition.
        from core import partitions

        first = partitions.month_start(datetime(YEAR_START.year, YEAR_START.month, YEAR_START.day, tzinfo=UTC))
        for spec in claim_specs():
            for n in range(DAYS // 28 + 1):
                partitions.ensure(spec, now=partitions.add_months(first, n), ahead=0)
        bag_stream = CopyStream(s, Bag, ["id", "batch_id", "organisation_id", "owner_id", "bound_at", "collected_at"])
        col_stream = CopyStream(
            s,
            Collection,
            [
                "id",
                "bag_id",
                "client_id",
                "point_id",
                "collector_id",
                "category",
                "grade",
                "reasons",
                "weight_grams",
                "collected_at",
                "owner_id",
                "organisation_id",
                "street_id",
                "points_awarded",
                "photo",
            ],
        )
        ent_stream = CopyStream(
            s, Entry, ["id", "account_id", "amount", "balance_after", "reason", "source", "idempotency_key", "memo", "created_at"]
        )
        accounts: dict[int, list] = {}  # member → [account id, balance, last ts]
        next_account = 1
        cid = 1
        eid = 1
        started = time.perf_counter()
        last_log = started
        for d in range(DAYS):
            day = YEAR_START + timedelta(days=d)
            prefix = day.isoformat() + " "
            n = per_day[d]
            secs = sorted(bisect(hour_cum, rand() * acc) * 3600 + bits(12) % 3600 for _ in range(n))
            for sec in secs:
                i = bisect(cum, rand() * total_activity)
                if i >= len(orgs):
                    i = len(orgs) - 1
                bag = next_bag[i]
                if bag >= end_bag[i]:
                    continue  # this union ran out of bags today (rare); the day has one bag less
                next_bag[i] = bag + 1
                m0, mn = members[i]
                owner = m0 + int(mn * rand() ** 1.7)
                ts = prefix + hms[sec] + TZ
                bound = prefix + hms[bits(16) % (sec + 1)] + TZ
                combo, pts = combo_pools[org_band[i]][bits(12)]
                point, collector = org_points[i][bits(8) % len(org_points[i])]
                o, st = org_str[i]
                bag_stream.add(f"{bag}\t{batch_of(i, bag)}\t{o}\t{owner}\t{bound}\t{ts}")
                col_stream.add(f"{cid}\t{bag}\tseed-{bag}\t{point}\t{collector}{combo}{ts}\t{owner}\t{o}\t{st}\t{pts}\t")
                if pts:
                    account = accounts.get(owner)
                    if account is None:
                        account = accounts[owner] = [next_account, 0, ts]
                        next_account += 1
                    account[1] += pts
                    account[2] = ts
                    source = f"bags.collection:{cid}"
                    ent_stream.add(f"{eid}\t{account[0]}\t{pts}\t{account[1]}\t{REASON_CODE}\t{source}\t{source}\t\t{ts}")
                    eid += 1
                cid += 1
            if time.perf_counter() - last_log > 15:
                last_log = time.perf_counter()
                rate = cid / (last_log - started)
                log(f"  day {d + 1}/{DAYS}: {cid - 1:,} collections, {rate:,.0f} collections/s")
        # The stock not collected yet: bound to a member (70 %) or still with the union.
        for i, (oid, _st, _n) in enumerate(orgs):
            m0, mn = members[i]
            for bag in range(next_bag[i], end_bag[i]):
                if rand() < 0.7:
                    bag_stream.add(f"{bag}\t{batch_of(i, bag)}\t{oid}\t{m0 + int(mn * rand())}\t2026-11-{10 + bits(3)} 09:00:00{TZ}\t\\N")
                else:
                    bag_stream.add(f"{bag}\t{batch_of(i, bag)}\t{oid}\t\\N\t\\N\t\\N")
        self._count("bags_bag", bag_stream.close())
        self._count("bags_collection", col_stream.close())
        self._count("ledger_entry", ent_stream.close())
        acc_stream = CopyStream(s, Account, ["id", "member_id", "unit", "balance", "total_credited", "total_debited", "updated_at"])
        for member, (aid, balance, ts) in sorted(accounts.items(), key=lambda kv: kv[1][0]):
            acc_stream.add(f"{aid}\t{member}\tpoints\t{balance}\t{balance}\t0\t{ts}")
        self._count("ledger_account", acc_stream.close())
        elapsed = time.perf_counter() - started
        rows = sum(
            self.stats["tables"].get(t, 0) for t in ("bags_bag", "bags_collection", "ledger_entry", "ledger_account", "bags_bagbatch")
        )
        self.stats["stream_seconds"] = round(elapsed, 1)
        self.stats["stream_rows_per_s"] = round(rows / elapsed)
        log(f"  streamed {rows:,} rows in {elapsed:.0f} s ({rows / elapsed:,.0f} rows/s)")

    # -- workers who have logged in (User rows), for the worker pages
    def logged_in_workers(self) -> None:
        from core.models import User

        with env.connect(self.scale, autocommit=True) as conn:
            # half the most active workers, half chosen at random
            heavy = [
                r[0]
                for r in conn.execute(
                    "SELECT member_id FROM ledger_account ORDER BY balance DESC LIMIT %s", [self.scale.logged_in // 2]
                ).fetchall()
            ]
            rest = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM core_member WHERE id <> ALL(%s) ORDER BY md5(id::text) LIMIT %s",
                    [heavy, self.scale.logged_in - len(heavy)],
                ).fetchall()
            ]
        ids = heavy + rest
        stream = CopyStream(self.scale, User, ["password", "username", "phone", "display_name", "date_joined", "is_active"], freeze=False)
        for mid in ids:
            stream.add(f"!\t139{mid:08d}\t139{mid:08d}\t\t{self.now_s}\tt")
        self._count("core_user(workers)", stream.close())
        with env.connect(self.scale, autocommit=True) as conn:
            conn.execute("UPDATE core_member m SET user_id = u.id FROM core_user u WHERE u.phone = m.phone AND u.username LIKE '139%%'")

    def _count(self, table: str, rows: int) -> None:
        self.stats["tables"][table] = rows

    def finish(self) -> None:
        with env.connect(self.scale, autocommit=True) as conn:
            for table in [
                "core_organisation",
                "core_member",
                "core_user",
                "bags_bagbatch",
                "bags_bag",
                "bags_collection",
                "bags_collectionpoint",
                "ledger_account",
                "ledger_entry",
            ]:
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(1, (SELECT max(id) FROM {table})))")


def build(scale: Scale, secret_key: str) -> dict:
    """Create the data set from nothing (the database was just created and migrated)."""
    b = Builder(scale)
    t0 = time.perf_counter()
    log(f"building the {scale.name} data set: {scale.members:,} members, {scale.organisations:,} unions, {scale.bags:,} bags")
    b.organisations()
    b.points_and_staff()
    with env.connect(scale, autocommit=True) as conn:
        ddls = _capture_and_drop(conn, BIG_TABLES)
    t = time.perf_counter()
    b.members()
    b.stats["members_seconds"] = round(time.perf_counter() - t, 1)
    log(f"  members: {b.stats['tables']['core_member']:,} rows in {time.perf_counter() - t:.1f} s")
    b.collections()
    load_s = time.perf_counter() - t
    log("rebuilding indexes and constraints")
    b.stats["index_seconds"] = round(_recreate(scale, ddls), 1)
    b.logged_in_workers()
    b.finish()
    t = time.perf_counter()
    with env.connect(scale, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    b.stats["vacuum_analyze_seconds"] = round(time.perf_counter() - t, 1)
    total_rows = sum(b.stats["tables"].values())
    b.stats["load_seconds"] = round(load_s, 1)
    b.stats["load_rows_per_s"] = round(total_rows / load_s)
    b.stats["total_seconds"] = round(time.perf_counter() - t0, 1)
    b.stats["rows"] = total_rows
    log(f"built in {b.stats['total_seconds']} s: {total_rows:,} rows, load {b.stats['load_rows_per_s']:,} rows/s")
    return b.stats


def run_command_if_exists(name: str, *args) -> tuple[bool, float, str]:
    from django.core.management import call_command, get_commands

    if name not in get_commands():
        return False, 0.0, "not built yet"
    out = io.StringIO()
    t = time.perf_counter()
    call_command(name, *args, stdout=out, stderr=out)
    return True, time.perf_counter() - t, out.getvalue()[-500:]


def reset_app(scale: Scale, app: str) -> None:
    """Drop one programme's tables and migration records so its (rewritten) migrations apply
    afresh; its feature data is rebuilt by ``extras``. For apps whose tables hold only data the
    harness can recompute (rollups, stations), never for the tables the generator loads."""
    if app in ("core", "bags", "ledger"):
        raise ValueError(f"{app} holds the generated data set: rebuild it with --rebuild instead")
    with env.connect(scale, autocommit=True) as conn:
        tables = [
            r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE %s", [app + "\\_%"])
        ]
        for table in tables:
            conn.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
        conn.execute("DELETE FROM django_migrations WHERE app = %s", [app])
    marker = marker_get(scale) or {}
    done = {k: v for k, v in (marker.get("extras") or {}).items() if not any(a == app for a in _step_apps(k))}
    marker_set(scale, "extras", done)
    log(f"{scale.database}: app {app} reset ({len(tables)} tables dropped)")


def _step_apps(step_name: str) -> tuple[str, ...]:
    from bench.suites import feature_data

    return next((s.apps for s in feature_data.STEPS if s.name == step_name), ())


# The database settings production is documented to run with (docs/scaling.md, "The database,
# configured for the hot path"), set on the data set's database — not on the machine's server —
# so every connection the platform and pgbench open uses them. ``--database-defaults`` resets
# them to the server's own (how the figures before them were measured).
DATABASE_SETTINGS = {
    # Full-page images after each checkpoint were most of the WAL a scan wrote; compressed, the
    # scan's database CPU fell by a fifth (0.50 → 0.40 ms in-process).
    "wal_compression": "lz4",
    # Single scans commit one by one, each with a WAL flush (fdatasync: a sixth of the scan's
    # database CPU here). Waiting 20 µs when two other transactions are active lets one flush
    # carry the commits of the scans beside it (group commit).
    "commit_delay": "20",
    "commit_siblings": "2",
}


def apply_database_settings(scale: Scale, *, defaults: bool = False) -> dict[str, str]:
    """Set (or, with ``defaults``, reset) ``DATABASE_SETTINGS`` on the data set's database."""
    applied = {}
    with env.admin_connect() as conn:
        for name, value in DATABASE_SETTINGS.items():
            if defaults:
                conn.execute(f'ALTER DATABASE "{scale.database}" RESET {name}')
                continue
            offered = conn.execute("SELECT enumvals FROM pg_settings WHERE name = %s", [name]).fetchone()
            if offered and offered[0] and value not in offered[0]:
                log(f"{scale.database}: this server offers no {name} = {value}; left as it is")
                continue
            conn.execute(f'ALTER DATABASE "{scale.database}" SET {name} = {value}')
            applied[name] = value
    described = "the server's defaults" if defaults else ", ".join(f"{k} = {v}" for k, v in applied.items()) or "none"
    log(f"{scale.database}: database settings: {described}")
    return applied


def ensure(scale: Scale, rebuild: bool = False, keep_extras: bool = False, reset_apps: list[str] | None = None) -> dict:
    """The data set of ``scale``, built or reused; returns the marker (with the secret key)."""
    marker = None if rebuild else marker_get(scale)
    reuse = bool(marker) and marker.get("dataset", {}).get("version") == GENERATOR_VERSION and marker.get("dataset", {}).get("complete")
    if reuse:
        secret = marker["secret"]["key"]
        env.setup_django(scale, secret)
        reset = list(reset_apps or [])
        files = migration_files()
        recorded = marker.get("migration_files") or {}
        changed = sorted({k.split(".")[0] for k, v in recorded.items() if k in files and files[k] != v})
        for app in changed:
            if app in LOADED_APPS:
                PROBLEMS.append(f"migration of {app} rewritten after the data set was built: rebuild it (--rebuild)")
                log(f"WARNING: {PROBLEMS[-1]}")
            elif app not in reset:
                log(f"{scale.database}: a migration of {app} was rewritten since it was applied; resetting the app")
                reset.append(app)
        for app in reset:
            reset_app(scale, app)
        state = migration_state()
        if state["pending"]:
            log(f"{scale.database}: applying {state['pending']} new migrations to the existing data set")
            from django.core.management import call_command

            call_command("migrate", "--noinput", verbosity=0)
            state = migration_state()
        marker_set(scale, "migrations", state)
        marker_set(scale, "migration_files", migration_files())
        log(f"{scale.database}: reusing the {scale.name} data set built {marker['dataset'].get('built_at')}")
    else:
        log(f"{scale.database}: creating the database")
        env.create_database(scale.database, drop=True)
        secret = env.new_secret_key()
        env.setup_django(scale, secret)
        from django.core.management import call_command

        t = time.perf_counter()
        call_command("migrate", "--noinput", verbosity=0)
        migrate_s = time.perf_counter() - t
        marker_set(scale, "secret", {"key": secret})
        marker_set(scale, "dataset", {"version": GENERATOR_VERSION, "scale": scale.name, "complete": False})
        stats = build(scale, secret)
        stats["migrate_seconds"] = round(migrate_s, 1)
        marker_set(scale, "migrations", migration_state())
        marker_set(scale, "migration_files", migration_files())
        marker_set(
            scale,
            "dataset",
            {
                "version": GENERATOR_VERSION,
                "scale": scale.name,
                "complete": True,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "stats": stats,
            },
        )
    extras(scale, keep=keep_extras)
    return marker_get(scale)


def extras(scale: Scale, keep: bool = False) -> None:
    """Feature data that other programmes own, added when their code exists (stations, rollups,
    rankings); each is redone when its app's migrations change."""
    from bench.suites import feature_data

    marker = marker_get(scale) or {}
    state = marker.get("migrations", {})
    done = marker.get("extras", {})
    for step in feature_data.STEPS:
        key = step.key(state)
        if key is None:
            continue
        if done.get(step.name, {}).get("key") == key:
            continue
        if keep and step.name in done:
            log(f"feature data: {step.name} is from {done[step.name].get('key')} (now {key}); kept (--keep-feature-data)")
            continue
        log(f"feature data: {step.name}")
        result = step.run(scale)
        if result is None:
            continue
        done[step.name] = {"key": key, **result}
        marker_set(scale, "extras", done)
