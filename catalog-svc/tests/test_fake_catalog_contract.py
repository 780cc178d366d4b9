"""The fake catalog other services' tests use answers like the real catalog-svc.

The fake is ``devkit.fakecatalog``, served by the ``fake_catalog_url`` fixture.

For every procedure the fake serves, and for the agency list, the real service (with its demo catalog) is
asked the same question over HTTP: the answers must have the same fields with the same types, and the
values the consumers read (intake-svc's snapshot of a procedure, interop-svc's agency names) must be equal.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from devkit.fakecatalog import load_data

# what intake-svc pins from a procedure (intake_svc.catalog.client.Procedure) and reads of an agency
PROCEDURE_FIELDS_READ = ("code", "name", "level", "agency_code", "revision", "processing_time", "documents", "fees",
                         "fee_timing", "interagency", "agencies", "form_schema")


def shape(value: Any) -> Any:
    """Field names and JSON types, recursively; list items merged (a list's items share one shape)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        shapes = [shape(item) for item in value]
        return ["list", *sorted({repr(s) for s in shapes})]
    return type(value).__name__


@pytest.mark.parametrize("code", sorted(load_data()["procedures"]))
async def test_fake_procedure_matches_the_real_one(client: Any, fake_catalog_url: str, code: str) -> None:
    real = await client.get(f"/api/v1/catalog/procedures/{code}")
    async with httpx.AsyncClient(base_url=fake_catalog_url) as http:
        fake = await http.get(f"/api/v1/catalog/procedures/{code}")
        pinned = await http.get(f"/api/v1/catalog/procedures/{code}", params={"revision": real.json()["revision"]})
    assert real.status_code == fake.status_code == pinned.status_code == 200
    assert shape(fake.json()) == shape(real.json())
    read = {f: fake.json().get(f) for f in PROCEDURE_FIELDS_READ}
    assert read == {f: real.json().get(f) for f in PROCEDURE_FIELDS_READ}


async def test_fake_agencies_match_the_real_ones(client: Any, fake_catalog_url: str) -> None:
    real = await client.get("/api/v1/catalog/agencies")
    async with httpx.AsyncClient(base_url=fake_catalog_url) as http:
        fake = await http.get("/api/v1/catalog/agencies")
    assert real.status_code == fake.status_code == 200
    assert fake.json() == real.json()


async def test_unknown_procedure_is_404_in_both(client: Any, fake_catalog_url: str) -> None:
    code = "9.999999.000.00.15.H19"
    async with httpx.AsyncClient(base_url=fake_catalog_url) as http:
        fake = await http.get(f"/api/v1/catalog/procedures/{code}")
    real = await client.get(f"/api/v1/catalog/procedures/{code}")
    assert real.status_code == fake.status_code == 404
    assert fake.headers["content-type"].startswith("application/problem+json")
    assert real.headers["content-type"].startswith("application/problem+json")
