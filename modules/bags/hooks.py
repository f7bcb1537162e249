from modules.bags import hooks_field, hooks_worker  # noqa: F401  (each registers its part)
