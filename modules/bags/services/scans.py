"""Recording one scan: the bag collected and graded at a point, points credited to its owner.

On PostgreSQL the scan is one statement (``scan_sql.SINGLE``, or ``SINGLE_BY_TOKEN`` at the WSGI
door), one round trip, autocommitted. Other databases — and PostgreSQL when the setting
``BAGS_SCAN_SQL`` is False — take the ORM path: the same facts read by the same SQL
(``scan_sql.facts_read``), the same decision (``scan_decision.decide``), the same rule and daily
cap (``scan_sql.terms_read``, ``scan_sql.daily_award_write``), then the writes in a transaction
with the ledger's own ``entry_post``. The batch upload (``scan_batch``) shares all of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core import scoping
from core.db import Statement, prepared_cursor
from core.models import ApiToken, User
from engines.ranking.periods import day_bounds
from modules.bags import codes, scan_sql
from modules.bags import points as rules_of_points
from modules.bags.models import Bag, BagBatch, Collection, Grade
from modules.bags.services.scan_decision import (
    COLLECTION_FIELDS,
    LEDGER_REASON,
    Facts,
    ScanIn,
    ScanResult,
    already_collected,
    decide,
    not_collector,
    recorded,
    replay,
    validate,
    wanted_points,
)


def fast_sql() -> bool:
    """Whether scans are written by the single statements (PostgreSQL) or the ORM path."""
    return connection.vendor == "postgresql" and getattr(settings, "BAGS_SCAN_SQL", True)


def dialect() -> scan_sql.Dialect:
    if connection.vendor != "postgresql":
        return scan_sql.SQLITE
    return scan_sql.POSTGRES if claims_installed() else scan_sql.POSTGRES_UNCLAIMED


_claims_seen: set[str] = set()


def claims_installed() -> bool:
    """Whether this database has the claim tables (``bags 0010_claims``). Always, except while an
    older database is converted as docs/scaling.md says, with the platform scanning meanwhile:
    then the scans find an earlier upload by the plain join until the claims appear. Once seen
    they stay (a conversion never goes back), so only a database not converted yet pays this
    look-up, once a scan."""
    name = connection.settings_dict["NAME"]
    if name in _claims_seen:
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bags_collection_claim') IS NOT NULL")
        if cursor.fetchone()[0]:
            _claims_seen.add(name)
            return True
    return False


def _statement(statement: str) -> str:
    return scan_sql.for_database(statement, claims_installed())


def collection_record(*, actor: User, item: ScanIn) -> ScanResult:
    """Record one scan: the bag collected and graded at a point, points credited to its owner.

    Only collectors may scan, and only at their points. Idempotent on ``client_id``: the same
    upload answers the first result; the same client_id with another body is refused
    (``idempotency_conflict``). A bag is collected once, ever.
    """
    now = timezone.now()
    bad = validate(item, now)
    if bad is not None:
        return bad if scoping.has_role(actor, scoping.Role.COLLECTOR) else not_collector(item)
    parsed = codes.parse(item.code)
    if fast_sql():
        return _record_pg(actor.pk, item, parsed, now)
    return _record_orm(actor.pk, item, parsed, now)


def _record_pg(actor_id: int, item: ScanIn, parsed: codes.ParsedCode, now: datetime) -> ScanResult:
    """The hot path: one statement (``scan_sql.SINGLE``), one round trip, autocommitted."""
    params = single_params(item, parsed, now, actor=actor_id)
    try:
        row = _execute_prepared(_statement(scan_sql.SINGLE), params)
    except IntegrityError as error:
        if is_unique_violation(error):
            # Another upload inserted this client_id (or collected this bag) between our read and our write.
            return after_race(item, parsed, actor_id)
        # Another constraint: what the statement read changed under it (a point deleted
        # mid-scan). The ORM path reads the facts again and answers what they say now.
        return _record_orm(actor_id, item, parsed, now)
    return _single_result(item, parsed, actor_id, row, params["at"])


def is_unique_violation(error: IntegrityError) -> bool:
    """A duplicate key (SQLSTATE 23505), as opposed to a foreign key or check that failed."""
    return any(getattr(e, "sqlstate", None) == "23505" for e in (error, error.__cause__))


def collection_record_by_token(*, token_hash: str, item: ScanIn) -> tuple[ScanResult, int] | None:
    """A handheld's scan with its device token resolved inside the scan's one statement
    (``scan_sql.SINGLE_BY_TOKEN``, PostgreSQL): the result and the collector's user id.

    None, with nothing written, for whatever this path leaves to ``collection_record`` behind
    the API's authentication: a token that names no active user (the API answers 401), a code
    that is not well signed (counted against the sender's budget there) or a field to refuse;
    and everything when the ORM path is chosen (``fast_sql``).
    """
    if not fast_sql():
        return None
    now = timezone.now()
    parsed = codes.parse(item.code)
    if not parsed.ok or validate(item, now) is not None:
        return None
    params = single_params(item, parsed, now, token=token_hash)
    try:
        row = _execute_prepared(_statement(scan_sql.SINGLE_BY_TOKEN), params)
    except IntegrityError as error:
        if not is_unique_violation(error):
            return None  # not a race of two uploads: the API's path reads everything again
        user_id = _token_user_id(token_hash)
        return None if user_id is None else (after_race(item, parsed, user_id), user_id)
    user_id, token_id, last_used_at, *facts = row
    if user_id is None:
        return None
    ApiToken.mark_used(token_id, last_used_at, now)
    return _single_result(item, parsed, user_id, facts, params["at"]), user_id


def _token_user_id(token_hash: str) -> int | None:
    return (
        ApiToken.objects.filter(key_hash=token_hash, revoked_at__isnull=True, user__is_active=True)
        .values_list("user_id", flat=True)
        .first()
    )


def _bag_id(parsed: codes.ParsedCode) -> int | None:
    return parsed.bag_id if parsed.ok else None


def single_params(item: ScanIn, parsed: codes.ParsedCode, now: datetime, **who) -> dict:
    at = item.scanned_at or now
    day_start, day_end = day_bounds(at)
    return {
        **who,
        "role": scoping.Role.COLLECTOR,
        "point": item.point_id,
        "bag": _bag_id(parsed),
        "client": item.client_id,
        "ready": BagBatch.Status.READY,
        "at": at,
        "default_points": rules_of_points.DEFAULT_POINTS,
        "default_cap": rules_of_points.DEFAULT_DAILY_CAP,
        "category": item.category,
        "grade": item.grade,
        "correct": Grade.CORRECT,
        "day": day_start.date(),
        "day_start": day_start,
        "day_end": day_end,
        "reasons": json.dumps(sorted(item.reasons)),
        "weight": item.weight_grams,
        "now": now,
        "reason": LEDGER_REASON,
        "source": f"{LEDGER_REASON}:",
    }


def _single_result(item: ScanIn, parsed: codes.ParsedCode, actor_id: int, row, at: datetime) -> ScanResult:
    """The answer to a scan from the facts the single statement read back (``scan_sql.single``)."""
    facts = Facts.of(row)
    new_id, new_points, _entries = row[-3:]
    if new_id is None:
        return decide(item, parsed, facts, actor_id) or after_race(item, parsed, actor_id)
    if not ranking_feed_enabled():  # the boards follow here, not through the feed: they need the row
        after_commit([replace(PendingCollection.decided(item, actor_id, facts, at), pk=new_id, points_awarded=new_points).as_model()])
    return recorded(item, parsed.code, collection_id=new_id, bag_id=facts.bag_id, owner_id=facts.owner_id, points=new_points)


@dataclass
class PendingCollection:
    """A collection of a batch upload on its way in: the fields the writes need, without building
    500 model instances (their constructor was a fifth of an upload's Python time)."""

    bag_id: int
    client_id: str
    point_id: int
    collector_id: int
    category: str
    grade: str
    reasons: list[str]
    weight_grams: int | None
    collected_at: datetime
    owner_id: int | None
    organisation_id: int
    street_id: int | None
    want: int = 0  # the rule's points, if the bag earns any, before the daily cap
    cap: int = 0
    points_awarded: int = 0
    pk: int | None = None

    @classmethod
    def decided(cls, item: ScanIn, actor_id: int, facts: Facts, at: datetime, **terms) -> PendingCollection:
        """The collection a scan makes, from the scan and its facts."""
        return cls(
            bag_id=facts.bag_id,
            client_id=item.client_id,
            point_id=facts.point_id,
            collector_id=actor_id,
            category=item.category,
            grade=item.grade,
            reasons=sorted(item.reasons),
            weight_grams=item.weight_grams,
            collected_at=at,
            owner_id=facts.owner_id,
            organisation_id=facts.org_id,
            street_id=facts.street_id,
            **terms,
        )

    def as_model(self) -> Collection:
        return Collection(
            pk=self.pk,
            bag_id=self.bag_id,
            client_id=self.client_id,
            point_id=self.point_id,
            collector_id=self.collector_id,
            category=self.category,
            grade=self.grade,
            reasons=self.reasons,
            weight_grams=self.weight_grams,
            collected_at=self.collected_at,
            owner_id=self.owner_id,
            organisation_id=self.organisation_id,
            street_id=self.street_id,
            points_awarded=self.points_awarded,
        )


def after_race(item: ScanIn, parsed: codes.ParsedCode, actor_id: int) -> ScanResult:
    """A concurrent upload took this client_id or this bag a moment ago: answer like it."""
    found = Collection.objects.filter(client_id=item.client_id).values(*COLLECTION_FIELDS).first()
    if found is not None:
        return replay(item, found, _bag_id(parsed), actor_id)
    return already_collected(item, parsed.code)


# Each statement's ``$n`` form, made on its first use (``core.db.Statement``).
_STATEMENTS: dict[str, Statement] = {}


def _execute_prepared(sql: str, params: dict) -> tuple:
    """Run the scan's statement as a server-side prepared statement when autocommitting.

    Planning the statement costs five times running it (1.5 ms against 0.3 ms at district
    scale); prepared once per connection (``core.db``) the plan is reused. Inside a transaction
    block (tests, or a caller's atomic) Django's cursor is used, so an IntegrityError caught by
    the caller leaves the block in Django's hands the usual way.
    """
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    with prepared_cursor(raw=True) as cursor:
        statement = statement_of(sql)
        cursor.execute(statement.text, statement.args(params), prepare=True)
        return cursor.fetchone()


def statement_of(sql: str) -> Statement:
    return _STATEMENTS.get(sql) or _STATEMENTS.setdefault(sql, Statement.of(sql))


# ------------------------------------------------------------------------------------ the ORM path


def read_facts(actor_id: int, scans: list[tuple[ScanIn, codes.ParsedCode]]) -> list[Facts]:
    """The facts of scans by ``scan_sql.facts`` (the ORM path's read: one query for all)."""
    params = {"actor": actor_id, "role": scoping.Role.COLLECTOR}
    for k, (item, parsed) in enumerate(scans):
        params.update({f"point{k}": item.point_id, f"bag{k}": _bag_id(parsed), f"client{k}": item.client_id})
    with connection.cursor() as cursor:
        cursor.execute(scan_sql.facts_read(dialect(), len(scans)), params)
        return [Facts.of(row[1:]) for row in cursor.fetchall()]


def read_terms(category: str, at: datetime) -> tuple[int, int]:
    """(points, daily cap) of the rule in force, by ``scan_sql.rule_terms`` (the ORM path's read)."""
    terms = rules_of_points.terms_for(category, at)
    return terms.points, terms.daily_cap


def terms_wanted(category: str, at: datetime, owner_id: int | None, grade: str) -> tuple[int, int]:
    """(points wanted before the cap, the cap): the rule is read only for a bag that can earn."""
    if wanted_points(1, owner_id, grade) == 0:
        return 0, 0
    rule_points, cap = read_terms(category, at)
    return wanted_points(rule_points, owner_id, grade), cap


def db_datetime(at: datetime):
    """A datetime as the database stores it, for raw SQL (SQLite keeps naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(at)


def _record_orm(actor_id: int, item: ScanIn, parsed: codes.ParsedCode, now: datetime) -> ScanResult:
    """The ORM path: the facts read, decided in Python, then written in a transaction."""
    (facts,) = read_facts(actor_id, [(item, parsed)])
    refused = decide(item, parsed, facts, actor_id)
    if refused is not None:
        return refused
    at = item.scanned_at or now
    want, cap = terms_wanted(item.category, at, facts.owner_id, item.grade)
    pending = PendingCollection.decided(item, actor_id, facts, at).as_model()
    if not write_orm(pending, want=want, cap=cap):
        return after_race(item, parsed, actor_id)
    after_commit([pending])
    return recorded(
        item, parsed.code, collection_id=pending.pk, bag_id=facts.bag_id, owner_id=facts.owner_id, points=pending.points_awarded
    )


class _Taken(Exception):
    """The bag was collected by another scan between the read and the write."""


def write_orm(collection: Collection, *, want: int, cap: int) -> bool:
    """Write one decided scan on the ORM path, in the single statement's lock order (bag → the
    worker's day → ledger account): the bag, the daily-cap award (``scan_sql.daily_award``), the
    collection, the ledger entry (``entry_post``). False, with nothing written, when another scan
    took the bag or the client_id meanwhile."""
    from engines.ledger.services import entry_post

    try:
        with transaction.atomic():
            if not Bag.objects.filter(pk=collection.bag_id, collected_at__isnull=True).update(collected_at=collection.collected_at):
                raise _Taken
            collection.points_awarded = _daily_award(collection, want, cap) if want > 0 else 0
            collection.save(force_insert=True)
            if collection.points_awarded > 0:
                key = f"{LEDGER_REASON}:{collection.pk}"
                entry_post(
                    member_id=collection.owner_id,
                    amount=collection.points_awarded,
                    reason=LEDGER_REASON,
                    source=key,
                    idempotency_key=key,
                    actor=User(pk=collection.collector_id),  # the id is all an entry records
                )
    except (IntegrityError, _Taken):
        collection.pk = None
        return False
    return True


def _daily_award(collection: Collection, want: int, cap: int) -> int:
    day_start, day_end = day_bounds(collection.collected_at)
    params = {
        "owner": collection.owner_id,
        "day": day_start.date(),
        "want": want,
        "cap": cap,
        "day_start": db_datetime(day_start),
        "day_end": db_datetime(day_end),
    }
    with connection.cursor() as cursor:
        cursor.execute(scan_sql.daily_award_write(dialect()), params)
        return cursor.fetchone()[1]


# --------------------------------------------------------------------------- rankings after commit


def ranking_feed_enabled() -> bool:
    from modules.bags import ranking_feed

    return ranking_feed.enabled()


def after_commit(collections: list[Collection]) -> None:
    """Inline ranking updates, where the background feed (``ranking_feed``) does not run."""
    if not collections or ranking_feed_enabled():
        return

    def notify():
        from modules.bags import rankings

        bulk = getattr(rankings, "on_collections", None)
        if bulk is not None:
            bulk(collections)
        else:
            for collection in collections:
                rankings.on_collection(collection)

    transaction.on_commit(notify)
