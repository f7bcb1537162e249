"""The programmes that own questionnaires. A programme registers its key once (in hooks.py);
staff pick it when importing a workbook, and the programme reads its own surveys by it."""

from __future__ import annotations

OWNERS: dict[str, str] = {}


def register_owner(key: str, label) -> None:
    if key in OWNERS and str(OWNERS[key]) != str(label):
        raise ValueError(f"survey owner {key!r} registered twice with two labels")
    OWNERS[key] = label


def choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in sorted(OWNERS.items())]
