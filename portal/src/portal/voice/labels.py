"""The national portal's satisfaction scale and criteria, shared by the dossier page and the rating form."""

from __future__ import annotations

from typing import Any

LEVELS = [("5", "Rất hài lòng"), ("4", "Hài lòng"), ("3", "Bình thường"), ("2", "Không hài lòng"),
          ("1", "Rất không hài lòng")]
CRITERIA = (("overall", "Mức độ hài lòng chung"), ("timeliness", "Thời gian giải quyết"),
            ("conduct", "Thái độ, tác phong của cán bộ"), ("guidance", "Hướng dẫn rõ ràng, dễ hiểu"))


def rating_context() -> dict[str, Any]:
    return {"rating_levels": LEVELS, "rating_criteria": CRITERIA, "rating_labels": dict(LEVELS)}
