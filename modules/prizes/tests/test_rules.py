"""Who may do what, as a matrix: role × object × action."""

from __future__ import annotations

import pytest

from modules.prizes.services import redemption_create

pytestmark = pytest.mark.django_db


def test_permission_matrix(world, shop):
    r_district = redemption_create(
        actor=None, member=world.worker_a1, prize_id=shop.bag.pk, place_id=shop.office.pk, idempotency_key="matrix-0001"
    ).redemption
    r_own = redemption_create(
        actor=None, member=world.worker_a1, prize_id=shop.own.pk, place_id=shop.office.pk, idempotency_key="matrix-0002"
    ).redemption
    users = {
        "district": world.district_staff,
        "street_a": world.street_a_staff,
        "street_b": world.street_b_staff,
        "admin_a1": world.admin_a1,
        "admin_b1": world.admin_b1,
        "collector_a": world.collector_a,
        "inspector": world.inspector,
        "worker": world.worker_a1.user,
    }
    # (permission, object) → who is allowed; everyone else is refused.
    matrix = {
        ("prizes.manage", None): {"district", "street_a", "street_b", "admin_a1", "admin_b1"},
        ("prizes.view_reports", None): {"district", "street_a", "street_b", "admin_a1", "admin_b1"},
        ("prizes.use_pickup", None): {"district", "street_a", "street_b", "admin_a1", "admin_b1", "collector_a"},
        ("prizes.change_prize", shop.bag): {"district"},
        ("prizes.change_prize", shop.own): {"district", "street_a", "admin_a1"},
        ("prizes.change_pickupplace", shop.office): {"district", "street_a", "admin_a1"},
        ("prizes.change_pickupplace", shop.station_b): {"district", "street_b"},
        ("prizes.hand_over_at", shop.office): {"district", "street_a", "admin_a1"},
        ("prizes.hand_over_at", shop.station): {"district", "street_a", "collector_a"},
        ("prizes.hand_over_at", shop.station_b): {"district", "street_b"},
        ("prizes.cancel_redemption", r_district): {"district"},
        ("prizes.cancel_redemption", r_own): {"district", "street_a", "admin_a1"},
    }
    wrong = []
    for (perm, obj), allowed in matrix.items():
        for name, user in users.items():
            user = type(user).objects.get(pk=user.pk)  # a fresh user: no cached roles between checks
            if user.has_perm(perm, obj) != (name in allowed):
                wrong.append((perm, str(obj), name))
    assert wrong == []


def test_a_worker_made_operator_hands_prizes_over_from_their_phone(world, shop):
    from django.urls import reverse

    shop.office.operators.add(world.worker_a1_other.user)
    made = redemption_create(
        actor=None, member=world.worker_a1, prize_id=shop.bag.pk, place_id=shop.office.pk, idempotency_key="matrix-0003"
    ).redemption
    phone = world.client_for(world.worker_a1_other)
    assert phone.get(reverse("prizes:pickup")).status_code == 200
    done = phone.post(reverse("prizes:pickup"), {"place": shop.office.pk, "code": made.code})
    assert done.status_code == 200 and "核销成功" in done.content.decode()
    # …but only at the places they operate.
    other = phone.post(reverse("prizes:pickup"), {"place": shop.station.pk, "code": made.code})
    assert other.status_code == 400
