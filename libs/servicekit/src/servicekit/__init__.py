"""Plumbing shared by every service of the platform. No business logic lives here."""
