"""The engine's registrations: reminders and expiries of deadlines, every minute."""

from core.registry import registry

registry.add_periodic_job("engines.workflow.services.deadlines_tick", 60)
