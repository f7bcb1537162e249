"""The set-based SQL that turns raw scans into rollup rows, for PostgreSQL and SQLite alike.

Every fact is recomputed for whole local days: ``recompute_days(lo, hi)`` deletes the rollup rows
of those days and re-inserts them with one ``INSERT … SELECT … GROUP BY`` per table. The refresh
job and the full rebuild both go through it, which is why they agree row for row.

Reads the bag programme through the interface it declares (``modules.bags.facts``: the views
``bags_scan_facts`` and ``bags_issue_facts`` and a few selectors), never its tables by name, and
core's ``core_organisation`` and ``core_member``; it writes only its own rollup tables.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from modules.bags import facts
from modules.sortstats import models as m

FACT_TABLES = [m.OrgDay, m.BranchDay, m.OrgHour, m.BranchHour, m.OrgReasonDay, m.BranchReasonDay, m.PointDay, m.CrossStreetDay, m.MemberDay]
MONTH_TABLES = [m.OrgMonthCat, m.BranchMonthCat, m.BranchMonthHour, m.MonthHour, m.BranchMonthReason, m.PointMonth]
ALL_TABLES = [*FACT_TABLES, m.OrgWeek, *MONTH_TABLES, m.OrgMonth]


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def is_pg() -> bool:
    return connection.vendor == "postgresql"


def local_start(day: date) -> datetime:
    """The aware instant a local day starts."""
    return datetime.combine(day, time.min, tzinfo=tz())


def _dt(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _d(value: date):
    return connection.ops.adapt_datefield_value(value)


def _sqlite_shift() -> str:
    # Asia/Shanghai has had no daylight saving since 1991: a fixed offset is exact for it.
    offset = datetime.now(tz()).utcoffset() or timedelta(0)
    return f"'{int(offset.total_seconds() // 60):+d} minutes'"


def local_exprs(column: str = "c.collected_at") -> dict[str, str]:
    """SQL for the local day, ISO weekday (1 = Monday) and hour of a UTC timestamp column."""
    if is_pg():
        local = f"({column} AT TIME ZONE '{settings.TIME_ZONE}')"
        return {
            "day": f"CAST({local} AS date)",
            "weekday": f"CAST(EXTRACT(ISODOW FROM {local}) AS integer)",
            "hour": f"CAST(EXTRACT(HOUR FROM {local}) AS integer)",
        }
    shift = _sqlite_shift()
    return {
        "day": f"date({column}, {shift})",
        "weekday": f"(((CAST(strftime('%%w', {column}, {shift}) AS integer) + 6) %% 7) + 1)",
        "hour": f"CAST(strftime('%%H', {column}, {shift}) AS integer)",
    }


# The second-tier union (street or industry union) is the second segment of the materialised path
# ("0000001.0000007.0000342."): one substring, no join to the tree's ancestors.
BRANCH = "CASE WHEN o.depth = 0 THEN o.id ELSE CAST(substr(o.path, 9, 7) AS integer) END"
STREET = "COALESCE(c.street_id, o.street_id)"
CORRECT = "SUM(CASE WHEN c.grade = 'correct' THEN 1 ELSE 0 END)"


def _window(lo: date, hi: date) -> list:
    return [_dt(local_start(lo)), _dt(local_start(hi + timedelta(days=1)))]


def _exec(cursor, sql: str, params) -> int:
    cursor.execute(sql, params)
    return max(cursor.rowcount, 0)


def recompute_days(lo: date, hi: date) -> int:
    """Recompute every daily fact for the local days lo..hi (inclusive); returns rows written.

    The window's scans are read once into a temporary table (local day/hour, the union's branch,
    street and kind resolved); every fact table is then one GROUP BY over that small table.
    """
    x = local_exprs()
    days = [_d(lo), _d(hi)]
    if is_pg():
        reasons_from = "CROSS JOIN LATERAL jsonb_array_elements_text(w.reasons) AS r(value)"
        no_reason = "jsonb_array_length(w.reasons) = 0"
    else:
        reasons_from = "JOIN json_each(w.reasons) AS r"
        no_reason = "json_array_length(w.reasons) = 0"
    written = 0
    with connection.cursor() as cur:
        for model in FACT_TABLES:
            cur.execute(f"DELETE FROM {model._meta.db_table} WHERE day >= %s AND day <= %s", days)
        cur.execute("DROP TABLE IF EXISTS ss_window", [])
        cur.execute(
            f"""CREATE TEMPORARY TABLE ss_window AS
            SELECT {x["day"]} AS day, {x["weekday"]} AS weekday, {x["hour"]} AS hour, c.organisation_id, {BRANCH} AS branch_id,
                   {STREET} AS street_id, o.kind, c.category, CASE WHEN c.grade = 'correct' THEN 1 ELSE 0 END AS ok,
                   c.weight_grams, c.owner_id, c.point_id, c.collector_id, c.point_street_id,
                   CASE WHEN c.grade = 'wrong' THEN c.reasons END AS reasons
            FROM {facts.SCAN_FACTS} c JOIN core_organisation o ON o.id = c.organisation_id
            WHERE c.collected_at >= %s AND c.collected_at < %s""",
            _window(lo, hi),
        )
        statements = [
            """INSERT INTO sortstats_orgday (day, organisation_id, branch_id, street_id, kind, category, bags, grams, weighed, correct)
            SELECT day, organisation_id, branch_id, street_id, kind, category, COUNT(*), COALESCE(SUM(weight_grams), 0),
                   COUNT(weight_grams), SUM(ok)
            FROM ss_window GROUP BY 1, 2, 3, 4, 5, 6""",
            """INSERT INTO sortstats_branchday (day, branch_id, street_id, kind, category, bags, grams, weighed, correct)
            SELECT day, branch_id, street_id, kind, category, SUM(bags), SUM(grams), SUM(weighed), SUM(correct)
            FROM sortstats_orgday WHERE day >= %s AND day <= %s GROUP BY 1, 2, 3, 4, 5""",
            """INSERT INTO sortstats_orghour (day, weekday, hour, organisation_id, street_id, kind, category, bags, grams, correct)
            SELECT day, weekday, hour, organisation_id, street_id, kind, category, COUNT(*), COALESCE(SUM(weight_grams), 0), SUM(ok)
            FROM ss_window GROUP BY 1, 2, 3, 4, 5, 6, 7""",
            """INSERT INTO sortstats_branchhour (day, weekday, hour, branch_id, street_id, kind, category, bags, grams, correct)
            SELECT day, weekday, hour, branch_id, street_id, kind, category, COUNT(*), COALESCE(SUM(weight_grams), 0), SUM(ok)
            FROM ss_window GROUP BY 1, 2, 3, 4, 5, 6, 7""",
            f"""INSERT INTO sortstats_orgreasonday (day, organisation_id, branch_id, street_id, kind, category, reason, bags)
            SELECT day, organisation_id, branch_id, street_id, kind, category, reason, COUNT(*) FROM (
                SELECT w.day, w.organisation_id, w.branch_id, w.street_id, w.kind, w.category, r.value AS reason
                FROM ss_window w {reasons_from} WHERE w.reasons IS NOT NULL
                UNION ALL
                SELECT w.day, w.organisation_id, w.branch_id, w.street_id, w.kind, w.category, 'unspecified'
                FROM ss_window w WHERE w.reasons IS NOT NULL AND {no_reason}
            ) t GROUP BY 1, 2, 3, 4, 5, 6, 7""",
            """INSERT INTO sortstats_branchreasonday (day, branch_id, street_id, kind, category, reason, bags)
            SELECT day, branch_id, street_id, kind, category, reason, SUM(bags)
            FROM sortstats_orgreasonday WHERE day >= %s AND day <= %s GROUP BY 1, 2, 3, 4, 5, 6""",
            """INSERT INTO sortstats_pointday (day, point_id, collector_id, point_street_id, category, bags, grams, correct)
            SELECT day, point_id, collector_id, point_street_id, category, COUNT(*), COALESCE(SUM(weight_grams), 0), SUM(ok)
            FROM ss_window GROUP BY 1, 2, 3, 4, 5""",
            """INSERT INTO sortstats_crossstreetday (day, organisation_id, org_street_id, point_id, point_street_id, category, bags)
            SELECT day, organisation_id, street_id, point_id, point_street_id, category, COUNT(*)
            FROM ss_window WHERE point_street_id <> street_id GROUP BY 1, 2, 3, 4, 5, 6""",
            """INSERT INTO sortstats_memberday (day, member_id, organisation_id, bags)
            SELECT day, owner_id, organisation_id, COUNT(*) FROM ss_window WHERE owner_id IS NOT NULL GROUP BY 1, 2, 3""",
        ]
        for sql in statements:
            written += _exec(cur, sql, days if "%s" in sql else [])
        cur.execute("DROP TABLE ss_window", [])
    return written


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_between(lo: date, hi: date) -> list[date]:
    months, cur = [], month_start(lo)
    while cur <= hi:
        months.append(cur)
        cur = next_month(cur)
    return months


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def recompute_weeks(lo: date, hi: date) -> int:
    """OrgWeek rows of every ISO week overlapping lo..hi, grouped from OrgDay (after ``recompute_days``)."""
    written, week = 0, week_start(lo)
    with connection.cursor() as cur:
        while week <= hi:
            cur.execute("DELETE FROM sortstats_orgweek WHERE week = %s", [_d(week)])
            written += _exec(
                cur,
                """INSERT INTO sortstats_orgweek (week, organisation_id, branch_id, street_id, kind, category, bags,
                                                                     grams, weighed, correct)
                SELECT %s, organisation_id, branch_id, street_id, kind, category, SUM(bags), SUM(grams), SUM(weighed), SUM(correct)
                FROM sortstats_orgday WHERE day >= %s AND day < %s GROUP BY 2, 3, 4, 5, 6""",
                [_d(week), _d(week), _d(week + timedelta(days=7))],
            )
            week += timedelta(days=7)
    return written


def recompute_month_tables(first: date) -> int:
    """The month tables of one calendar month, grouped from its day rows (after ``recompute_days``)."""
    params = [_d(first), _d(first), _d(next_month(first))]
    written = 0
    with connection.cursor() as cur:
        for model in MONTH_TABLES:
            cur.execute(f"DELETE FROM {model._meta.db_table} WHERE month = %s", [_d(first)])
        written += _exec(
            cur,
            """INSERT INTO sortstats_orgmonthcat (month, organisation_id, branch_id, street_id, kind, category, bags, grams, weighed, correct)
            SELECT %s, organisation_id, branch_id, street_id, kind, category, SUM(bags), SUM(grams), SUM(weighed), SUM(correct)
            FROM sortstats_orgday WHERE day >= %s AND day < %s GROUP BY 2, 3, 4, 5, 6""",
            params,
        )
        written += _exec(
            cur,
            """INSERT INTO sortstats_branchmonthcat (month, branch_id, street_id, kind, category, bags, grams, weighed, correct)
            SELECT %s, branch_id, street_id, kind, category, SUM(bags), SUM(grams), SUM(weighed), SUM(correct)
            FROM sortstats_branchday WHERE day >= %s AND day < %s GROUP BY 2, 3, 4, 5""",
            params,
        )
        written += _exec(
            cur,
            """INSERT INTO sortstats_branchmonthhour (month, weekday, hour, branch_id, street_id, kind, category, bags)
            SELECT %s, weekday, hour, branch_id, street_id, kind, category, SUM(bags)
            FROM sortstats_branchhour WHERE day >= %s AND day < %s GROUP BY 2, 3, 4, 5, 6, 7""",
            params,
        )
        written += _exec(
            cur,
            """INSERT INTO sortstats_branchmonthreason (month, branch_id, street_id, kind, category, reason, bags)
            SELECT %s, branch_id, street_id, kind, category, reason, SUM(bags)
            FROM sortstats_branchreasonday WHERE day >= %s AND day < %s GROUP BY 2, 3, 4, 5, 6""",
            params,
        )
        written += _exec(
            cur,
            """INSERT INTO sortstats_monthhour (month, weekday, hour, branch_id, street_id, bags)
            SELECT %s, weekday, hour, branch_id, street_id, SUM(bags)
            FROM sortstats_branchhour WHERE day >= %s AND day < %s GROUP BY 2, 3, 4, 5""",
            params,
        )
        written += _point_month(cur, params)
    return written


def recompute_point_month(first: date) -> int:
    """PointMonth of the month in progress (the refresh keeps it to date, unlike the other month
    tables, which hold closed months): a year's throughput then needs no day rows at all."""
    with connection.cursor() as cur:
        cur.execute("DELETE FROM sortstats_pointmonth WHERE month = %s", [_d(first)])
        return _point_month(cur, [_d(first), _d(first), _d(next_month(first))])


def day_bit_sql(column: str = "day") -> str:
    """SQL for the bit of a date's day of month (day 1 → 1, day 31 → 2^30)."""
    dom = f"CAST(EXTRACT(DAY FROM {column}) AS integer)" if is_pg() else f"CAST(strftime('%%d', {column}) AS integer)"
    return f"(1 << ({dom} - 1))"


def _point_month(cur, params) -> int:
    """PointMonth of one month: per category, and over all categories (""). Each (point, collector,
    category, day) is one PointDay row, so summing the day bits is OR-ing them; for "" the days
    are made distinct first."""
    bit = day_bit_sql()
    written = _exec(
        cur,
        f"""INSERT INTO sortstats_pointmonth (month, point_id, collector_id, point_street_id, category, bags, grams, correct, day_mask)
        SELECT %s, point_id, collector_id, point_street_id, category, SUM(bags), SUM(grams), SUM(correct), SUM({bit})
        FROM sortstats_pointday WHERE day >= %s AND day < %s GROUP BY 2, 3, 4, 5""",
        params,
    )
    return written + _exec(
        cur,
        f"""INSERT INTO sortstats_pointmonth (month, point_id, collector_id, point_street_id, category, bags, grams, correct, day_mask)
        SELECT %s, point_id, collector_id, point_street_id, '', SUM(bags), SUM(grams), SUM(correct), SUM({bit})
        FROM (SELECT point_id, collector_id, point_street_id, day, SUM(bags) AS bags, SUM(grams) AS grams, SUM(correct) AS correct
              FROM sortstats_pointday WHERE day >= %s AND day < %s GROUP BY 1, 2, 3, 4) AS per_day
        GROUP BY 2, 3, 4""",
        params,
    )


def recompute_participation(first: date) -> int:
    """Participation of one calendar month per grassroots union (reads MemberDay, OrgDay, batches, roster).

    ``bags_issued`` is the bags the union had to use in the month: every bag issued to it up to the
    month's end less those already used before the month began (the closed months' OrgMonthCat,
    written before this runs). Counting only the batches made inside the month showed 0 — and a
    usage of "—" — for nearly every union in nearly every month, since a batch lasts a union months.
    """
    after = next_month(first)
    params = {
        "m0": _d(first),
        "m1": _d(after),
        "t1": _dt(local_start(after)),
        "last": _d(after - timedelta(days=1)),
    }
    with connection.cursor() as cur:
        cur.execute("DELETE FROM sortstats_orgmonth WHERE month = %s", [params["m0"]])
        sql = f"""
            INSERT INTO sortstats_orgmonth (month, organisation_id, branch_id, street_id, kind, members, participants,
                                           new_participants, bags_issued, bags_used)
            SELECT %(m0)s, o.id, {BRANCH}, o.street_id, o.kind, COALESCE(mem.n, 0), COALESCE(part.n, 0),
                   COALESCE(part.new_n, 0),
                   CASE WHEN COALESCE(iss.n, 0) > COALESCE(spent.n, 0) THEN COALESCE(iss.n, 0) - COALESCE(spent.n, 0) ELSE 0 END,
                   COALESCE(used.n, 0)
            FROM core_organisation o
            LEFT JOIN (SELECT organisation_id, COUNT(*) AS n FROM core_member
                       WHERE status = 'active' AND joined_on <= %(last)s GROUP BY organisation_id) mem
                   ON mem.organisation_id = o.id
            LEFT JOIN (SELECT x.organisation_id, COUNT(*) AS n,
                              SUM(CASE WHEN EXISTS (SELECT 1 FROM sortstats_memberday p
                                                    WHERE p.member_id = x.member_id AND p.day < %(m0)s)
                                       THEN 0 ELSE 1 END) AS new_n
                       FROM (SELECT DISTINCT organisation_id, member_id FROM sortstats_memberday
                             WHERE day >= %(m0)s AND day < %(m1)s) x
                       GROUP BY x.organisation_id) part
                   ON part.organisation_id = o.id
            LEFT JOIN (SELECT organisation_id, SUM(bags) AS n FROM {facts.ISSUE_FACTS}
                       WHERE issued_at < %(t1)s GROUP BY organisation_id) iss
                   ON iss.organisation_id = o.id
            LEFT JOIN (SELECT organisation_id, SUM(bags) AS n FROM sortstats_orgmonthcat
                       WHERE month < %(m0)s GROUP BY organisation_id) spent
                   ON spent.organisation_id = o.id
            LEFT JOIN (SELECT organisation_id, SUM(bags) AS n FROM sortstats_orgday
                       WHERE day >= %(m0)s AND day < %(m1)s GROUP BY organisation_id) used
                   ON used.organisation_id = o.id
            WHERE o.level = 'grassroots'
              AND (mem.n IS NOT NULL OR part.n IS NOT NULL OR iss.n IS NOT NULL OR used.n IS NOT NULL)
        """
        cur.execute(sql, params)
        return max(cur.rowcount, 0)


def _local_days(bounds) -> tuple[date, date] | None:
    return None if bounds is None else (bounds[0].astimezone(tz()).date(), bounds[1].astimezone(tz()).date())


def collection_day_bounds() -> tuple[date, date] | None:
    """The first and last local day that has any scan (two index look-ups)."""
    return _local_days(facts.scan_time_bounds())


def issue_day_bounds() -> tuple[date, date] | None:
    return _local_days(facts.issue_time_bounds())


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def days_of_ids_above(low_id: int) -> list[date]:
    """The local days of scans with an id above ``low_id`` (late or out-of-order arrivals); PK range scan."""
    x = local_exprs()
    with connection.cursor() as cur:
        cur.execute(f"SELECT DISTINCT {x['day']} FROM {facts.SCAN_FACTS} c WHERE c.id > %s", [low_id])
        return sorted(_as_date(row[0]) for row in cur.fetchall())


def max_collection_id() -> int:
    return facts.max_scan_id()


def truncate_all() -> None:
    with connection.cursor() as cur:
        tables = ", ".join(t._meta.db_table for t in ALL_TABLES)
        if is_pg():
            cur.execute(f"TRUNCATE {tables}")
        else:
            for t in ALL_TABLES:
                cur.execute(f"DELETE FROM {t._meta.db_table}")


def drop_secondary_indexes() -> list[str]:
    """PostgreSQL: drop the rollup tables' secondary indexes not led by the date for a bulk reload;
    returns their definitions for ``create_indexes``."""
    if not is_pg():
        return []
    tables = [t._meta.db_table for t in ALL_TABLES]
    with connection.cursor() as cur:
        cur.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
                       JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
                       WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) AND NOT x.indisprimary""",
            [tables],
        )
        # Indexes led by the day/week/month are kept: the rebuild itself reads day ranges back.
        found = [(n, d) for n, d in cur.fetchall() if not any(f"btree ({c}" in d for c in ("day", "week", "month"))]
        for name, _definition in found:
            cur.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def create_indexes(definitions: list[str]) -> None:
    with connection.cursor() as cur:
        for definition in definitions:
            cur.execute(definition)


def ranges(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive runs of days: [d1, d2, d3, d7] → [(d1, d3), (d7, d7)]."""
    out: list[tuple[date, date]] = []
    for d in sorted(set(days)):
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out
