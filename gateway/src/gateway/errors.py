"""Errors of this service: each carries its HTTP status and renders as problem+json."""

from servicekit.problems import Conflict, Forbidden, Invalid, NotFound, Problem, TooLarge, UnsupportedMedia

__all__ = ["Conflict", "Forbidden", "Invalid", "NotFound", "Problem", "TooLarge", "UnsupportedMedia"]
