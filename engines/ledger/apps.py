from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "engines.ledger"
    label = "ledger"
    verbose_name = "积分账本"
