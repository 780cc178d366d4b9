"""Folding of Vietnamese text for search (servicekit.vntext, shared with intake's applicant search).

The same mapping lives in the SQL function ``catalog_fold`` (migration catalog_0002); both must agree, and a
test checks they do on every demo procedure name.
"""

from __future__ import annotations

from servicekit.vntext import VI_FROM, VI_TO, fold

__all__ = ["VI_FROM", "VI_TO", "fold"]
