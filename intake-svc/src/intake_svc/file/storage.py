"""Where file bytes live: content-addressed by sha256 behind a small interface. A local folder by default
(shared by the replicas of one host, or a ReadWriteMany volume); an S3-compatible object store where configured
(``INTAKE_S3_BUCKET``), through the MinIO client library.

Uploads are always received into a local spool file first (hashed while streaming, size-limited), then
committed: renamed into the folder, or put into the bucket. Reading gives a local path (served as a file
response, signed as a PDF): for the object store, a copy in a per-replica cache of immutable, content-addressed
objects, fetched once."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Protocol


class FileStorage(Protocol):
    def temp_file(self) -> tuple[IO[bytes], Path]: ...

    def commit(self, temp_path: Path, sha256: str) -> None: ...

    def discard(self, temp_path: Path) -> None: ...

    def path_of(self, sha256: str) -> Path | None: ...


def object_key(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a sha256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class LocalStorage:
    """Files at ``<root>/<aa>/<bb>/<sha256>``; the same content is stored once."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)

    def _final(self, sha256: str) -> Path:
        return self.root / object_key(sha256)

    def temp_file(self) -> tuple[IO[bytes], Path]:
        # same file system as the final place, so the commit is an atomic rename
        fd, name = tempfile.mkstemp(dir=self.root / "tmp", prefix="up-")
        return os.fdopen(fd, "wb"), Path(name)

    def commit(self, temp_path: Path, sha256: str) -> None:
        final = self._final(sha256)
        if final.exists():
            temp_path.unlink(missing_ok=True)
            return
        try:  # the folder exists but for the first files of each prefix: no mkdir call per upload
            os.replace(temp_path, final)
        except FileNotFoundError:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp_path, final)

    def discard(self, temp_path: Path) -> None:
        with contextlib.suppress(OSError):
            temp_path.unlink()

    def path_of(self, sha256: str) -> Path | None:
        final = self._final(sha256)
        return final if final.exists() else None


class ObjectStorage:
    """Objects ``<aa>/<bb>/<sha256>`` in one bucket of an S3-compatible store. ``spool`` holds uploads being
    received and the cache of objects read (safe per replica: an object never changes once written)."""

    def __init__(self, client: Any, bucket: str, spool: str | Path) -> None:
        self.client = client
        self.bucket = bucket
        self.spool = Path(spool).resolve()
        (self.spool / "tmp").mkdir(parents=True, exist_ok=True)
        (self.spool / "cache").mkdir(parents=True, exist_ok=True)

    @classmethod
    def connect(cls, endpoint: str, bucket: str, access_key: str, secret_key: str, spool: str | Path,
                region: str | None = None) -> ObjectStorage:
        from urllib.parse import urlsplit

        from minio import Minio

        url = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        client = Minio(url.netloc, access_key=access_key, secret_key=secret_key, secure=url.scheme == "https",
                       region=region)
        return cls(client, bucket, spool)

    def ensure_bucket(self) -> None:
        from minio.error import S3Error

        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
        except S3Error as exc:  # created by another replica meanwhile
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def temp_file(self) -> tuple[IO[bytes], Path]:
        fd, name = tempfile.mkstemp(dir=self.spool / "tmp", prefix="up-")
        return os.fdopen(fd, "wb"), Path(name)

    def _exists(self, key: str) -> bool:
        from minio.error import S3Error

        try:
            self.client.stat_object(self.bucket, key)
            return True
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return False
            raise

    def commit(self, temp_path: Path, sha256: str) -> None:
        key = object_key(sha256)
        try:
            if not self._exists(key):
                self.client.fput_object(self.bucket, key, str(temp_path), content_type="application/octet-stream")
        finally:
            temp_path.unlink(missing_ok=True)

    def discard(self, temp_path: Path) -> None:
        with contextlib.suppress(OSError):
            temp_path.unlink()

    def path_of(self, sha256: str) -> Path | None:
        """The object as a local file (fetched into the cache on first read); None when the store has none."""
        from minio.error import S3Error

        key = object_key(sha256)
        cached = self.spool / "cache" / key
        if cached.exists():
            return cached
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.spool / "tmp", prefix="get-")
        os.close(fd)
        try:
            self.client.fget_object(self.bucket, key, name)
        except S3Error as exc:
            Path(name).unlink(missing_ok=True)
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return None
            raise
        os.replace(name, cached)  # readers never see a half-written copy
        return cached


def open_storage(settings: Any) -> LocalStorage | ObjectStorage:
    """The object store when ``s3_bucket`` is configured, else the local folder ``storage_dir``."""
    if not settings.s3_bucket:
        return LocalStorage(settings.storage_dir)
    secret = settings.s3_secret_key
    if settings.s3_secret_key_file:
        secret = Path(settings.s3_secret_key_file).read_text().strip()
    storage = ObjectStorage.connect(settings.s3_endpoint, settings.s3_bucket, settings.s3_access_key or "",
                                    secret or "", settings.storage_dir, region=settings.s3_region)
    storage.ensure_bucket()
    return storage
