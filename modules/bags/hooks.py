from core import partitions
from modules.bags import hooks_field, hooks_worker  # noqa: F401  (each registers its part)
from modules.bags.partitioning import COLLECTIONS

# PostgreSQL: the collections' monthly partitions made ahead by core's hourly upkeep; the claims of
# their client ids deleted past IDEMPOTENCY_CLAIM_DAYS (either backend). Never dropped.
partitions.register(COLLECTIONS)
