"""A batch upload of scans (handhelds and the station's offline queue): up to 500 at once.

Set-based: on PostgreSQL one read gives every scan's facts and points rule (``scan_sql.BATCH_FACTS``:
the single scan's ``facts`` and ``rule_terms`` over the upload's arrays), each scan is decided in
Python as a single scan is (``scan_decision.decide``), and the accepted ones are written in rounds
by one statement each (``scan_sql.BATCH_ROUND``: the single scan's daily-cap, collection and
ledger fragments). The ORM path reads and writes each scan as ``scans`` does.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.db import int_array, iso_array, prepared_cursor, text_array
from core.errors import Invalid
from core.models import User
from engines.ranking.periods import day_bounds
from modules.bags import codes, scan_sql
from modules.bags import points as rules_of_points
from modules.bags.abuse import batch_bad_codes_spend
from modules.bags.models import Collection
from modules.bags.services.scan_decision import (
    COLLECTION_FIELDS,
    LEDGER_REASON,
    MAX_SCAN_BATCH,
    Facts,
    ScanIn,
    ScanResult,
    already_collected,
    decide,
    fail,
    recorded,
    replay,
    scan_message,
    validate,
    wanted_points,
)
from modules.bags.services.scans import (
    PendingCollection,
    _record_pg,
    after_commit,
    claims_installed,
    fast_sql,
    read_facts,
    statement_of,
    terms_wanted,
    write_orm,
)


def collections_record_batch(*, actor: User, items: list[ScanIn]) -> list[ScanResult]:
    """Record up to 500 scans with set-based reads and writes; one result per item, in order.

    A retried upload replays each item's first result, so nothing is counted twice. Items of
    one owner are written in rounds (one bag of each owner per round) so the daily cap sees the
    bags credited before.
    """
    if len(items) > MAX_SCAN_BATCH:
        raise Invalid("batch_too_large", _("一次最多上传 %(n)s 条扫描记录") % {"n": MAX_SCAN_BATCH}, field="items")
    now = timezone.now()
    results: dict[int, ScanResult] = {}
    parsed: dict[int, codes.ParsedCode] = {}
    first_by_client: dict[str, int] = {}
    for index, item in enumerate(items):
        bad = validate(item, now)
        if bad is not None:
            results[index] = bad
            continue
        if item.client_id in first_by_client:
            continue  # answered below from its first occurrence
        first_by_client[item.client_id] = index
        parsed[index] = codes.parse(item.code)
    # Forged codes in an upload spend the single scans' bad-code budget (429 once it is spent).
    batch_bad_codes_spend(actor, sum(not code.ok for code in parsed.values()))
    pending = _decide(actor.pk, items, parsed, now, results)
    written = _write(actor, items, parsed, now, pending, results)
    after_commit(written)
    return _in_order(items, results, first_by_client)


def _decide(actor_id: int, items: list[ScanIn], parsed: dict[int, codes.ParsedCode], now: datetime, results: dict) -> list:
    """Each scan decided from its facts as a single scan is; the accepted ones, to be written."""
    live = list(parsed)
    facts = _read_facts(actor_id, items, parsed, live, now)
    pending: list[tuple[int, PendingCollection]] = []
    claimed: set[int] = set()
    for index in live:
        item, code = items[index], parsed[index]
        found, rule_points, cap = facts[index]
        if found.bag_id in claimed:  # an earlier item of this upload takes the bag
            found = found._replace(bag_collected=now)
        refused = decide(item, code, found, actor_id)
        if refused is not None:
            results[index] = refused
            continue
        claimed.add(found.bag_id)
        pending.append((index, PendingCollection.decided(item, actor_id, found, item.scanned_at or now, want=rule_points, cap=cap)))
    for _index, c in pending:
        if fast_sql():
            c.want = wanted_points(c.want, c.owner_id, c.grade)
        else:  # the ORM path reads the rule of the accepted scans only
            c.want, c.cap = terms_wanted(c.category, c.collected_at, c.owner_id, c.grade)
    return pending


def _read_facts(actor_id: int, items: list[ScanIn], parsed: dict, live: list[int], now: datetime) -> dict[int, tuple]:
    """{item index: (Facts, the rule's points, its daily cap)}; on the ORM path the rule is read
    later, for the accepted scans only (0, 0 here)."""
    if not live:
        return {}
    if not fast_sql():
        found = read_facts(actor_id, [(items[index], parsed[index]) for index in live])
        return {index: (facts, 0, 0) for index, facts in zip(live, found, strict=True)}
    params = {
        "actor": actor_id,
        "role": scoping.Role.COLLECTOR,
        "point": int_array([items[i].point_id for i in live]),
        "bag": int_array([parsed[i].bag_id if parsed[i].ok else None for i in live]),
        "client": text_array([items[i].client_id for i in live]),
        "category": text_array([items[i].category for i in live]),
        "at": iso_array([items[i].scanned_at or now for i in live]),
        "default_points": rules_of_points.DEFAULT_POINTS,
        "default_cap": rules_of_points.DEFAULT_DAILY_CAP,
    }
    with prepared_cursor(raw=True) as cursor:
        statement = statement_of(scan_sql.for_database(scan_sql.BATCH_FACTS, claims_installed()))
        cursor.execute(statement.text, statement.args(params), prepare=False)
        rows = cursor.fetchall()
    return {live[idx - 1]: (Facts.of(rest), points, cap) for idx, points, cap, *rest in rows}


def _write(actor: User, items: list[ScanIn], parsed: dict, now: datetime, pending: list, results: dict) -> list:
    """Write the accepted scans in rounds: one collection per owner per round, so the daily cap
    counts earlier rounds. Returns the collections written (for the rankings)."""
    written: list = []
    # An upload's answers say one of a few sentences: each is translated once, not 500 times.
    message = functools.cache(scan_message)
    while pending:
        round_items, rest, owners = [], [], set()
        for entry in pending:
            owner = entry[1].owner_id
            if owner is not None and owner in owners:
                rest.append(entry)
            else:
                owners.add(owner)
                round_items.append(entry)
        pending = rest
        # Owners in a fixed order: the daily-cap upsert locks each owner's day until this round commits.
        round_items.sort(key=lambda entry: (entry[1].owner_id or 0, entry[0]))
        if fast_sql():
            try:
                inserted = _write_round_pg(round_items, actor, now)
            except IntegrityError:
                # A concurrent upload used one of these client_ids: the round wrote nothing;
                # record its bags one by one, which answers each like its first upload.
                for index, _collection in round_items:
                    results[index] = _record_pg(actor.pk, items[index], parsed[index], now)
                continue
        else:
            inserted = _write_round_orm(round_items)
        for index, collection in round_items:
            item = items[index]
            if index in inserted:
                written.append(collection)
                results[index] = recorded(
                    item,
                    parsed[index].code,
                    collection_id=collection.pk,
                    bag_id=collection.bag_id,
                    owner_id=collection.owner_id,
                    points=collection.points_awarded,
                    message=message,
                )
            else:
                found = Collection.objects.filter(client_id=item.client_id).values(*COLLECTION_FIELDS).first()
                results[index] = (
                    replay(item, found, collection.bag_id, actor.pk)
                    if found is not None
                    else already_collected(item, codes.encode(collection.bag_id))
                )
    return written


def _in_order(items: list[ScanIn], results: dict, first_by_client: dict) -> list[ScanResult]:
    """One result per item; a client_id repeated inside the upload answers like its first
    occurrence (or conflicts, when its body differs)."""
    out = []
    for index, item in enumerate(items):
        if index not in results:
            first = items[first_by_client[item.client_id]]
            prior = results[first_by_client[item.client_id]]
            same = (first.code, first.point_id, first.category, first.grade, sorted(first.reasons), first.weight_grams) == (
                item.code,
                item.point_id,
                item.category,
                item.grade,
                sorted(item.reasons),
                item.weight_grams,
            )
            results[index] = (
                ScanResult(**{**prior.__dict__, "replayed": True})
                if same
                else fail(item, "idempotency_conflict", _("该 client_id 已用于另一条不同的扫描记录"), status=409, field="client_id")
            )
        out.append(results[index])
    return out


def _write_round_pg(entries: list[tuple[int, PendingCollection]], actor: User, now: datetime) -> set[int]:
    """One round of a batch upload in one statement (``scan_sql.BATCH_ROUND``); sets each written
    collection's id and points and returns the indexes written. Raises IntegrityError (nothing
    written) when another upload holds one of the client_ids."""
    if not entries:
        return set()
    cols = [c for _i, c in entries]
    bounds = [day_bounds(c.collected_at) for c in cols]
    # Arrays go as their text form (``core.db.int_array``): psycopg's list adaptation was a fifth
    # of an upload's Python time.
    params = {
        "bag": int_array([c.bag_id for c in cols]),
        "client": text_array([c.client_id for c in cols]),
        "point": int_array([c.point_id for c in cols]),
        "category": text_array([c.category for c in cols]),
        "grade": text_array([c.grade for c in cols]),
        "reasons": text_array([json.dumps(c.reasons) for c in cols]),
        "weight": int_array([c.weight_grams for c in cols]),
        "at": iso_array([c.collected_at for c in cols]),
        "owner": int_array([c.owner_id for c in cols]),
        "org": int_array([c.organisation_id for c in cols]),
        "street": int_array([c.street_id for c in cols]),
        "want": int_array([c.want for c in cols]),
        "cap": int_array([c.cap for c in cols]),
        "day": iso_array([start.date() for start, _end in bounds]),
        "day_start": iso_array([start for start, _end in bounds]),
        "day_end": iso_array([end for _start, end in bounds]),
        "actor": actor.pk,
        "now": now,
        "reason": LEDGER_REASON,
        "source": f"{LEDGER_REASON}:",
    }
    # Bound server-side (bound client-side, 16 arrays of 500 values became one long SQL text to
    # parse). Not prepared: a generic plan cannot know the arrays' length, and guessing one row
    # it joined the round's CTEs by nested loops, quadratic in the round.
    with transaction.atomic(), prepared_cursor(raw=True) as cursor:
        statement = statement_of(scan_sql.BATCH_ROUND)
        cursor.execute(statement.text, statement.args(params), prepare=False)
        rows = {client_id: (pk, points) for pk, client_id, points, _entries in cursor.fetchall()}
    written = set()
    for index, collection in entries:
        if collection.client_id in rows:
            collection.pk, collection.points_awarded = rows[collection.client_id]
            written.add(index)
    return written


def _write_round_orm(entries: list[tuple[int, PendingCollection]]) -> set[int]:
    """A round on the ORM path, scan by scan as ``scans.write_orm`` writes a single scan."""
    written = set()
    for index, pending in entries:
        collection = pending.as_model()
        if write_orm(collection, want=pending.want, cap=pending.cap):
            pending.pk, pending.points_awarded = collection.pk, collection.points_awarded
            written.add(index)
    return written
