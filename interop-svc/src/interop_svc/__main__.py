"""``python -m interop_svc`` serves; ``python -m interop_svc migrate`` upgrades the database."""

from servicekit.cli import main

main("interop_svc", "interop_svc.app:create_app", "interop_svc.settings:Settings", __file__)
