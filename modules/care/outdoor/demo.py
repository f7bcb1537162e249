"""Demo data: the courier survey imported from the committed workbook, last year's wave
finished and this year's open, with answers typed in from paper questionnaires (the demo
worker 13800000001 has not answered yet, so the journey can)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from engines.survey import services as survey_services
from engines.survey.models import Survey
from modules.care.outdoor.selectors import OWNER
from modules.care.outdoor.workbook import PATH, SERIES

PLATFORMS = ["sf", "jd", "zto", "yto", "meituan", "eleme", "other"]
PLATFORM_WEIGHTS = [18, 14, 12, 10, 24, 18, 4]


def fake_answer(rng: random.Random, wave: int = 2) -> dict:
    """One plausible courier's answers; later waves find more of them using rest stations."""
    station_known = rng.random() < (0.45 if wave == 1 else 0.68)
    injured = rng.random() < 0.22
    insurance = [
        k for k, p in (("pension", 0.45), ("medical", 0.6), ("injury", 0.32 if wave == 1 else 0.41), ("accident", 0.5)) if rng.random() < p
    ]
    rest_weights = {"station": 12 if wave == 1 else 30, "vehicle": 30, "shop": 15, "street": 33 if wave == 1 else 18, "home": 10}
    answer = {
        "platform": rng.choices(PLATFORMS, PLATFORM_WEIGHTS)[0],
        "age": str(rng.randint(19, 55)),
        "gender": rng.choices(["male", "female"], [9, 1])[0],
        "years": str(rng.randint(0, 12)),
        "hours": f"{rng.choice([8, 9, 9.5, 10, 10, 10.5, 11, 11, 12, 12, 13, 14])}",
        "days_off": str(rng.choice([0, 1, 2, 2, 4, 4, 4, 6, 8])),
        "income": str(rng.randrange(4500, 13000, 100)),
        "income_change": rng.choices(["up", "same", "down"], [3, 4, 3])[0],
        "contract": rng.choices(["yes", "no", "unsure"], [5, 3, 2])[0],
        "insurance": " ".join(insurance) or "none",
        "injured": "yes" if injured else "no",
        "union_member": rng.choices(["yes", "no"], [4, 6])[0],
        "rest_place": rng.choices(list(rest_weights), list(rest_weights.values()))[0],
        "station_known": "yes" if station_known else "no",
        "needs": " ".join(
            rng.sample(["rest", "legal", "insurance", "health", "training", "child", "housing", "counselling"], rng.randint(1, 3))
        ),
    }
    if injured:
        answer["injury_paid"] = rng.choices(["company", "self", "insurance", "union"], [3, 4, 2, 1])[0]
    if station_known:
        answer["station_use"] = " ".join(rng.sample(["water", "charge", "microwave", "toilet", "rest", "medicine"], rng.randint(1, 4)))
        answer["station_distance"] = rng.choices(["lt5", "5to15", "gt15"], [3, 5, 2])[0]
    if rng.random() < 0.15:
        answer["suggestion"] = rng.choice(["希望驿站晚上也开门", "小区不让电动车进，送餐很难", "希望多一些充电的地方", "希望有法律咨询"])
    return answer


def import_courier_survey(*, actor, organisation, anonymous: bool = True, opens_on=None, closes_on=None) -> Survey:
    return survey_services.survey_import(
        actor=actor,
        owner=OWNER,
        organisation=organisation,
        data=PATH.read_bytes(),
        filename=PATH.name,
        series=SERIES,
        anonymous=anonymous,
        opens_on=opens_on,
        closes_on=closes_on,
    )


def seed_courier_survey(ctx) -> None:
    staff = ctx.users["district"]
    rng = random.Random(2022)
    today = timezone.localdate()
    small = ctx.scale.name == "tiny"
    last = import_courier_survey(
        actor=staff, organisation=ctx.district, opens_on=dt.date(today.year - 1, 6, 1), closes_on=dt.date(today.year - 1, 6, 30)
    )
    _enter(staff, last, rng, wave=1, count=60 if small else 320, first_day=last.opens_on, days=30)
    survey_services.survey_set_status(actor=staff, survey=last, status=Survey.Status.CLOSED)
    now = import_courier_survey(
        actor=staff, organisation=ctx.district, opens_on=today - dt.timedelta(days=20), closes_on=today + dt.timedelta(days=40)
    )
    survey_services.survey_set_status(actor=staff, survey=now, status=Survey.Status.OPEN)
    _enter(staff, now, rng, wave=2, count=80 if small else 480, first_day=now.opens_on, days=20)
    ctx.notes.append(f"快递小哥问卷：/surveys/{now.pk}/（工作人员）；工人手机端 /care/outdoor/courier/")


def _enter(staff, survey, rng, *, wave, count, first_day, days) -> None:
    per_day: dict[dt.date, list[dict]] = {}
    for _i in range(count):
        per_day.setdefault(first_day + dt.timedelta(days=rng.randrange(days)), []).append(fake_answer(rng, wave))
    for day, rows in sorted(per_day.items()):
        survey_services.responses_enter(actor=staff, survey=survey, rows=rows, submitted_on=day)


# --- seed_demo --year-like-2020: the article's year ------------------------------------------------


def seed_year(ctx, year: int) -> None:
    """The year's wave of the courier survey, as the demo makes last year's: imported from the
    workbook, answers typed in from paper in June, then closed. Made once: a year with answers is left alone."""
    from engines.survey.models import Response

    if Response.objects.filter(survey__owner=OWNER, submitted_on__year=year).exists():
        return
    staff = ctx.users["district"]
    wave = import_courier_survey(actor=staff, organisation=ctx.district, opens_on=dt.date(year, 6, 1), closes_on=dt.date(year, 6, 30))
    _enter(staff, wave, ctx.rng, wave=1, count=60 if ctx.scale.name == "tiny" else 320, first_day=wave.opens_on, days=30)
    survey_services.survey_set_status(actor=staff, survey=wave, status=Survey.Status.CLOSED)
