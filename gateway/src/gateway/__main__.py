"""``python -m gateway`` serves; ``python -m gateway migrate`` upgrades the database."""

from servicekit.cli import main

main("gateway", "gateway.app:create_app", "gateway.settings:Settings", __file__)
