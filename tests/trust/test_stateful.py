"""A property-based stateful test: random sequences of the platform's real writes keep the books.

hypothesis drives issue / bind / collect (right or wrong, duplicated, retried, forged codes,
offline batch uploads) / quiz answers / redeem / hand over / expire / cancel / grants through
the real services, and after every step checks what must always hold:

- every ledger balance equals the sum of its entries and none is negative;
- for every prize, stock + live redemptions (pending or handed over) = the number listed;
- no bag is collected twice, and a replayed scan answers exactly its first result;
- the points a collection awarded are the points the ledger credited for it;
- the live ranking boards equal a recomputation from the database, and the workers' points
  board equals a GROUP BY over the collections.

Each example runs inside a savepoint that is rolled back afterwards, with fresh boards.
The numbers run are written to var/stateful-stats.json for RELIABILITY.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from core.errors import ApiError
from engines.ledger.models import Account, Entry
from engines.ledger.selectors import ledger_mismatches
from engines.ledger.services import entry_post
from engines.ranking import leaderboard as lb
from engines.ranking import periods as P
from modules.bags import codes, services
from modules.bags import rankings as R
from modules.bags.models import Bag, Collection
from modules.bags.points import default_rules_ensure
from modules.knowledge.models import Campaign, Question, QuestionBank
from modules.knowledge.services import STARTER_BANK, answer_submit, attempt_start, question_bank_load
from modules.prizes.models import PickupPlace, Prize, Redemption
from modules.prizes.services import (
    place_create,
    prize_create,
    redemption_cancel,
    redemption_create,
    redemption_expire,
    redemption_hand_over,
)

EXAMPLES = int(os.environ.get("STATEFUL_EXAMPLES", "30"))
STEPS = int(os.environ.get("STATEFUL_STEPS", "30"))
STATS_FILE = Path(__file__).resolve().parents[2] / "var" / "stateful-stats.json"
CATEGORIES = ["kitchen", "recyclable", "hazardous", "other"]


class Base:
    """What every example starts from (built once per test, kept across the examples)."""

    def __init__(self, world):
        self.world = world
        staff = world.district_staff
        self.point_a = services.point_create(actor=staff, street=world.street_a, name="甲收集点", collectors=[world.collector_a])
        self.point_b = services.point_create(actor=staff, street=world.street_b, name="乙收集点", collectors=[world.collector_b])
        self.collectors = [(world.collector_a, self.point_a), (world.collector_b, self.point_b)]
        self.workers = [world.worker_a1, world.worker_a1_other, world.worker_b1]
        self.office = place_create(
            actor=staff, name="甲工会办公室", kind=PickupPlace.Kind.UNION_OFFICE, organisation=world.org_a1, operators=[world.admin_a1]
        )
        self.station = place_create(
            actor=staff, name="乙驿站", kind=PickupPlace.Kind.REST_STATION, organisation=world.street_b, operators=[world.collector_b]
        )
        self.operators = {self.office.pk: world.admin_a1, self.station.pk: world.collector_b}
        today = timezone.localdate()
        common = dict(valid_from=today - dt.timedelta(days=1), valid_until=today + dt.timedelta(days=30), pickup_days=7)
        self.prizes = [
            prize_create(
                actor=staff,
                name="环保袋",
                organisation=world.district,
                points_price=3,
                stock_listed=4,
                per_person_limit=3,
                places=[self.office, self.station],
                **common,
            ),
            prize_create(
                actor=staff,
                name="电影票",
                organisation=world.district,
                points_price=12,
                stock_listed=2,
                per_person_limit=1,
                places=[self.office, self.station],
                **common,
            ),
        ]
        default_rules_ensure(actor=staff)
        question_bank_load()
        bank = QuestionBank.objects.get(name=STARTER_BANK)
        self.daily = Campaign.objects.create(
            name="每日答题",
            kind=Campaign.Kind.DAILY,
            bank=bank,
            questions_per_attempt=5,
            points_per_correct=2,
            starts_at=timezone.now() - dt.timedelta(days=1),
        )


def fresh_boards() -> None:
    cache.clear()
    if lb.is_local():
        lb._backend = None  # a new, empty in-process backend
    else:
        lb.backend().client.flushdb()  # this engineer's own Redis database
    R.rebuild()


def make_machine(base: Base, stats: dict):
    world = base.world

    class Books(RuleBasedStateMachine):
        bags = Bundle("bags")
        redemptions = Bundle("redemptions")

        def __init__(self):
            super().__init__()
            self.savepoint = transaction.savepoint()
            fresh_boards()
            stats["examples"] += 1
            self.scans: dict[str, tuple] = {}  # client_id -> (body, first result)
            self.answer_keys: dict[str, tuple] = {}
            self.redeem_keys: dict[tuple, tuple] = {}
            self.seq = 0

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def next_id(self, prefix: str) -> str:
            self.seq += 1
            return f"{prefix}-{stats['examples']}-{self.seq}"

        def step(self):
            stats["steps"] += 1
            return TestCase.captureOnCommitCallbacks(execute=True)

        # ------------------------------------------------------------------ bags

        @initialize(target=bags, org=st.sampled_from(["org_a1", "org_b1"]))
        def first_batch(self, org):
            return self._issue(org)

        @rule(target=bags, org=st.sampled_from(["org_a1", "org_a2", "org_b1"]))
        def issue(self, org):
            return self._issue(org)

        def _issue(self, org):
            with self.step():
                batch = services.batch_create(actor=world.district_staff, organisation=getattr(world, org), size=10)
            return batch.first_bag_id

        @rule(first=bags, n=st.integers(0, 2), worker=st.integers(0, 2))
        def bind(self, first, n, worker):
            member = base.workers[worker]
            with self.step():
                try:
                    bag = services.bag_bind(actor=member.user, code=codes.encode(first + n))
                except ApiError:
                    return
            assert bag.owner_id == member.pk

        @rule(
            first=bags,
            n=st.integers(0, 2),
            who=st.integers(0, 1),
            category=st.sampled_from(CATEGORIES),
            wrong=st.sampled_from([False, False, True]),
            reuse=st.sampled_from([0, 0, 0, 1, 2, 3]),
            forge=st.sampled_from([None, None, None, "typo", "junk"]),
            owner=st.sampled_from([None, 0, 1]),
        )
        def collect(self, first, n, who, category, wrong, reuse, forge, owner):
            """A worker of the bag's union (maybe) binds it, then a collector scans it (or retries an earlier scan)."""
            if owner is not None:
                org_id = Bag.objects.filter(pk=first + n).values_list("organisation_id", flat=True).first()
                mine = [i for i, w in enumerate(base.workers) if w.organisation_id == org_id]
                if mine:
                    self.bind(first, n, mine[owner % len(mine)])
            collector, point = base.collectors[who]
            # mostly the point of the bag's own street (served); sometimes the other one
            org_street = Bag.objects.filter(pk=first + n).values_list("organisation__street_id", flat=True).first()
            if who == 0 and org_street == world.street_b.pk and not wrong:
                collector, point = base.collectors[1]
            elif who == 1 and org_street == world.street_a.pk and not wrong:
                collector, point = base.collectors[0]
            code = codes.encode(first + n)
            if forge == "typo":
                code = code[:-1] + ("A" if code[-1] != "A" else "B")
            elif forge == "junk":
                code = "not-a-bag-code"
            body = (code, point.pk, category, "wrong" if wrong else "correct", ["mixed_other"] if wrong else [])
            if reuse and self.scans:
                # a retry of an earlier upload: same client_id, same body (reuse 1, 2) or a different one (3)
                client_id = sorted(self.scans)[(first + n) % len(self.scans)]
                earlier_body, _first = self.scans[client_id]
                if reuse < 3:
                    body = earlier_body
                    collector, point = next((c, p) for c, p in base.collectors if p.pk == body[1])
            else:
                client_id = self.next_id("scan")
            item = services.ScanIn(
                client_id=client_id, code=body[0], point_id=body[1], category=body[2], grade=body[3], reasons=list(body[4])
            )
            before = Bag.objects.filter(pk=first + n, collected_at__isnull=False).exists()
            with self.step():
                result = services.collection_record(actor=collector, item=item)
            self._check_scan(client_id, body, result, before, forge)

        def _check_scan(self, client_id, body, result, collected_before, forge):
            stats["scan_codes"][result.code] = stats["scan_codes"].get(result.code, 0) + 1
            if client_id in self.scans:
                earlier_body, first = self.scans[client_id]
                if earlier_body == body and first.ok:
                    assert result.ok and result.replayed and result.collection_id == first.collection_id, result
                    assert result.points == first.points
                elif first.ok:
                    assert not result.ok and result.code == "idempotency_conflict", result
                return
            if forge:
                assert (
                    not result.ok and result.code in ("unknown_code", "mistyped_code", "forged_code", "invalid_code") or (not result.ok)
                ), result
            if result.ok:
                assert not collected_before, "a bag was collected twice"
                assert not result.replayed
                stats["collected"] += 1
                stats["points_awarded"] += result.points
            self.scans[client_id] = (body, result)

        @rule(first=bags, ns=st.lists(st.integers(0, 2), min_size=1, max_size=6), who=st.integers(0, 1), retry=st.booleans())
        def upload_batch(self, first, ns, who, retry):
            """An offline upload: duplicates inside the batch, then (maybe) the whole upload again."""
            collector, point = base.collectors[who]
            items = []
            for n in ns:
                client_id = f"up-{stats['examples']}-{first + n}-{point.pk}"
                items.append(services.ScanIn(client_id=client_id, code=codes.encode(first + n), point_id=point.pk, category="kitchen"))
            with self.step():
                results = services.collections_record_batch(actor=collector, items=items)
            assert len(results) == len(items)
            by_client = defaultdict(set)
            for item, result in zip(items, results, strict=True):
                by_client[item.client_id].add((result.ok, result.collection_id))
            assert all(len(v) == 1 for v in by_client.values()), "one client_id answered two ways in one upload"
            if retry:
                with self.step():
                    again = services.collections_record_batch(actor=collector, items=items)
                for first_result, second in zip(results, again, strict=True):
                    if first_result.ok:
                        assert second.ok and second.collection_id == first_result.collection_id and second.points == first_result.points

        # ------------------------------------------------------------------ quiz

        @rule(worker=st.integers(0, 2), q=st.integers(0, 4), right=st.booleans(), retry=st.booleans())
        def answer(self, worker, q, right, retry):
            member = base.workers[worker]
            with self.step():
                attempt = attempt_start(campaign=base.daily, member=member, actor=member.user)
            question_id = attempt.question_ids[q % len(attempt.question_ids)]
            question = Question.objects.get(pk=question_id)
            chosen = list(question.correct) if right else [next(i for i in range(len(question.options)) if i not in question.correct)]
            key = (worker, question_id)
            if retry and key in self.answer_keys:
                client_key, chosen = self.answer_keys[key]
            else:
                client_key = self.next_id("answer")
            with self.step():
                try:
                    result = answer_submit(
                        attempt_id=attempt.pk,
                        member=member,
                        question_id=question_id,
                        chosen=chosen,
                        client_key=client_key,
                        actor=member.user,
                    )
                except ApiError:
                    return
            stats["answers"] += 1
            if retry and key in self.answer_keys:
                assert not result.created
            self.answer_keys.setdefault(key, (client_key, chosen))

        # ------------------------------------------------------------------ prizes

        @rule(worker=st.integers(0, 2), amount=st.integers(1, 15))
        def grant(self, worker, amount):
            with self.step():
                entry_post(member_id=base.workers[worker].pk, amount=amount, reason="test.grant", source=self.next_id("grant"))

        @rule(target=redemptions, worker=st.integers(0, 2), prize=st.integers(0, 1), place=st.integers(0, 1), retry=st.booleans())
        def redeem(self, worker, prize, place, retry):
            member = base.workers[worker]
            prize_obj = base.prizes[prize]
            place_obj = [base.office, base.station][place]
            key = (worker, prize, place)
            idem = self.redeem_keys.get(key, (None,))[0] if retry and key in self.redeem_keys else self.next_id("redeem")
            with self.step():
                try:
                    done = redemption_create(
                        actor=member.user, member=member, prize_id=prize_obj.pk, place_id=place_obj.pk, idempotency_key=idem
                    )
                except ApiError:
                    return 0
            if key in self.redeem_keys and self.redeem_keys[key][0] == idem:
                assert done.redemption.pk == self.redeem_keys[key][1], "a retried redemption made a second one"
            self.redeem_keys.setdefault(key, (idem, done.redemption.pk))
            stats["redeemed"] += 1
            return done.redemption.pk

        @rule(pk=redemptions)
        def hand_over(self, pk):
            r = Redemption.objects.filter(pk=pk).first()
            if r is None:
                return
            with self.step():
                try:
                    redemption_hand_over(actor=base.operators[r.place_id], place_id=r.place_id, code=r.code)
                except ApiError:
                    return

        @rule(pk=redemptions)
        def expire(self, pk):
            if not pk:
                return
            Redemption.objects.filter(pk=pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
            with self.step():
                redemption_expire(redemption_id=pk)

        @rule(pk=redemptions)
        def cancel(self, pk):
            if not pk:
                return
            with self.step():
                try:
                    redemption_cancel(actor=world.district_staff, redemption_id=pk, reason="职工要求取消")
                except ApiError:
                    return

        # ------------------------------------------------------------------ what always holds

        @invariant()
        def books_balance(self):
            assert ledger_mismatches() == []
            assert not Account.objects.filter(balance__lt=0).exists()

        @invariant()
        def stock_adds_up(self):
            for prize in Prize.objects.annotate(live=Count("redemptions", filter=_live())):
                assert prize.stock + prize.live == prize.stock_listed, (prize.name, prize.stock, prize.live, prize.stock_listed)

        @invariant()
        def each_bag_once_and_points_match_the_ledger(self):
            assert Collection.objects.values("bag_id").annotate(n=Count("id")).filter(n__gt=1).count() == 0
            assert Bag.objects.filter(collected_at__isnull=False).count() == Collection.objects.count()
            awarded = dict(Collection.objects.filter(owner__isnull=False).values_list("owner_id").annotate(s=Sum("points_awarded")))
            credited = dict(Entry.objects.filter(reason="bags.collection").values_list("account__member_id").annotate(s=Sum("amount")))
            assert {k: v for k, v in awarded.items() if v} == {k: v for k, v in credited.items() if v}

        @invariant()
        def rankings_equal_the_database(self):
            computed = R.compute()
            for board in R.BOARDS:
                for s in P.spans(None, board.periods):
                    for scope, mapping in computed.get((board.name, s.key), {}).items():
                        assert lb.scores(board, s.key, scope) == dict(mapping), (board.name, s.key, scope)
            truth = defaultdict(float)
            for owner_id, pts in Collection.objects.filter(owner__isnull=False).values_list("owner_id").annotate(s=Sum("points_awarded")):
                if pts:
                    truth[R.member_key(owner_id)] += pts
            assert lb.scores(R.WORKER_POINTS, "all", R.DISTRICT) == dict(truth)

    return Books


def _live():
    return Q(redemptions__status__in=Redemption.LIVE)


def test_random_sequences_of_writes_keep_the_books(world):
    base = Base(world)
    stats = {
        "examples": 0,
        "steps": 0,
        "max_examples": EXAMPLES,
        "scan_codes": {},
        "stateful_step_count": STEPS,
        "collected": 0,
        "points_awarded": 0,
        "redeemed": 0,
        "answers": 0,
    }
    machine = make_machine(base, stats)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    STATS_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATS_FILE.write_text(json.dumps(stats))
    assert stats["examples"] >= EXAMPLES // 2 and stats["steps"] > 0
    # not vacuous: bags were collected with points, prizes redeemed, questions answered
    if EXAMPLES >= 20:
        assert stats["collected"] and stats["points_awarded"] and stats["redeemed"] and stats["answers"], stats
