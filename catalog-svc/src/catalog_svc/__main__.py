"""``python -m catalog_svc`` serves; ``python -m catalog_svc migrate`` upgrades the database."""

from servicekit.cli import main

main("catalog_svc", "catalog_svc.app:create_app", "catalog_svc.settings:Settings", __file__)
