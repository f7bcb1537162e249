"""The ledger's registrations: its parts of a member's own data export."""

from core.registry import registry

registry.add_personal_data_section("engines.ledger.privacy.entries_section", order=90)
registry.add_personal_data_section("engines.ledger.privacy.money_section", order=91)
