"""The composition rules of an honour's places, as arithmetic (no database).

Beijing's model-worker practice: of the places, at least 45 % front-line workers, at least 25 %
technical staff, at most 8 % managers, a share reserved for front-line epidemic workers; the
percentages are set per honour and year. They are checked *live*: a recommendation is refused
when, once it is counted, the places left could no longer bring the mix within the rules — not
only at the end, when nothing can be done about it any more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass
class Mix:
    total: int = 0
    frontline: int = 0
    technical: int = 0
    manager: int = 0
    epidemic: int = 0

    def plus(self, category: str, epidemic: bool) -> Mix:
        return Mix(
            self.total + 1,
            self.frontline + (category == "frontline"),
            self.technical + (category == "technical"),
            self.manager + (category == "manager"),
            self.epidemic + bool(epidemic),
        )


@dataclass
class Limits:
    places: int
    min_frontline: int
    min_technical: int
    max_manager: int
    min_epidemic: int


def limits(places: int, *, min_frontline_pct: int, min_technical_pct: int, max_manager_pct: int, epidemic_pct: int) -> Limits:
    """Whole people from percentages of the places: minimums round up, the maximum down. With few
    places the two minimums may not both fit; the front-line tilt then wins."""
    frontline = math.ceil(places * min_frontline_pct / 100)
    technical = math.ceil(places * min_technical_pct / 100)
    frontline = min(frontline, places)
    technical = min(technical, places - frontline)
    return Limits(
        places=places,
        min_frontline=frontline,
        min_technical=technical,
        max_manager=math.floor(places * max_manager_pct / 100),
        min_epidemic=min(math.ceil(places * epidemic_pct / 100), places),
    )


def limits_for(honour, places: int) -> Limits:
    if honour.kind == "collective":
        # Collectives have no person categories; only the places (and no epidemic share) apply.
        return Limits(places, 0, 0, places, 0)
    return limits(
        places,
        min_frontline_pct=honour.min_frontline_pct,
        min_technical_pct=honour.min_technical_pct,
        max_manager_pct=honour.max_manager_pct,
        epidemic_pct=honour.epidemic_reserved_pct,
    )


def problems(lim: Limits, mix: Mix) -> list[str]:
    """Why ``mix`` (the places already used, the candidate included) breaks the rules, or []."""
    out = []
    if mix.total > lim.places:
        out.append(_("名额已满（%(places)s 个）") % {"places": lim.places})
        return out
    if mix.manager > lim.max_manager:
        out.append(_("管理人员不得超过 %(n)s 名（名额的上限比例）") % {"n": lim.max_manager})
    left = lim.places - mix.total
    need_frontline = max(0, lim.min_frontline - mix.frontline)
    need_technical = max(0, lim.min_technical - mix.technical)
    if need_frontline + need_technical > left:
        out.append(
            _("剩余 %(left)s 个名额须留给一线职工（还差 %(f)s 名）和专业技术人员（还差 %(t)s 名）")
            % {"left": left, "f": need_frontline, "t": need_technical}
        )
    need_epidemic = max(0, lim.min_epidemic - mix.epidemic)
    if need_epidemic > left:
        out.append(_("剩余名额须留给抗疫一线人员（还差 %(n)s 名）") % {"n": need_epidemic})
    return out


@dataclass
class PanelRow:
    """One line of the live quota panel: a unit (or the whole honour) and its mix."""

    label: str
    lim: Limits
    mix: Mix
    pending: int = 0
    unit_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    def pct(self, n: int) -> int:
        return round(100 * n / self.mix.total) if self.mix.total else 0

    @property
    def frontline_pct(self) -> int:
        return self.pct(self.mix.frontline)

    @property
    def technical_pct(self) -> int:
        return self.pct(self.mix.technical)

    @property
    def manager_pct(self) -> int:
        return self.pct(self.mix.manager)

    @property
    def left(self) -> int:
        return max(0, self.lim.places - self.mix.total)

    @property
    def ok(self) -> bool:
        return not self.warnings
