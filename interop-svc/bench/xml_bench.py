"""Timings of build + sign and verify for `make bench` (the XML-DSig row of docs/design.md § Measured choices).

Not part of the installed package: `make bench` (tests/bench.py) and the interop tests load this file by path.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from interop_svc.xml.keys import SigningIdentity, generate_ec_identity, generate_rsa_identity, private_key_pem
from interop_svc.xml.messages import (
    VN_TZ,
    Applicant,
    ApplicantKind,
    Channel,
    DocumentRef,
    Dossier,
    DossierFeedPage,
    EnvelopeHeader,
    HistoryEntry,
    build_dossier_feed,
)
from interop_svc.xml.signing import Signer, to_bytes, verify_envelope

__all__ = ["BenchRow", "bench_pem_key_penalty", "bench_sign_verify", "format_bench", "sample_dossier"]


@dataclass(frozen=True, slots=True)
class BenchRow:
    algorithm: str
    dossiers: int
    size_bytes: int
    runs: int
    build_sign_ms: float
    """Median milliseconds to build the feed envelope, sign it and serialize it."""
    verify_ms: float
    """Median milliseconds to parse (hardened) and verify the signed bytes."""
    build_sign_cpu_ms: float = 0.0
    """The same as CPU time of this process (``time.process_time``): what it costs, whatever else the machine runs."""
    verify_cpu_ms: float = 0.0


def sample_dossier(index: int) -> Dossier:
    """A realistic dossier (~3 KiB of XML) for benchmarks and tests."""
    at = datetime(2026, 11, 27, 8, 30, tzinfo=VN_TZ)
    code = f"000.00.15.H19-261127-{index % 10000:04d}"
    documents = tuple(
        DocumentRef(
            name=f"Giấy tờ số {n}",
            requirement_code=f"TP{n}",
            sha256="ab" * 32,
            size=120_000 + n,
            media_type="application/pdf",
            download_url=f"https://dvc.dongnai.gov.vn/files/{code}/{n}",
        )
        for n in range(3)
    )
    return Dossier(
        code=code,
        procedure_code="1.001612.000.00.00.H19",
        procedure_name="Đăng ký kết hôn",
        agency_code="000.00.15.H19",
        sector_code="HT",
        channel=Channel.ONLINE,
        applicant=Applicant(
            name="Nguyễn Thị Bình",
            kind=ApplicantKind.CITIZEN,
            id_number="075190001234",
            phone="0912 345 678",
            email="binh@example.vn",
            address="Phường Trấn Biên, tỉnh Đồng Nai",
        ),
        form_data=tuple((f"truong_{n}", f"Giá trị {n}") for n in range(12)),
        documents=documents,
        submitted_at=at,
        received_at=at,
        due_at=datetime(2026, 12, 2, 17, 0, tzinfo=VN_TZ),
        status_code=4,
        local_status="specialist_review",
        status_name="Đang xử lý",
        history=tuple(
            HistoryEntry(
                at=at,
                status_code=s,
                action="Chuyển xử lý",
                officer="Trần Văn Cường",
                department="Phòng Tư pháp",
            )
            for s in (1, 2, 4)
        ),
    )


def _median_ms(action: Callable[[], object], runs: int, clock: Callable[[], float] = time.perf_counter) -> float:
    samples = []
    for _ in range(runs):
        start = clock()
        action()
        samples.append((clock() - start) * 1000)
    return statistics.median(samples)


def bench_sign_verify(
    n: int = 50,
    *,
    feed_sizes: Sequence[int] = (1, 500),
    identities: Sequence[tuple[str, SigningIdentity]] | None = None,
) -> list[BenchRow]:
    """Median build+sign and verify times for feeds of ``feed_sizes`` dossiers, RSA-2048 and ECDSA
    P-256, each case run ``n`` times (feeds over 50 dossiers run max(3, n // 10) times). Keys are
    generated once and passed as objects, as in production. Nothing is asserted; print the rows."""
    if identities is None:
        identities = (("rsa-sha256", generate_rsa_identity()), ("ecdsa-sha256", generate_ec_identity()))
    rows: list[BenchRow] = []
    for name, identity in identities:
        signer = Signer.from_identity(identity)
        for size in feed_sizes:
            page = DossierFeedPage(tuple(sample_dossier(i) for i in range(size)), "c-1", False)
            runs = n if size <= 50 else max(3, n // 10)

            def build_and_sign(page: DossierFeedPage = page, signer: Signer = signer) -> bytes:
                header = EnvelopeHeader.new("000.00.00.H19", "000.00.15.H19")
                return to_bytes(signer.sign(build_dossier_feed(header, page)))

            signed = build_and_sign()

            def verify(signed: bytes = signed, identity: SigningIdentity = identity) -> object:
                return verify_envelope(signed, identity.certificate, max_bytes=len(signed) + 1)

            rows.append(
                BenchRow(
                    algorithm=name,
                    dossiers=size,
                    size_bytes=len(signed),
                    runs=runs,
                    build_sign_ms=_median_ms(build_and_sign, runs),
                    verify_ms=_median_ms(verify, runs),
                    build_sign_cpu_ms=_median_ms(build_and_sign, runs, time.process_time),
                    verify_cpu_ms=_median_ms(verify, runs, time.process_time),
                )
            )
    return rows


def bench_pem_key_penalty(runs: int = 5) -> float:
    """Milliseconds one signature costs when the key is passed as PEM instead of a loaded object
    (the mistake docs/design.md § Measured choices warns about); for `make bench` to report next to the rows."""
    from signxml.algorithms import SignatureConstructionMethod  # local: only this needs the raw signer
    from signxml.signer import XMLSigner

    identity = generate_rsa_identity()
    pem = private_key_pem(identity.private_key)
    page = DossierFeedPage((sample_dossier(0),), "c-1", False)
    envelope = build_dossier_feed(EnvelopeHeader.new("000.00.00.H19", "000.00.15.H19"), page)

    def with_pem() -> object:
        return XMLSigner(method=SignatureConstructionMethod.enveloped).sign(
            envelope, key=pem, cert=[identity.certificate]
        )

    def with_object() -> object:
        return XMLSigner(method=SignatureConstructionMethod.enveloped).sign(
            envelope, key=identity.private_key, cert=[identity.certificate]
        )

    return _median_ms(with_pem, runs) - _median_ms(with_object, runs)


def format_bench(rows: Sequence[BenchRow]) -> str:
    lines = [f"{'algorithm':<14}{'dossiers':>9}{'bytes':>10}{'runs':>6}{'build+sign ms':>15}{'verify ms':>11}"]
    lines += [
        f"{r.algorithm:<14}{r.dossiers:>9}{r.size_bytes:>10}{r.runs:>6}{r.build_sign_ms:>15.2f}{r.verify_ms:>11.2f}"
        for r in rows
    ]
    return "\n".join(lines)
