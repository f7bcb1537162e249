"""The scan's SQL, composed from one set of named fragments.

Every way a scan is recorded — the single scan (``single()``), the single scan of a handheld that
also resolves its device token (``single(by_token=True)``), one round of a batch upload
(``batch_round()``) and the ORM path of other databases (``facts_read``, ``terms_read``,
``daily_award_read``) — is assembled here from the same fragments, with explicit parameters:

``facts``        what the decision needs, read in one go: the point and whether the collector is
                 assigned to it, the collector's role (``core.sql.has_role``), the bag, its batch
                 and union, whether the point serves that union, and an earlier upload with the
                 same ``client_id``. The Python side (``services.scan_decision``) words the answer
                 from these facts; ``ALLOWED`` is the same decision as a predicate.
``rule_terms``   the points rule in force: the newest active rule of the category valid at the
                 scan's time, else the newest active catch-all, else the built-in default.
``daily_award``  the daily cap: the worker's ``DailyPoints`` counter for the day is upserted
                 (the upsert locks the worker's day and sees its committed total) and takes
                 ``least(wanted, cap - so far)``; a worker without a counter yet starts from the
                 day's collections.
``collection_insert``  the collection row.
``engines.ledger.sql.credit_ctes``  the ledger's account upsert and entry (the engine's own SQL).

Locks are always taken in the order bag → worker's day → ledger account (the batch round takes
each kind in id order), so scans cannot deadlock. A statement is built once at import; the texts
are compacted (comments and runs of blanks dropped): psycopg converts ``%(name)s`` placeholders
once and caches the result only for texts up to 4,096 characters.

The fragments take a ``Dialect``: PostgreSQL casts its placeholders and spells the minimum
``LEAST``; SQLite (the demo) has no casts and spells it ``MIN``. The single and batch statements
are PostgreSQL only (data-modifying CTEs); the ORM path's reads run on either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core import sql as core_sql
from engines.ledger.sql import credit_ctes


def compact(sql: str) -> str:
    """The statement without ``--`` comments and with single blanks (none of these statements has
    a blank or ``--`` inside a string literal)."""
    return " ".join(re.sub(r"--[^\n]*", "", sql).split())


def with_(ctes: list[tuple[str, str]], select: str) -> str:
    return "WITH " + ",\n".join(f"{name} AS ({body})" for name, body in ctes) + "\n" + select


@dataclass(frozen=True)
class Dialect:
    postgres: bool
    # Whether the claim tables exist (``bags 0010_claims``): always, but while the documented
    # conversion of an older database runs, with the platform scanning meanwhile (docs/scaling.md).
    claims: bool = True

    def param(self, name: str, sql_type: str) -> str:
        return f"%({name})s::{sql_type}" if self.postgres else f"%({name})s"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.postgres else f"MIN({a}, {b})"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.postgres else f"MAX({a}, {b})"


POSTGRES = Dialect(True)
POSTGRES_UNCLAIMED = Dialect(True, claims=False)  # a database not converted yet
SQLITE = Dialect(False)

# The columns ``facts`` gives, in order (``services.scan_decision.Facts`` reads them by position).
FACT_COLUMNS = (
    "point_id",
    "point_active",
    "assigned",
    "is_collector",
    "bag_id",
    "org_id",
    "owner_id",
    "bag_collected",
    "street_id",
    "batch_status",
    "served",
)
# An earlier collection with the same client_id, after the facts (``existing_id`` first).
EXISTING_COLUMNS = (
    "existing_id",
    "e_bag_id",
    "e_point_id",
    "e_collector_id",
    "e_category",
    "e_grade",
    "e_reasons",
    "e_weight_grams",
    "e_owner_id",
    "e_points_awarded",
)

# The decision of ``facts`` as a predicate over its columns: the order in which
# ``scan_decision.refusal`` explains a failure is the order of these terms.
ALLOWED = """is_collector AND existing_id IS NULL AND point_id IS NOT NULL AND assigned AND point_active
  AND bag_id IS NOT NULL AND batch_status = {ready} AND bag_collected IS NULL AND served"""


def facts(d: Dialect, *, actor: str, point: str, bag: str, client: str, source: str = "(SELECT 1) AS one", keys: str = "") -> str:
    """The facts of one scan per row of ``source``; ``point``, ``bag`` and ``client`` are SQL
    expressions over it (placeholders for a single scan, columns for a batch)."""
    return f"""
  SELECT {keys}p.id AS point_id, p.is_active AS point_active,
    EXISTS (SELECT 1 FROM bags_collectionpoint_collectors c WHERE c.collectionpoint_id = p.id AND c.user_id = {actor}) AS assigned,
    {core_sql.has_role(actor, d.param("role", "text"))} AS is_collector,
    b.id AS bag_id, b.organisation_id AS org_id, b.owner_id, b.collected_at AS bag_collected, o.street_id, bt.status AS batch_status,
    CASE WHEN b.id IS NULL OR p.id IS NULL THEN FALSE
         WHEN EXISTS (SELECT 1 FROM bags_collectionpoint_served_organisations s WHERE s.collectionpoint_id = p.id)
         THEN EXISTS (SELECT 1 FROM bags_collectionpoint_served_organisations s JOIN core_organisation so ON so.id = s.organisation_id
                      WHERE s.collectionpoint_id = p.id AND o.path LIKE so.path || '%%')
         ELSE o.street_id = p.street_id END AS served,
    cc.id AS existing_id, cc.bag_id AS e_bag_id, cc.point_id AS e_point_id, cc.collector_id AS e_collector_id,
    cc.category AS e_category, cc.grade AS e_grade, cc.reasons AS e_reasons, cc.weight_grams AS e_weight_grams,
    cc.owner_id AS e_owner_id, cc.points_awarded AS e_points_awarded
  FROM {source}
  LEFT JOIN bags_collectionpoint p ON p.id = {point}
  LEFT JOIN bags_bag b ON b.id = {bag}
  LEFT JOIN core_organisation o ON o.id = b.organisation_id
  LEFT JOIN bags_bagbatch bt ON bt.id = b.batch_id
  {earlier(d, client=client)}"""


def earlier(d: Dialect, *, client: str) -> str:
    """The join of ``cc``: an earlier collection with the client id ``client``, if it is claimed.

    On PostgreSQL ``bags_collection`` is partitioned by month and ``client_id`` is not the
    partition key, so a plain join probed every month's index (500 times a batch). The claim
    (``bags_collection_claim``, keyed by client id) carries the month, so one partition is read
    (run-time pruning on ``collected_at``), and none for a new id. A claim is deleted after
    ``IDEMPOTENCY_CLAIM_DAYS``: a retry that old finds no ``cc`` here, but its bag is collected,
    and ``scan_decision.unclaimed_earlier`` looks it up in every month on that rare path, so it is
    still a replay. SQLite keeps the plain table and the plain join, and so does a PostgreSQL
    database whose conversion has not created the claims yet (``Dialect.claims``).
    """
    if not d.postgres or not d.claims:
        return f"LEFT JOIN bags_collection cc ON cc.client_id = {client}"
    return f"""LEFT JOIN bags_collection_claim cl ON cl.client_id = {client}
  LEFT JOIN LATERAL (SELECT * FROM bags_collection c WHERE c.client_id = {client} AND c.collected_at = cl.collected_at LIMIT 1) cc
    ON TRUE"""


def rule_terms(*, category: str, at: str) -> str:
    """The points rule in force for ``category`` at ``at``: one row (points, daily_cap, id) or none
    (then the built-in default applies: ``points.DEFAULT_TERMS``)."""
    return f"""SELECT points, daily_cap, id FROM bags_pointsrule
    WHERE is_active AND valid_from <= {at} AND category IN ({category}, '')
    ORDER BY category = '', valid_from DESC, id DESC LIMIT 1"""


def eligible(d: Dialect, *, owner: str, grade: str) -> str:
    """A bag earns points only when it has an owner and was sorted correctly."""
    return f"{owner} IS NOT NULL AND {grade} = {d.param('correct', 'text')}"


def award(d: Dialect, *, wanted: str, cap: str, so_far: str) -> str:
    """What a bag adds under the daily cap: the points wanted, cut to what is left of the cap."""
    return d.least(wanted, d.greatest(f"{cap} - {so_far}", "0"))


def daily_award(d: Dialect, *, rows: str, wanted_again: str, cap_again: str, order: str = "") -> str:
    """The daily-cap counter's upsert for ``rows`` (a SELECT of owner_id, day, wanted, cap,
    day_start, day_end; at most one row per owner), returning each owner's ``last_award``.

    ``wanted_again`` / ``cap_again`` give the conflicting owner's wanted points and cap inside
    ``ON CONFLICT … DO UPDATE`` (where only the table's columns are in scope): ``d.owner_id``
    names the owner there.
    """
    so_far = """(SELECT COALESCE(SUM(c.points_awarded), 0) FROM bags_collection c
        WHERE NOT EXISTS (SELECT 1 FROM bags_dailypoints x WHERE x.owner_id = r.owner_id AND x.day = r.day)
          AND c.owner_id = r.owner_id AND c.collected_at >= r.day_start AND c.collected_at < r.day_end)"""
    first = award(d, wanted="s.wanted", cap="s.cap", so_far="s.so_far")
    again = award(d, wanted=wanted_again, cap=cap_again, so_far="d.points")
    # ``WHERE TRUE``: SQLite reads ``SELECT … ON CONFLICT`` as a join's ON without a WHERE first.
    return f"""
  INSERT INTO bags_dailypoints AS d (owner_id, day, points, last_award)
  SELECT s.owner_id, s.day, s.so_far + {first}, {first}
  FROM (SELECT r.owner_id, r.day, r.wanted, r.cap,
          -- the day's points so far, summed only for a worker without a counter for the day yet
          {so_far} AS so_far
        FROM ({rows}) AS r) AS s
  WHERE TRUE {order}
  ON CONFLICT (owner_id, day) DO UPDATE SET last_award = {again}, points = d.points + {again}
  RETURNING owner_id, last_award"""


COLLECTION_COLUMNS = (
    "bag_id, client_id, point_id, collector_id, category, grade, reasons, weight_grams, photo,"
    " collected_at, owner_id, organisation_id, street_id, points_awarded"
)


def collection_insert(*, values: str, source: str) -> str:
    return f"""
  INSERT INTO bags_collection ({COLLECTION_COLUMNS})
  SELECT {values} FROM {source}
  RETURNING id, bag_id, client_id, owner_id, points_awarded"""


def _ledger(d: Dialect, *, actor: str) -> list[tuple[str, str]]:
    """The points of the inserted collections (``ins``), posted by the ledger's own SQL."""
    return credit_ctes(
        rows=f"SELECT owner_id AS member_id, points_awarded AS amount, {d.param('source', 'text')} || id AS key FROM ins",
        reason=d.param("reason", "text"),
        actor=actor,
        now=d.param("now", "timestamptz"),
    )


# ------------------------------------------------------------------------------------- statements


def single(*, by_token: bool = False, d: Dialect = POSTGRES) -> str:
    """One scan in one statement: facts, decision, bag, daily cap, collection, ledger.

    The facts come back whether or not anything was written, so Python words a refusal. With
    ``by_token`` the actor is whoever the device token names (and the user, token and its last
    use are answered first); no token, no actor: every check then fails and nothing is written.
    """
    actor = "(SELECT user_id FROM who)" if by_token else d.param("actor", "bigint")
    at = d.param("at", "timestamptz")
    ctes = [("who", f"SELECT u.id AS user_id, t.id AS token_id, t.last_used_at FROM {core_sql.live_token(d.param('token', 'text'))}")]
    ctes = ctes if by_token else []
    ctes += [
        ("f", facts(d, actor=actor, point=d.param("point", "bigint"), bag=d.param("bag", "bigint"), client=d.param("client", "text"))),
        ("ok", "SELECT * FROM f WHERE " + ALLOWED.format(ready=d.param("ready", "text"))),
        # under the bag's row lock: of two concurrent scans of one bag only the first writes
        ("upd", f"UPDATE bags_bag SET collected_at = {at} WHERE id = (SELECT bag_id FROM ok) AND collected_at IS NULL RETURNING id"),
        (
            "want",
            f"""SELECT ok.owner_id, GREATEST(COALESCE(r.points, %(default_points)s::int), 0) AS pts,
                  COALESCE(r.daily_cap, %(default_cap)s::int) AS cap
                FROM ok JOIN upd ON upd.id = ok.bag_id
                LEFT JOIN LATERAL ({rule_terms(category=d.param("category", "text"), at=at)}) r ON TRUE
                WHERE {eligible(d, owner="ok.owner_id", grade=d.param("grade", "text"))}""",
        ),
        (
            "day",
            daily_award(
                d,
                rows=f"""SELECT owner_id, {d.param("day", "date")} AS day, pts AS wanted, cap,
                    {d.param("day_start", "timestamptz")} AS day_start, {d.param("day_end", "timestamptz")} AS day_end
                  FROM want WHERE pts > 0""",
                wanted_again="(SELECT pts FROM want)",
                cap_again="(SELECT cap FROM want)",
            ),
        ),
        (
            "ins",
            collection_insert(
                values=f"""ok.bag_id, {d.param("client", "text")}, ok.point_id, {actor}, {d.param("category", "text")},
                  {d.param("grade", "text")}, {d.param("reasons", "jsonb")}, {d.param("weight", "int")}, '', {at},
                  ok.owner_id, ok.org_id, ok.street_id, COALESCE((SELECT last_award FROM day), 0)""",
                source="ok JOIN upd ON upd.id = ok.bag_id",
            ),
        ),
        *_ledger(d, actor=actor),
    ]
    who = "(SELECT user_id FROM who), (SELECT token_id FROM who), (SELECT last_used_at FROM who), " if by_token else ""
    return compact(
        with_(
            ctes,
            f"SELECT {who}f.*, (SELECT id FROM ins) AS new_id, (SELECT points_awarded FROM ins) AS new_points,"
            " (SELECT COUNT(*) FROM ent) AS entries FROM f",
        )
    )


def batch_facts(d: Dialect = POSTGRES) -> str:
    """The facts of every scan of a batch upload, and the points rule of each, in one read: the
    same ``facts`` over the upload's arrays, each row led by its position and the rule's terms."""
    source = f"""unnest(%(point)s::bigint[], %(bag)s::bigint[], %(client)s::text[], %(category)s::text[], %(at)s::timestamptz[])
      WITH ORDINALITY AS i(point_id, bag_id, client_id, category, at, idx)
      LEFT JOIN LATERAL ({rule_terms(category="i.category", at="i.at")}) r ON TRUE"""
    keys = "i.idx, COALESCE(r.points, %(default_points)s::int), COALESCE(r.daily_cap, %(default_cap)s::int), "
    read = facts(d, actor=d.param("actor", "bigint"), point="i.point_id", bag="i.bag_id", client="i.client_id", source=source, keys=keys)
    return compact(read + " ORDER BY i.idx")


def batch_round() -> str:
    """One round of a batch upload (at most one bag per worker: the daily-cap upsert may touch each
    worker's day once per statement). The rows were decided in Python from ``batch_facts``; here the
    bags are locked in id order and re-checked, so a bag another upload took a moment ago drops
    out instead of being counted twice."""
    d = POSTGRES
    actor = d.param("actor", "bigint")
    # The worker's wanted points and cap inside ON CONFLICT, found by position in the arrays (a
    # search in C): a subquery over v per conflicting row made the round quadratic in its size.
    position = "array_position(%(owner)s::bigint[], d.owner_id)"
    ctes = [
        (
            "v",
            """SELECT * FROM unnest(%(bag)s::bigint[], %(client)s::text[], %(point)s::bigint[], %(category)s::text[], %(grade)s::text[],
                       %(reasons)s::jsonb[], %(weight)s::int[], %(at)s::timestamptz[], %(owner)s::bigint[], %(org)s::bigint[],
                       %(street)s::bigint[], %(want)s::int[], %(cap)s::int[], %(day)s::date[], %(day_start)s::timestamptz[],
                       %(day_end)s::timestamptz[])
    AS t(bag_id, client_id, point_id, category, grade, reasons, weight_grams, collected_at, owner_id, organisation_id, street_id,
         want, cap, day, day_start, day_end)""",
        ),
        (
            "locked",
            "SELECT b.id FROM bags_bag b WHERE b.id = ANY(%(bag)s::bigint[]) AND b.collected_at IS NULL ORDER BY b.id FOR NO KEY UPDATE",
        ),
        # Each bag's time by position in the arrays, not by a join with v: PostgreSQL estimates 10
        # rows for an unnest of a parameter, and the join was planned as a nested loop (500 × 500).
        (
            "upd",
            """UPDATE bags_bag b SET collected_at = (%(at)s::timestamptz[])[array_position(%(bag)s::bigint[], b.id)]
              WHERE b.id IN (SELECT id FROM locked) RETURNING b.id""",
        ),
        (
            "day",
            daily_award(
                d,
                rows="""SELECT v.owner_id, v.day, v.want AS wanted, v.cap, v.day_start, v.day_end
                  FROM v JOIN upd ON upd.id = v.bag_id WHERE v.owner_id IS NOT NULL AND v.want > 0""",
                wanted_again=f"(%(want)s::int[])[{position}]",
                cap_again=f"(%(cap)s::int[])[{position}]",
                order="ORDER BY s.owner_id",
            ),
        ),
        # one row of two arrays: a join with day was planned as a nested loop (quadratic); read by
        # uncorrelated scalar subqueries, computed once (joined, the CTE was inlined and
        # aggregated again for every row)
        ("awards", "SELECT array_agg(owner_id) AS owners, array_agg(last_award) AS points FROM day"),
        (
            "ins",
            collection_insert(
                values=f"""v.bag_id, v.client_id, v.point_id, {actor}, v.category, v.grade, v.reasons, v.weight_grams, '', v.collected_at,
                  v.owner_id, v.organisation_id, v.street_id,
                  COALESCE((SELECT points FROM awards)[array_position((SELECT owners FROM awards), v.owner_id)], 0)""",
                source="v JOIN upd ON upd.id = v.bag_id ORDER BY v.bag_id",
            ),
        ),
        *_ledger(d, actor=actor),
    ]
    return compact(with_(ctes, "SELECT ins.id, ins.client_id, ins.points_awarded, (SELECT COUNT(*) FROM ent) FROM ins"))


# ----------------------------------------------------------------------- the ORM path's statements


def facts_read(d: Dialect, n: int = 1) -> str:
    """The facts of ``n`` scans, each row led by its position (the ORM path: read first, written
    in a transaction after). Parameters ``point<k>``, ``bag<k>``, ``client<k>`` for k < n."""
    rows = ", ".join(
        f"({d.param(f'point{k}', 'bigint')}, {d.param(f'bag{k}', 'bigint')}, {d.param(f'client{k}', 'text')}, {k})" for k in range(n)
    )
    read = facts(d, actor=d.param("actor", "bigint"), point="i.point_id", bag="i.bag_id", client="i.client_id", source="i", keys="i.idx, ")
    return compact(f"WITH i(point_id, bag_id, client_id, idx) AS (VALUES {rows}) {read} ORDER BY i.idx")


def terms_read(d: Dialect) -> str:
    """The points rule of one scan (the ORM path)."""
    return compact(rule_terms(category=d.param("category", "text"), at=d.param("at", "timestamptz")))


def daily_award_write(d: Dialect) -> str:
    """The daily-cap upsert of one scan (the ORM path, inside its transaction)."""
    return compact(
        daily_award(
            d,
            rows=f"""SELECT {d.param("owner", "bigint")} AS owner_id, {d.param("day", "date")} AS day, {d.param("want", "int")} AS wanted,
              {d.param("cap", "int")} AS cap, {d.param("day_start", "timestamptz")} AS day_start,
              {d.param("day_end", "timestamptz")} AS day_end""",
            wanted_again=d.param("want", "int"),
            cap_again=d.param("cap", "int"),
        )
    )


SINGLE = single()
SINGLE_BY_TOKEN = single(by_token=True)
BATCH_FACTS = batch_facts()
# The same before the claim tables exist: only while an older database is being converted.
UNCLAIMED = {
    SINGLE: single(d=POSTGRES_UNCLAIMED),
    SINGLE_BY_TOKEN: single(by_token=True, d=POSTGRES_UNCLAIMED),
    BATCH_FACTS: batch_facts(POSTGRES_UNCLAIMED),
}


def for_database(statement: str, claims: bool) -> str:
    """``statement`` (``SINGLE``, ``SINGLE_BY_TOKEN``, ``BATCH_FACTS``) as the database can run it."""
    return statement if claims else UNCLAIMED.get(statement, statement)


BATCH_ROUND = batch_round()
