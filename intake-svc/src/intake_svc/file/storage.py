"""Where file bytes live: content-addressed by sha256 behind a small interface (local directory by default)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Protocol


class FileStorage(Protocol):
    def temp_file(self) -> tuple[IO[bytes], Path]: ...

    def commit(self, temp_path: Path, sha256: str) -> None: ...

    def path_of(self, sha256: str) -> Path | None: ...


class LocalStorage:
    """Files at ``<root>/<aa>/<bb>/<sha256>``; the same content is stored once."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)

    def _final(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def temp_file(self) -> tuple[IO[bytes], Path]:
        # same file system as the final place, so the commit is an atomic rename
        fd, name = tempfile.mkstemp(dir=self.root / "tmp", prefix="up-")
        return os.fdopen(fd, "wb"), Path(name)

    def commit(self, temp_path: Path, sha256: str) -> None:
        final = self._final(sha256)
        if final.exists():
            temp_path.unlink(missing_ok=True)
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp_path, final)

    def discard(self, temp_path: Path) -> None:
        with contextlib.suppress(OSError):
            temp_path.unlink()

    def path_of(self, sha256: str) -> Path | None:
        final = self._final(sha256)
        return final if final.exists() else None
