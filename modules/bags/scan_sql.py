"""The scan's PostgreSQL statements: one round trip records a bag, everything else is read back.

``SINGLE`` is the whole single-scan write as one statement, so a scan costs one round trip to
the database and no explicit transaction (the statement is its own): it reads the point, the
collector's assignment and role, the bag, its batch and union and any earlier upload with the
same ``client_id`` (CTE ``f``); when every check passes (``ok``) it marks the bag collected —
``WHERE collected_at IS NULL`` under the bag's row lock, so of two concurrent scans of one bag
only the first writes anything — then takes the points of the rule in force (newest active rule
of the category, else the catch-all, else the built-in default), cuts them to the worker's daily
cap on the ``DailyPoints`` counter (the upsert locks the worker's day and sees its committed
total), inserts the collection and posts the ledger entry beside the balance, exactly as
``engines.ledger.services.entry_post`` does. The facts of ``f`` come back either way so Python
can word the refusal. Locks are always taken in the order bag → worker's day → ledger account
(the batch statement below does the same, each kind in id order), so scans cannot deadlock.

``SINGLE_BY_TOKEN`` is the same statement for a handheld's request on the hot path
(``modules.bags.hot_path``): it also resolves the device token, so authentication costs no
round trip of its own, and answers the user, the token and when it was last used first.

``BATCH_ROUND`` writes one round of a batch upload (at most one bag per worker) the same way.

The texts are compacted (comments and runs of blanks dropped) when this module loads: psycopg
converts a statement's ``%(name)s`` placeholders once and caches the result only for texts up
to 4,096 characters; the readable form of ``SINGLE`` is longer and was converted on every scan
(a tenth of the scan's Python time).
"""

from __future__ import annotations

import re


def compact(sql: str) -> str:
    """The statement without ``--`` comments and with single blanks (none of these statements has
    a blank or ``--`` inside a string literal)."""
    return " ".join(re.sub(r"--[^\n]*", "", sql).split())


SINGLE = """
WITH f AS (
  SELECT p.id AS point_id, p.is_active AS point_active,
    EXISTS (SELECT 1 FROM bags_collectionpoint_collectors c WHERE c.collectionpoint_id = p.id AND c.user_id = %(actor)s::bigint) AS assigned,
    EXISTS (SELECT 1 FROM core_roleassignment r WHERE r.user_id = %(actor)s::bigint AND r.role = %(role)s::text) AS is_collector,
    b.id AS bag_id, b.organisation_id AS org_id, b.owner_id, b.collected_at AS bag_collected, o.street_id, bt.status AS batch_status,
    CASE WHEN b.id IS NULL OR p.id IS NULL THEN FALSE
         WHEN EXISTS (SELECT 1 FROM bags_collectionpoint_served_organisations s WHERE s.collectionpoint_id = p.id)
         THEN EXISTS (SELECT 1 FROM bags_collectionpoint_served_organisations s JOIN core_organisation so ON so.id = s.organisation_id
                      WHERE s.collectionpoint_id = p.id AND o.path LIKE so.path || '%%')
         ELSE o.street_id = p.street_id END AS served,
    cc.id AS existing_id, cc.bag_id AS e_bag_id, cc.point_id AS e_point_id, cc.collector_id AS e_collector_id,
    cc.category AS e_category, cc.grade AS e_grade, cc.reasons AS e_reasons, cc.weight_grams AS e_weight_grams,
    cc.owner_id AS e_owner_id, cc.points_awarded AS e_points_awarded
  FROM (SELECT 1) AS one
  LEFT JOIN bags_collectionpoint p ON p.id = %(point)s::bigint
  LEFT JOIN bags_bag b ON b.id = %(bag)s::bigint
  LEFT JOIN core_organisation o ON o.id = b.organisation_id
  LEFT JOIN bags_bagbatch bt ON bt.id = b.batch_id
  LEFT JOIN bags_collection cc ON cc.client_id = %(client)s::text
), ok AS (
  SELECT * FROM f
  WHERE is_collector AND point_id IS NOT NULL AND point_active AND assigned AND bag_id IS NOT NULL AND batch_status = %(ready)s::text
    AND bag_collected IS NULL AND served AND existing_id IS NULL
), upd AS (
  UPDATE bags_bag SET collected_at = %(at)s::timestamptz WHERE id = (SELECT bag_id FROM ok) AND collected_at IS NULL RETURNING id
), want AS (
  SELECT ok.owner_id, GREATEST(COALESCE(r.points, %(default_points)s::int), 0) AS pts, COALESCE(r.daily_cap, %(default_cap)s::int) AS cap
  FROM ok JOIN upd ON upd.id = ok.bag_id
  LEFT JOIN LATERAL (
    SELECT points, daily_cap FROM bags_pointsrule
    WHERE is_active AND valid_from <= %(at)s::timestamptz AND category IN (%(category)s::text, '')
    ORDER BY category = '', valid_from DESC, id DESC LIMIT 1
  ) r ON TRUE
  WHERE ok.owner_id IS NOT NULL AND %(grade)s::text = %(correct)s::text
), day AS (
  INSERT INTO bags_dailypoints AS d (owner_id, day, points, last_award)
  SELECT w.owner_id, %(day)s::date, s.before + LEAST(w.pts, GREATEST(w.cap - s.before, 0)), LEAST(w.pts, GREATEST(w.cap - s.before, 0))
  FROM want w, LATERAL (
    -- the day's points so far, summed only for a worker without a counter for the day yet
    SELECT COALESCE(SUM(points_awarded), 0) AS before FROM bags_collection
    WHERE NOT EXISTS (SELECT 1 FROM bags_dailypoints x WHERE x.owner_id = w.owner_id AND x.day = %(day)s::date)
      AND owner_id = w.owner_id AND collected_at >= %(day_start)s::timestamptz AND collected_at < %(day_end)s::timestamptz
  ) s
  WHERE w.pts > 0
  ON CONFLICT (owner_id, day) DO UPDATE
    SET last_award = LEAST((SELECT pts FROM want), GREATEST((SELECT cap FROM want) - d.points, 0)),
        points = d.points + LEAST((SELECT pts FROM want), GREATEST((SELECT cap FROM want) - d.points, 0))
  RETURNING last_award
), ins AS (
  INSERT INTO bags_collection (bag_id, client_id, point_id, collector_id, category, grade, reasons, weight_grams, photo,
                               collected_at, owner_id, organisation_id, street_id, points_awarded)
  SELECT ok.bag_id, %(client)s::text, ok.point_id, %(actor)s::bigint, %(category)s::text, %(grade)s::text, %(reasons)s::jsonb, %(weight)s::int, '',
         %(at)s::timestamptz, ok.owner_id, ok.org_id, ok.street_id, COALESCE((SELECT last_award FROM day), 0)
  FROM ok JOIN upd ON upd.id = ok.bag_id
  RETURNING id, owner_id, points_awarded
), acc AS (
  INSERT INTO ledger_account (member_id, unit, balance, total_credited, total_debited, updated_at)
  SELECT owner_id, 'points', points_awarded, points_awarded, 0, %(now)s::timestamptz FROM ins WHERE points_awarded > 0
  ON CONFLICT (member_id, unit) DO UPDATE SET balance = ledger_account.balance + EXCLUDED.balance,
    total_credited = ledger_account.total_credited + EXCLUDED.total_credited, updated_at = EXCLUDED.updated_at
  RETURNING id, balance
), ent AS (
  INSERT INTO ledger_entry (account_id, amount, balance_after, reason, source, idempotency_key, memo, actor_id, created_at)
  SELECT acc.id, ins.points_awarded, acc.balance, %(reason)s::text, %(source)s::text || ins.id, %(source)s::text || ins.id, '', %(actor)s::bigint, %(now)s::timestamptz
  FROM acc, ins
  RETURNING id
)
SELECT f.*, (SELECT id FROM ins) AS new_id, (SELECT points_awarded FROM ins) AS new_points, (SELECT COUNT(*) FROM ent) AS entries
FROM f
"""

_TOKEN = """
WITH who AS (
  SELECT u.id AS user_id, t.id AS token_id, t.last_used_at FROM core_apitoken t JOIN core_user u ON u.id = t.user_id
  WHERE t.key_hash = %(token)s::text AND t.revoked_at IS NULL AND u.is_active
),"""
# The actor is whoever the token names; no token, no actor: every check of ``f`` then fails and
# nothing is written (the caller answers 401 through the full stack).
SINGLE_BY_TOKEN = compact(
    _TOKEN
    + SINGLE.replace("WITH f AS (", " f AS (", 1)
    .replace("%(actor)s::bigint", "(SELECT user_id FROM who)")
    .replace("SELECT f.*,", "SELECT (SELECT user_id FROM who), (SELECT token_id FROM who), (SELECT last_used_at FROM who), f.*,")
)
SINGLE = compact(SINGLE)

# One round of a batch upload: at most one bag per worker (the daily-cap upsert may touch each
# worker's day once per statement). Rows are checked in Python first (the upload's reads are
# set-based); here the bags are locked in id order and re-checked, so a bag another upload took
# a moment ago drops out instead of being counted twice.
BATCH_ROUND = """
WITH v AS (
  SELECT * FROM unnest(%(bag)s::bigint[], %(client)s::text[], %(point)s::bigint[], %(category)s::text[], %(grade)s::text[],
                       %(reasons)s::jsonb[], %(weight)s::int[], %(at)s::timestamptz[], %(owner)s::bigint[], %(org)s::bigint[],
                       %(street)s::bigint[], %(want)s::int[], %(cap)s::int[], %(day)s::date[], %(day_start)s::timestamptz[],
                       %(day_end)s::timestamptz[])
    AS t(bag_id, client_id, point_id, category, grade, reasons, weight_grams, collected_at, owner_id, organisation_id, street_id,
         want, cap, day, day_start, day_end)
), locked AS (
  SELECT b.id FROM bags_bag b WHERE b.id = ANY(%(bag)s::bigint[]) AND b.collected_at IS NULL ORDER BY b.id FOR NO KEY UPDATE
), upd AS (
  UPDATE bags_bag b SET collected_at = v.collected_at FROM v WHERE b.id = v.bag_id AND b.id IN (SELECT id FROM locked)
  RETURNING b.id
), day AS (
  INSERT INTO bags_dailypoints AS d (owner_id, day, points, last_award)
  SELECT v.owner_id, v.day, s.before + LEAST(v.want, GREATEST(v.cap - s.before, 0)), LEAST(v.want, GREATEST(v.cap - s.before, 0))
  FROM v JOIN upd ON upd.id = v.bag_id,
  LATERAL (
    -- the day's points so far, summed only for a worker without a counter for the day yet
    SELECT COALESCE(SUM(c.points_awarded), 0) AS before FROM bags_collection c
    WHERE NOT EXISTS (SELECT 1 FROM bags_dailypoints x WHERE x.owner_id = v.owner_id AND x.day = v.day)
      AND c.owner_id = v.owner_id AND c.collected_at >= v.day_start AND c.collected_at < v.day_end
  ) s
  WHERE v.owner_id IS NOT NULL AND v.want > 0
  ORDER BY v.owner_id
  -- The worker's wanted points and cap, found by position in the arrays (a search in C): a
  -- subquery over v per conflicting row made the round quadratic in its size.
  ON CONFLICT (owner_id, day) DO UPDATE
    SET last_award = LEAST((%(want)s::int[])[array_position(%(owner)s::bigint[], d.owner_id)],
                           GREATEST((%(cap)s::int[])[array_position(%(owner)s::bigint[], d.owner_id)] - d.points, 0)),
        points = d.points + LEAST((%(want)s::int[])[array_position(%(owner)s::bigint[], d.owner_id)],
                                  GREATEST((%(cap)s::int[])[array_position(%(owner)s::bigint[], d.owner_id)] - d.points, 0))
  RETURNING owner_id, last_award
), awards AS (
  -- one row of two arrays: a join with day was planned as a nested loop (quadratic)
  SELECT array_agg(owner_id) AS owners, array_agg(last_award) AS points FROM day
), ins AS (
  INSERT INTO bags_collection (bag_id, client_id, point_id, collector_id, category, grade, reasons, weight_grams, photo,
                               collected_at, owner_id, organisation_id, street_id, points_awarded)
  SELECT v.bag_id, v.client_id, v.point_id, %(actor)s, v.category, v.grade, v.reasons, v.weight_grams, '', v.collected_at, v.owner_id,
         v.organisation_id, v.street_id, COALESCE(awards.points[array_position(awards.owners, v.owner_id)], 0)
  FROM v JOIN upd ON upd.id = v.bag_id CROSS JOIN awards
  ORDER BY v.bag_id
  RETURNING id, bag_id, client_id, owner_id, points_awarded
), acc AS (
  INSERT INTO ledger_account (member_id, unit, balance, total_credited, total_debited, updated_at)
  SELECT owner_id, 'points', points_awarded, points_awarded, 0, %(now)s FROM ins WHERE points_awarded > 0 ORDER BY owner_id
  ON CONFLICT (member_id, unit) DO UPDATE SET balance = ledger_account.balance + EXCLUDED.balance,
    total_credited = ledger_account.total_credited + EXCLUDED.total_credited, updated_at = EXCLUDED.updated_at
  RETURNING id, member_id, balance
), ent AS (
  INSERT INTO ledger_entry (account_id, amount, balance_after, reason, source, idempotency_key, memo, actor_id, created_at)
  SELECT acc.id, ins.points_awarded, acc.balance, %(reason)s, %(source)s || ins.id, %(source)s || ins.id, '', %(actor)s, %(now)s
  FROM ins JOIN acc ON acc.member_id = ins.owner_id
  RETURNING id
)
SELECT ins.id, ins.client_id, ins.points_awarded, (SELECT COUNT(*) FROM ent) FROM ins
"""
BATCH_ROUND = compact(BATCH_ROUND)
