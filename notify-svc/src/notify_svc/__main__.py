"""``python -m notify_svc`` serves; ``python -m notify_svc migrate`` upgrades the database."""

from servicekit.cli import main

main("notify_svc", "notify_svc.app:create_app", "notify_svc.settings:Settings", __file__)
