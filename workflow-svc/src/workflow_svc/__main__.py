"""``python -m workflow_svc`` serves; ``python -m workflow_svc migrate`` upgrades the database."""

from servicekit.cli import main

main("workflow_svc", "workflow_svc.app:create_app", "workflow_svc.settings:Settings", __file__)
