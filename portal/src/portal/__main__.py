"""``python -m portal`` serves the citizen portal; ``migrate`` upgrades its database."""

from servicekit.cli import main

if __name__ == "__main__":
    main("portal", "portal.app:create_app", "portal.settings:Settings", __file__)
