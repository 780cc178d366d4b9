"""Officer search on GET /api/v1/dossiers: by code, name without diacritics, CCCD, phone; filters, sorts, scope."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from contracts.vocabulary import VN_TZ as VN
from intake_svc.search import repository
from intake_svc.search.repository import search_keys
from intake_svc.search.service import words_of
from intake_testkit import AGENCY, LLTP, Env
from servicekit.vntext import fold

KARAOKE = "1.001029.000.00.30.H19"  # UBND thành phố Biên Hòa, level 3, TP1 and TP2 required
BIEN_HOA = "000.00.30.H19"


def applicant(name: str, cccd: str, phone: str) -> dict[str, Any]:
    return {"full_name": name, "id_number": cccd, "phone": phone, "email": None,
            "address": "Khu phố 3, Trảng Dài, Biên Hòa, Đồng Nai", "type": "citizen"}


async def submit(env: Env, citizen: dict[str, str], who: dict[str, Any], procedure: str = LLTP) -> str:
    r = await env.submit(citizen, applicant=who, procedure_code=procedure)
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


async def search(env: Env, headers: dict[str, str], **params: Any) -> list[str]:
    r = await env.client.get("/api/v1/dossiers", params={"size": 100, **params}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"]), body
    return [d["code"] for d in body["items"]]


def test_query_words_fold_like_catalog() -> None:
    assert fold("ĐẶNG  Thị Hoà") == fold("dang thi hòa") == "dang thi hoa"
    assert words_of("+84 912 345 678") == {"codes": ("+84 912 345 678",), "id_number": "84912345678",
                                           "phone": "0912345678"}
    assert words_of("075 190 001 234")["id_number"] == "075190001234"
    assert words_of("Trần  Văn Hùng, trần")["words"] == ("tran", "van", "hung")
    assert words_of(" 000.00.15.H19-261201-0001 ") == {"codes": ("000.00.15.H19-261201-0001",)}


async def test_search_by_name_without_diacritics_cccd_phone_and_code(env: Env) -> None:
    env.clock.fixed = datetime(2026, 12, 1, 9, 0, tzinfo=VN)
    lan, hung = env.citizen("citizen-lan", "Nguyễn Thị Lan"), env.citizen("citizen-hung", "Trần Văn Hùng")
    c_hoa = await submit(env, lan, applicant("Đặng Thị Hoà", "075190001234", "0912345678"))
    c_hung = await submit(env, hung, applicant("Trần Văn Hùng", "075085004321", "+84987654321"))
    c_dung = await submit(env, hung, applicant("Trần Văn Dũng", "075085009999", "0987000111"))
    c_bh = await submit(env, lan, applicant("Đặng Thị Hòa", "075190001234", "0912345678"), KARAOKE)
    desk = env.reception()

    # the name typed without diacritics (and the other tone placement, upper case) finds the dossier
    assert await search(env, desk, q="dang thi hoa") == [c_hoa]
    assert await search(env, desk, q="ĐẶNG THỊ HÒA") == [c_hoa]
    assert await search(env, desk, q="van hung") == [c_hung]
    assert await search(env, desk, q="Hùng Trần") == [c_hung]  # whole words, in any order
    assert await search(env, desk, q="tran van hun") == []  # a word cut short is not that word
    assert set(await search(env, desk, q="tran van")) == {c_hung, c_dung}
    # CCCD, phone in any usual spelling, the code
    assert await search(env, desk, q="075085004321") == [c_hung]
    assert await search(env, desk, q="0987 654 321") == [c_hung]
    assert await search(env, desk, q="+84912345678") == [c_hoa]
    assert await search(env, desk, q=c_dung.lower()) == [c_dung]
    assert await search(env, desk, q="le van khong co") == []
    # only within the officer's agency; the inspector searches the province
    assert await search(env, env.reception(agency=BIEN_HOA, sub="desk-bh"), q="075190001234") == [c_bh]
    auditor = env.tokens.header(sub="inspector", roles=("auditor",), agency_code="000.00.00.H19")
    assert set(await search(env, auditor, q="075190001234")) == {c_hoa, c_bh}
    # citizens keep seeing only their own
    assert set(await search(env, lan)) == {c_hoa, c_bh}
    assert await search(env, lan, q="tran van") == []
    no_agency = env.tokens.header(sub="lost", roles=("specialist",))
    assert await search(env, no_agency) == []


async def test_filters_sorts_and_pagination(env: Env) -> None:
    desk, citizen = env.reception(), env.citizen()
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=VN)
    codes = []
    for i in range(4):
        env.clock.fixed = monday + timedelta(days=i)
        code = await submit(env, citizen, applicant(f"Người Nộp Số {i}", f"07519000{i:04d}", "0912345678"))
        codes.append(code)
    # accepted Mon, Tue, Wed; Thursday's waits at the desk (10 working days each)
    for i in range(3):
        env.clock.fixed = monday + timedelta(days=i, hours=1)
        r = await env.client.post(f"/api/v1/dossiers/{codes[i]}/reception", headers=desk, json={"decision": "accept"})
        assert r.status_code == 200, r.text
    env.clock.fixed = monday + timedelta(days=3, hours=2)
    assert await search(env, desk, status="submitted") == [codes[3]]
    assert await search(env, desk, status="accepted", sort="due_at") == codes[:3]
    assert await search(env, desk, status="accepted", sort="-received_at") == codes[2::-1]
    assert await search(env, desk, sort="submitted_at") == codes
    assert await search(env, desk) == codes[::-1]  # newest first by default
    assert await search(env, desk, received_from="2026-12-01", received_to="2026-12-01") == [codes[1]]
    assert await search(env, desk, received_from="2026-12-01", sort="received_at") == codes[1:3]
    assert await search(env, desk, channel="online", procedure_code=LLTP, sort="code") == codes
    assert await search(env, desk, channel="counter") == []
    assert await search(env, desk, procedure_code=KARAOKE) == []
    # due: accepted Mon 30/11 10:00 + 10 working days = Mon 14/12 10:00; Tue → Tue 15/12; Wed → Wed 16/12 10:00
    assert await search(env, desk, due_before="2026-12-15", sort="due_at") == codes[:2]
    env.clock.fixed = datetime(2026, 12, 11, 9, 0, tzinfo=VN)  # Friday: 2 working days ahead reach Tue 15/12 09:00
    assert await search(env, desk, due_within=2) == [codes[0]]
    assert await search(env, desk, due_within=3, sort="due_at") == codes[:2]  # to Wed 16/12 09:00, before 10:00
    assert await search(env, desk, due_within=4, sort="-due_at") == codes[2::-1]
    assert await search(env, desk, overdue="true") == []
    env.clock.fixed = datetime(2026, 12, 15, 12, 0, tzinfo=VN)
    assert await search(env, desk, overdue="true", sort="due_at") == codes[:2]
    assert await search(env, desk, overdue="true", due_within=5) == []  # overdue is not "due soon"
    # pages
    r = (await env.client.get("/api/v1/dossiers", params={"sort": "submitted_at", "size": 3, "page": 2},
                              headers=desk)).json()
    assert r["total"] == 4 and [d["code"] for d in r["items"]] == codes[3:] and r["page"] == 2
    assert r["total_exact"] is True
    item = r["items"][0]
    assert item["channel"] == "online" and item["received_at"] is None and item["applicant_name"] == "Người Nộp Số 3"


async def test_bad_search_parameters_are_422_naming_the_field(env: Env) -> None:
    desk = env.reception()
    for params, field in (({"sort": "applicant"}, "sort"), ({"sort": "-password"}, "sort"),
                          ({"status": "lost"}, "status"), ({"channel": "fax"}, "channel"),
                          ({"due_within": "-1"}, "due_within"), ({"received_from": "hôm qua"}, "received_from"),
                          ({"received_from": "2026-12-02", "received_to": "2026-12-01"}, "received_to"),
                          ({"q": "x" * 101}, "q")):
        r = await env.client.get("/api/v1/dossiers", params=params, headers=desk)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["loc"][-1] == field, r.json()
    r = await env.client.get("/api/v1/dossiers", params={"sort": "applicant"}, headers=desk)
    assert "sắp xếp" in r.json()["errors"][0]["msg"] and "due_at" in r.json()["errors"][0]["msg"]
    assert AGENCY  # the desk's agency holds the demo procedure


async def test_totals_stop_at_the_cap(env: Env, monkeypatch: Any) -> None:
    """An agency holds hundreds of thousands of dossiers: the count stops at COUNT_CAP (1,000; 2 here)."""
    from intake_svc.search import service

    monkeypatch.setattr(service, "COUNT_CAP", 2)
    desk, citizen = env.reception(), env.citizen()
    codes = [await submit(env, citizen, applicant("Lâm Văn Tư", f"07519100{i:04d}", "0912345678")) for i in range(3)]
    for params in ({}, {"q": "lam van tu"}):
        r = (await env.client.get("/api/v1/dossiers", params={**params, "sort": "code", "size": 2, "page": 2},
                                  headers=desk)).json()
        assert (r["total"], r["total_exact"]) == (2, False) and [d["code"] for d in r["items"]] == codes[2:]
    r = (await env.client.get("/api/v1/dossiers", params={"q": codes[0]}, headers=desk)).json()
    assert (r["total"], r["total_exact"], [d["code"] for d in r["items"]]) == (1, True, codes[:1])


async def pages(env: Env, headers: dict[str, str], size: int, **params: Any) -> tuple[list[str], set[tuple[int, bool]]]:
    """Every page's codes, in order, and the (total, total_exact) pairs the pages answered."""
    codes: list[str] = []
    totals: set[tuple[int, bool]] = set()
    for page in range(1, 20):
        r = await env.client.get("/api/v1/dossiers", params={**params, "size": size, "page": page}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        totals.add((body["total"], body["total_exact"]))
        if not body["items"]:
            return codes, totals
        codes += [d["code"] for d in body["items"]]
    raise AssertionError("more pages than dossiers")


async def test_common_names_past_the_cap_in_an_agency_and_across_the_province(env: Env, monkeypatch: Any) -> None:
    """More matches than the count's cap (1,000; 2 here): an officer's page walks the agency's own index, the
    auditor's reads the province month by month. Either way, page after page, the same order as a full sort, each
    match once, nothing else, nothing of another agency for the officer."""
    from intake_svc.search import service

    monkeypatch.setattr(service, "COUNT_CAP", 2)
    citizen = env.citizen()
    start = datetime(2026, 8, 20, 9, 0, tzinfo=VN)
    made: list[tuple[datetime, str, str]] = []  # (submitted, agency, code) of the dossiers holding "nguyen van"
    for i in range(9):
        env.clock.fixed = start + timedelta(days=11 * i, hours=i)  # August to November
        procedure, agency = (KARAOKE, BIEN_HOA) if i % 3 == 0 else (LLTP, AGENCY)
        name = ("Nguyễn Văn An", "NGUYEN THI VAN", "Văn Nguyễn Hữu")[i % 3]
        code = await submit(env, citizen, applicant(name, f"07519200{i:04d}", "0912345678"), procedure)
        made.append((env.clock.fixed, agency, code))
    # on either side of a month's first midnight in Vietnam (the last evening of the month before in UTC)
    for i, at in enumerate((datetime(2026, 10, 31, 23, 30, tzinfo=VN), datetime(2026, 11, 1, 0, 30, tzinfo=VN))):
        env.clock.fixed = at
        code = await submit(env, citizen, applicant("Văn Thị Nguyễn", f"07519300{i:04d}", "0912345678"))
        made.append((at, AGENCY, code))
    nguyen: list[tuple[datetime, str, str]] = []  # of the others, those holding the word "nguyen"
    for i, name in enumerate(("Trần Văn Bình", "Nguyễn Hữu Lan", "Nguyên Lân")):  # one of the words, or neither
        env.clock.fixed = datetime(2026, 11, 2 + i, 9, 0, tzinfo=VN)
        code = await submit(env, citizen, applicant(name, f"07519400{i:04d}", "0912345678"))
        nguyen += [(env.clock.fixed, AGENCY, code)] if i else []
    newest_first = [code for _, _, code in sorted(made, reverse=True)]
    in_agency = [code for _, agency, code in sorted(made, reverse=True) if agency == AGENCY]
    auditor = env.tokens.header(sub="inspector", roles=("auditor",), agency_code="000.00.00.H19")
    desk = env.reception()

    for q in ("nguyen van", "Văn NGUYỄN"):
        codes, totals = await pages(env, desk, 2, q=q)
        assert codes == in_agency and totals == {(2, False)}
        codes, totals = await pages(env, auditor, 3, q=q)
        assert codes == newest_first and totals == {(2, False)}
    codes, _ = await pages(env, auditor, 4, q="van nguyen", sort="submitted_at")
    assert codes == newest_first[::-1]
    codes, _ = await pages(env, desk, 3, q="nguyen van", sort="submitted_at")
    assert codes == in_agency[::-1]
    # with a filter on top, and a sort no index walks for a name
    codes, _ = await pages(env, auditor, 2, q="nguyen van", procedure_code=KARAOKE)
    assert codes == [code for _, agency, code in sorted(made, reverse=True) if agency == BIEN_HOA]
    codes, _ = await pages(env, desk, 2, q="nguyen van", sort="code")
    assert codes == sorted(in_agency)
    # a name the cap does not reach stays exact
    codes, totals = await pages(env, auditor, 5, q="nguyen huu lan")
    assert len(codes) == 1 and totals == {(1, True)}
    # once PostgreSQL's statistics say "nguyen" and "van" are common, the province's months are walked in order
    monkeypatch.setattr(repository._WordShares, "read_at", -math.inf)
    async with env.app.state.sessionmaker() as session:
        await session.execute(text("ANALYZE dossiers"))
        await session.commit()
        assert await repository._WordShares.density(session, ("nguyen", "van")) > repository.DENSE
    with_nguyen = [code for _, _, code in sorted(made + nguyen, reverse=True)]
    for sort, expected in (("-submitted_at", newest_first), ("submitted_at", newest_first[::-1])):
        codes, totals = await pages(env, auditor, 3, q="nguyen van", sort=sort)
        assert codes == expected and totals == {(2, False)}
    for sort, expected in (("-submitted_at", with_nguyen), ("submitted_at", with_nguyen[::-1])):  # one word: months
        codes, totals = await pages(env, auditor, 3, q="nguyen", sort=sort)
        assert codes == expected and totals == {(2, False)}


async def test_the_keys_a_search_asks_are_keys_the_index_holds(env: Env) -> None:
    """search_keys (what a search asks) against intake_search_keys (what the index holds, intake_0009)."""
    at = datetime(2026, 10, 31, 17, 30, tzinfo=UTC)  # 1 November, 00:30 in Vietnam
    rows = await env.sql("SELECT intake_search_keys(:name, :agency, :at) AS keys", name="Đặng  Thị Hoà hoà",
                         agency=AGENCY, at=at)
    held = set(rows[0].keys)
    assert len(held) == 3 * (3 + 3)  # three distinct words and three pairs, each bare, per agency, per month
    for words in (("dang",), ("hoa", "dang"), ("thi", "hoa", "dang"), ("hoa", "hoa")):
        for keys in (search_keys(words), search_keys(words, AGENCY), search_keys(words, month="2611")):
            assert set(keys) <= held, (words, keys)
    for words in (("dang", "lan"), ("lan",)):
        assert not set(search_keys(words)) <= held
    assert not set(search_keys(("dang",), BIEN_HOA)) <= held and not set(search_keys(("dang",), month="2610")) <= held
    assert (await env.sql("SELECT intake_search_keys('', :agency, :at) AS keys", agency=AGENCY, at=at))[0].keys is None


async def test_names_beginning_with_the_words_count_only_whole_words(env: Env, monkeypatch: Any) -> None:
    """The names that begin with the words typed are counted first (a part of the matches, from a B-tree): "le an"
    counts "Lê An", never "Lê Anh Tú"; past the cap (2 here) the total is not exact, below it exact."""
    from intake_svc.search import service

    monkeypatch.setattr(service, "COUNT_CAP", 2)
    citizen, desk = env.citizen(), env.reception()
    for i, name in enumerate(("Lê Anh Tú", "Lê Anh Tú", "Lê Anh Tú", "Lê An", "Tú Lê An")):
        env.clock.fixed = datetime(2026, 11, 2 + i, 9, 0, tzinfo=VN)
        await submit(env, citizen, applicant(name, f"07519500{i:04d}", "0912345678"))
    codes, totals = await pages(env, desk, 5, q="le an")
    assert len(codes) == 2 and totals == {(2, True)}
    codes, totals = await pages(env, desk, 5, q="le anh")
    assert len(codes) == 3 and totals == {(2, False)}
    codes, totals = await pages(env, desk, 5, q="tu le an")
    assert len(codes) == 1 and totals == {(1, True)}
    codes, totals = await pages(env, desk, 5, q="le anh", status="accepted")  # another filter: no prefix count
    assert codes == [] and totals == {(0, True)}


async def _pairs_in_step(env: Env) -> None:
    """dossier_name_pairs holds exactly the pairs of distinct words of each dossier's name (as search_keys asks
    them), with its agency, submission time, code and folded name between spaces."""
    dossiers = await env.sql("SELECT code, agency_code, submitted_at, applicant->>'full_name' AS name FROM dossiers")
    words = {d.code: tuple(fold(d.name).split()) for d in dossiers}
    expected = {(pair, d.agency_code, d.submitted_at, d.code, f" {' '.join(words[d.code])} ")
                for d in dossiers if len(set(words[d.code])) >= 2 for pair in search_keys(words[d.code])}
    held = await env.sql("SELECT pair, agency_code, submitted_at, code, words FROM dossier_name_pairs")
    assert len(held) == len(expected) and set(map(tuple, held)) == expected


async def _execute(env: Env, statement: str, **params: Any) -> None:
    async with env.app.state.sessionmaker() as session:
        await session.execute(text(statement), params)
        await session.commit()


async def test_name_pairs_follow_the_dossier_in_its_own_transaction(env: Env) -> None:
    """The pairs are written by the dossier's own INSERT, follow a corrected name, agency or code, and go with the
    dossier; a search by a full name sees each change at once."""
    citizen, desk, desk_bh = env.citizen(), env.reception(), env.reception(agency=BIEN_HOA, sub="desk-bh")
    nhung = await submit(env, citizen, applicant("Võ Thị Nhung", "075190006001", "0912345678"))
    await submit(env, citizen, applicant("Đặng Thị Hoà hoà", "075190006002", "0912345678"))
    await submit(env, citizen, applicant("Lan", "075190006003", "0912345678"))  # one word: no pair
    await _pairs_in_step(env)
    assert await search(env, desk, q="vo thi nhung") == [nhung]
    await _execute(env, "UPDATE dossiers SET applicant = jsonb_set(applicant, '{full_name}', '\"Võ Thị Hồng Nhung\"') "
                   "WHERE code = :code", code=nhung)
    await _pairs_in_step(env)
    assert await search(env, desk, q="vo thi nhung") == await search(env, desk, q="hong nhung") == [nhung]
    await _execute(env, "UPDATE dossiers SET applicant = jsonb_set(applicant, '{full_name}', '\"Phạm Minh Châu\"') "
                   "WHERE code = :code", code=nhung)
    await _pairs_in_step(env)
    assert await search(env, desk, q="vo thi nhung") == [] and await search(env, desk, q="chau pham") == [nhung]
    await _execute(env, "UPDATE dossiers SET agency_code = :agency WHERE code = :code", agency=BIEN_HOA, code=nhung)
    await _pairs_in_step(env)
    assert await search(env, desk, q="chau pham") == [] and await search(env, desk_bh, q="chau pham") == [nhung]
    # a dossier written and removed by SQL alone (the application never deletes one): its pairs come and go with it
    columns = ", ".join(r.column_name for r in await env.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'dossiers' AND is_generated = 'NEVER' AND column_name NOT IN ('id', 'code')"))
    await _execute(env, f"INSERT INTO dossiers (id, code, {columns}) SELECT gen_random_uuid(), code || '-B', {columns} "
                   "FROM dossiers WHERE code = :code", code=nhung)
    await _pairs_in_step(env)
    assert await search(env, desk_bh, q="chau pham minh") == [nhung + "-B", nhung]
    await _execute(env, "DELETE FROM dossiers WHERE code = :code", code=nhung + "-B")
    await _pairs_in_step(env)
    assert await search(env, desk_bh, q="chau pham minh") == [nhung]


async def test_name_totals_and_pages_from_the_pairs_equal_the_matches(env: Env, monkeypatch: Any) -> None:
    """A name of two words or more, counted and paged from its pairs (the rarest one, the other words filtered),
    gives the same total and order as the matches themselves: in one agency and the province, newest or oldest
    first, with the cap (5 here) met or not; before and after PostgreSQL's statistics choose another pair."""
    from intake_svc.search import service

    monkeypatch.setattr(service, "COUNT_CAP", 5)
    citizen = env.citizen()
    names = ["Lê Anh Tú", "Lê Anh Khoa", "Tú Lê Anh", "Lê Thị Anh", "Nguyễn Anh Tú", "Lê Anh Tú Tú", "Anh Lê",
             "Lê Tú", "Lê Anh Tú", "Nguyễn Lê Anh Khoa"]
    made: list[tuple[datetime, str, str, set[str]]] = []  # (submitted, agency, code, words of the name)
    for i, name in enumerate(names):
        env.clock.fixed = datetime(2026, 9, 1, 9, 0, tzinfo=VN) + timedelta(days=9 * i)
        procedure, agency = (KARAOKE, BIEN_HOA) if i % 4 == 1 else (LLTP, AGENCY)
        code = await submit(env, citizen, applicant(name, f"07519700{i:04d}", "0912345678"), procedure)
        made.append((env.clock.fixed, agency, code, set(fold(name).split())))
    auditor = env.tokens.header(sub="inspector", roles=("auditor",), agency_code="000.00.00.H19")
    capped: set[bool] = set()

    async def check() -> None:
        for q in ("le anh tu", "tu le", "anh khoa le", "le thi anh", "nguyen tu", "le anh", "khoa nguyen"):
            words = set(fold(q).split())
            for headers, agencies in ((env.reception(), {AGENCY}), (auditor, {AGENCY, BIEN_HOA})):
                matches = sorted((at, code) for at, agency, code, held in made if agency in agencies and words <= held)
                newest = [code for _, code in reversed(matches)]
                codes, totals = await pages(env, headers, 2, q=q)
                assert codes == newest, (q, agencies)
                assert totals == ({(len(matches), True)} if len(matches) <= 5 else {(5, False)}), (q, agencies)
                capped.add(len(matches) > 5)
                codes, _ = await pages(env, headers, 3, q=q, sort="submitted_at")
                assert codes == newest[::-1], (q, agencies)
                codes, _ = await pages(env, headers, 4, q=q, sort="code")
                assert codes == sorted(newest), (q, agencies)

    await check()
    monkeypatch.setattr(repository._WordShares, "read_at", -math.inf)
    await _execute(env, "ANALYZE dossiers")
    await check()
    assert capped == {False, True}  # both sides of the cap were met
