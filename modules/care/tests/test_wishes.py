"""Micro-wishes from posting to fulfilment, the donor's side, and two donors at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.errors import ApiError, Conflict, Invalid, NotFound
from core.models import AuditLog, Notification, PersonalDataAccess
from core.tests.factories import UserFactory
from modules.care import selectors, services
from modules.care.models import Wish, WishClaim
from modules.care.tests.conftest import WISH, png


def test_a_wish_runs_from_posting_to_fulfilment(world, published, donor):
    assert published.status == Wish.Status.PUBLISHED
    claim = services.wish_claim(actor=donor, wish=published)
    assert claim.status == WishClaim.Status.PENDING and claim.donor_kind == "public"
    # The union is told and confirms; the donor may now see the contact (and the look is recorded).
    assert Notification.objects.filter(recipient=world.admin_a1).exists()
    with pytest.raises(NotFound):
        services.wish_contact(viewer=donor, claim=claim)
    services.claim_confirm(actor=world.admin_a1, claim=claim)
    contact = services.wish_contact(viewer=donor, claim=claim)
    assert contact["phone"] == "13800000001"
    assert PersonalDataAccess.objects.filter(viewer=donor, member=world.worker_a1, field="wish_contact").count() == 1
    services.claim_deliver(actor=donor, claim=claim, upload=png())
    published.refresh_from_db()
    assert published.status == Wish.Status.DELIVERED
    services.wish_confirm_received(actor=world.worker_a1.user, wish=published)
    published.refresh_from_db()
    claim.refresh_from_db()
    assert published.status == Wish.Status.FULFILLED and claim.status == WishClaim.Status.FULFILLED
    figures = selectors.campaign_figures(published.campaign)
    assert (figures.posted, figures.claimed, figures.fulfilled, figures.value_fulfilled) == (1, 1, 1, 12000)


def test_a_wish_over_the_value_limit_or_without_consent_is_refused(world, campaign):
    with pytest.raises(Invalid) as over:
        services.wish_post(actor=world.worker_a1.user, campaign=campaign, data={**WISH, "value": 50001})
    assert over.value.field == "value"
    with pytest.raises(Invalid) as consent:
        services.wish_post(actor=world.worker_a1.user, campaign=campaign, data={**WISH, "consent_publish": False})
    assert consent.value.field == "consent_publish"
    assert not Wish.objects.exists()


def test_a_union_posts_for_its_member_but_not_for_another_unions(world, campaign):
    wish = services.wish_post(actor=world.admin_a1, campaign=campaign, member=world.worker_a1_other, data=dict(WISH))
    assert wish.on_behalf and wish.member == world.worker_a1_other
    with pytest.raises(NotFound):
        services.wish_post(actor=world.admin_b1, campaign=campaign, member=world.worker_a1, data=dict(WISH))


def test_only_the_wishers_union_verifies_and_only_the_district_publishes(world, campaign):
    wish = services.wish_post(actor=world.worker_a1.user, campaign=campaign, data=dict(WISH))
    with pytest.raises(NotFound):
        services.wish_verify(actor=world.admin_b1, wish=wish)
    services.wish_verify(actor=world.admin_a1, wish=wish)
    with pytest.raises(ApiError):
        services.wish_publish(actor=world.street_a_staff, wish=wish)
    with pytest.raises(Conflict):  # verifying twice: the page was stale
        services.wish_verify(actor=world.admin_a1, wish=wish)


def test_the_second_donor_is_told_the_wish_is_taken(world, published, donor):
    other = UserFactory(username="donor2")
    services.wish_claim(actor=donor, wish=published)
    with pytest.raises(Conflict) as taken:
        services.wish_claim(actor=other, wish=published)
    assert taken.value.code == "care_wish_already_claimed"
    assert WishClaim.objects.filter(wish=published).count() == 1


def test_giving_back_reopens_the_wish_and_the_donor_can_decline_an_offer(world, published, donor):
    claim = services.wish_claim(actor=donor, wish=published)
    services.claim_give_back(actor=donor, claim=claim, reason="临时出差")
    published.refresh_from_db()
    assert published.status == Wish.Status.PUBLISHED
    offer = services.wish_offer(actor=world.admin_a1, wish=published, donor=donor)
    services.claim_decline(actor=donor, claim=offer)
    published.refresh_from_db()
    assert published.status == Wish.Status.PUBLISHED
    offer = services.wish_offer(actor=world.admin_a1, wish=published, donor=donor)
    services.claim_accept(actor=donor, claim=offer)
    assert services.wish_contact(viewer=donor, claim=offer)["first_name"] == "小明"


def test_a_wisher_cannot_claim_their_own_wish(world, published):
    with pytest.raises(Invalid):
        services.wish_claim(actor=world.worker_a1.user, wish=published)


def test_a_silent_donor_is_reported_to_the_union_once(world, published, donor):
    claim = services.wish_claim(actor=donor, wish=published)
    services.claim_confirm(actor=world.admin_a1, claim=claim)
    later = timezone.now() + timedelta(days=15)
    before = Notification.objects.filter(recipient=world.admin_a1).count()
    assert services.claims_silent_report(now=later) == "1 silent claims reported"
    assert services.claims_silent_report(now=later) == "0 silent claims reported"
    assert Notification.objects.filter(recipient=world.admin_a1).count() == before + 1


def test_the_public_list_shows_no_identity_and_unclaimed_first(world, published, campaign, client):
    second = services.wish_post(actor=world.worker_a1_other.user, campaign=campaign, data={**WISH, "first_name": "小华", "item": "棉服"})
    services.wish_verify(actor=world.admin_a1, wish=second)
    services.wish_publish(actor=world.district_staff, wish=second)
    services.wish_claim(actor=UserFactory(username="d3"), wish=published)
    rows = list(selectors.open_wishes(campaign))
    assert [r["pk"] for r in rows] == [second.pk, published.pk]
    page = client.get(reverse("care:wishes")).content.decode()
    for secret in ("张小明", "李华", "13800000001", "13800000002"):
        assert secret not in page
    assert "wish-open" in page and "小华：棉服" in page
    api = client.get("/api/v1/care/wishes/open").json()
    assert api["items"][0]["unclaimed"] is True and "phone" not in api["items"][0]


def test_the_contributions_page_and_delivery_through_pages(world, published, donor):
    from django.test import Client

    c = Client()
    c.force_login(donor)
    response = c.post(reverse("care:wish_claim", args=[published.pk]), {"donor_name": "某公司"})
    assert response.status_code == 302
    claim = WishClaim.objects.get()
    assert "某公司" in c.get(reverse("care:contributions")).content.decode() or claim.donor_name == "某公司"
    services.claim_confirm(actor=world.admin_a1, claim=claim)
    page = c.get(reverse("care:contribution", args=[claim.pk]) + "?contact=1").content.decode()
    assert "13800000001" in page
    c.post(reverse("care:contribution_action", args=[claim.pk]), {"action": "deliver", "photo": png()})
    claim.refresh_from_db()
    assert claim.status == WishClaim.Status.DELIVERED
    assert AuditLog.objects.filter(action="care.claim_deliver").exists()


def test_a_delivery_needs_a_real_picture(world, published, donor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    claim = services.wish_claim(actor=donor, wish=published)
    services.claim_confirm(actor=world.admin_a1, claim=claim)
    with pytest.raises(Invalid):
        services.claim_deliver(actor=donor, claim=claim, upload=SimpleUploadedFile("x.jpg", b"not an image"))
    claim.refresh_from_db()
    assert claim.status == WishClaim.Status.CONFIRMED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_donors_claiming_at_once_one_wins(world, published):
    """Real concurrent transactions on PostgreSQL: of eight donors at once, exactly one claim."""
    donors = [UserFactory(username=f"racer{i}") for i in range(8)]
    barrier = threading.Barrier(len(donors))
    outcomes: list[str] = []

    def claim(user):
        from django.db import connections

        try:
            barrier.wait()
            services.wish_claim(actor=user, wish=Wish.objects.get(pk=published.pk))
            outcomes.append("won")
        except Conflict as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(d,)) for d in donors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert connection.vendor == "postgresql"
    assert outcomes.count("won") == 1
    assert outcomes.count("care_wish_already_claimed") == len(donors) - 1
    assert WishClaim.objects.filter(wish=published).count() == 1
    assert Wish.objects.get(pk=published.pk).status == Wish.Status.CLAIMED
    # one audit record: the losers wrote none
    assert AuditLog.objects.filter(action="care.wish_claim", object_id=str(published.pk)).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_its_audit_and_its_notifications_are_one_transaction(world, published):
    """Out of any transaction (as a server runs it), the claim, its audit record and the union
    admins' notifications are written by the same transaction (their rows' xmin): all or none."""
    donor = UserFactory(username="one-transaction")
    claim = services.wish_claim(actor=donor, wish=Wish.objects.get(pk=published.pk))
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM care_wishclaim WHERE id = %s", [claim.pk])
        claimed_in = cursor.fetchone()[0]
        cursor.execute("SELECT xmin::text FROM care_wish WHERE id = %s", [published.pk])
        wish_in = cursor.fetchone()[0]
        cursor.execute("SELECT xmin::text FROM core_auditlog WHERE action = 'care.wish_claim' AND object_id = %s", [str(published.pk)])
        audited_in = cursor.fetchone()[0]
        cursor.execute("SELECT DISTINCT xmin::text FROM core_notification WHERE url = %s", [f"/care/wishes/{published.pk}/"])
        notified_in = [row[0] for row in cursor.fetchall()]
    assert notified_in and {claimed_in, wish_in, audited_in, *notified_in} == {claimed_in}
