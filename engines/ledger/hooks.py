"""The ledger's registrations: its parts of a member's own data export."""

from core.registry import registry

registry.add_personal_data_section("engines.ledger.privacy.entries_section", order=90)
registry.add_personal_data_section("engines.ledger.privacy.money_section", order=91)

# PostgreSQL: the entries' monthly partitions made ahead by core's hourly upkeep; the claims of
# their idempotency keys deleted past IDEMPOTENCY_CLAIM_DAYS (either backend). Never dropped.
from core import partitions  # noqa: E402
from engines.ledger.partitioning import ENTRIES  # noqa: E402

partitions.register(ENTRIES)
