"""``python -m intake_svc`` serves; ``python -m intake_svc migrate`` upgrades the database."""

from servicekit.cli import main

main("intake_svc", "intake_svc.app:create_app", "intake_svc.settings:Settings", __file__)
