"""Public catalog reads are answered from memory with an ETag (304 for a repeat reader) and invalidated by the
catalog's own events: an edit made on another replica is seen on this one, no stale answer is served."""

from __future__ import annotations

from typing import Any

from catalog_svc.app import create_app
from catalog_testkit import KET_HON, demo_procedure, make_settings
from devkit.testing import eventually, running

URL = "/api/v1/catalog/procedures"


async def _live(app: Any) -> None:
    """The bus is connected and the demo load's events (each one empties the cache) have all gone by."""
    await eventually(lambda: app.state.response_cache.live(), timeout=30)
    await eventually(lambda: app.state.relay.published >= 62, timeout=30)


async def _in_memory(client: Any, url: str, **kw: Any) -> Any:
    """GETs ``url`` until the answer comes from memory (an event arriving meanwhile empties the cache)."""
    store = client.app.state.response_cache

    async def hit() -> Any:
        hits = store.hits
        r = await client.get(url, **kw)
        return r if store.hits == hits + 1 else None

    return await eventually(hit, timeout=20, interval=0.1)


async def test_etag_and_304_for_a_repeat_reader(client: Any) -> None:
    await _live(client.app)
    first = await client.get(f"{URL}/{KET_HON}")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and "public" in first.headers["cache-control"]
    assert first.headers["content-type"] == "application/json"
    again = await _in_memory(client, f"{URL}/{KET_HON}")
    assert again.content == first.content and again.headers["etag"] == etag
    not_modified = await client.get(f"{URL}/{KET_HON}", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    other = await client.get(f"{URL}/{KET_HON}", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content
    # sectors and the search carry ETags too; errors are neither cached nor tagged
    sectors = await client.get("/api/v1/catalog/sectors")
    assert sectors.status_code == 200 and "etag" in sectors.headers
    search = await client.get(URL, params={"q": "ket hon"})
    assert search.status_code == 200 and "etag" in search.headers
    assert (await client.get(URL, params={"q": "ket hon"}, headers={"If-None-Match": search.headers["etag"]})
            ).status_code == 304
    missing = await client.get(f"{URL}/9.999999")
    assert missing.status_code == 404 and "etag" not in missing.headers
    invalid = await client.get(URL, params={"size": 1000})
    assert invalid.status_code == 422 and "etag" not in invalid.headers


async def test_an_edit_on_this_replica_is_seen_at_once(client: Any, editor: dict[str, str]) -> None:
    await _live(client.app)
    before = await _in_memory(client, f"{URL}/{KET_HON}")
    listed = await _in_memory(client, URL, params={"q": "ket hon"})
    body = demo_procedure(KET_HON)
    body["name"] = "Đăng ký kết hôn (sửa để thử bộ nhớ đệm)"
    r = await client.put(f"{URL}/{KET_HON}", json=body, headers=editor)
    assert r.status_code == 200, r.text
    after = await client.get(f"{URL}/{KET_HON}")
    assert after.json()["name"] == body["name"] and after.json()["revision"] == 2
    assert after.headers["etag"] != before.headers["etag"]
    stale = await client.get(f"{URL}/{KET_HON}", headers={"If-None-Match": before.headers["etag"]})
    assert stale.status_code == 200 and stale.json()["revision"] == 2
    relisted = await client.get(URL, params={"q": "ket hon"})
    assert relisted.headers["etag"] != listed.headers["etag"]
    assert any(i["name"] == body["name"] for i in relisted.json()["items"])


async def test_an_edit_on_another_replica_invalidates_by_event(client: Any, stack: Any, tokens: Any,
                                                               editor: dict[str, str]) -> None:
    """Two replicas on one database: B edits, A (which had the old answer in memory) serves the new one once the
    catalog's event arrives, and never stores what it computed before that event."""
    a = client
    await _live(a.app)
    old = await _in_memory(a, f"{URL}/{KET_HON}")
    assert old.json()["revision"] == 1
    settings = make_settings(stack, tokens)
    settings = settings.model_copy(update={"database_url": a.app.state.settings.database_url})
    replica_b = create_app(settings)
    async with running(replica_b) as b:
        body = demo_procedure(KET_HON)
        body["name"] = "Đăng ký kết hôn (sửa ở bản sao khác)"
        r = await b.put(f"{URL}/{KET_HON}", json=body, headers=editor)
        assert r.status_code == 200, r.text

        async def a_sees_it() -> bool:
            return bool((await a.get(f"{URL}/{KET_HON}")).json()["name"] == body["name"])

        await eventually(a_sees_it, timeout=20, interval=0.1)
        assert (await a.get(f"{URL}/{KET_HON}")).json()["revision"] == 2


async def test_connections_dropped_by_the_database_cost_one_retryable_answer(client: Any) -> None:
    """No ping per checkout: when PostgreSQL drops the pooled connections, the request that meets a dead one gets
    503 with Retry-After (never 500), the pool renews its connections, and the next requests succeed."""
    from sqlalchemy import text

    assert (await client.get("/api/v1/catalog/agencies")).status_code == 200
    async with client.app.state.sessionmaker() as session, session.begin():
        await session.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND query NOT LIKE 'LISTEN%'"))
    statuses = [(await client.get("/api/v1/catalog/agencies")) for _ in range(4)]
    codes = [r.status_code for r in statuses]
    assert codes.count(503) <= 1 and 500 not in codes and codes[-1] == 200, codes
    for r in statuses:
        if r.status_code == 503:
            assert r.headers["retry-after"] == "1" and r.headers["content-type"] == "application/problem+json"
