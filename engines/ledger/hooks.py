"""The ledger's registrations: its part of a member's own data export."""

from core.registry import registry

registry.add_personal_data_section("engines.ledger.privacy.entries_section", order=90)
