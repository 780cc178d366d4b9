"""The hash-chained audit log every service keeps in its own database (``kit_audit``, ``kit_audit_anchors``).

A service marks the ORM classes whose rows are audit facts (a dossier's actions, the reads of personal data)
with :func:`chained`. Every row of those classes inserted in a transaction is chained when that transaction
commits: under a transaction-scoped advisory lock (one chain per database, so concurrent writers, in any
number of replicas, append one after the other and never fork it), each row gets an entry
``(seq, kind, ref, digest, prev_hash, hash)`` where ``digest`` is the SHA-256 of the row's canonical JSON
(sorted keys, UTC times, no spaces) and ``hash = SHA-256(prev_hash | seq | kind | ref | digest)``. The lock is
taken at commit, so it is held only while the transaction commits.

:func:`verify` walks the chain and the rows it names: a changed, deleted or unchained row, or a changed
entry, is reported as the first broken link. The head is anchored periodically (:func:`anchor_forever`)
by signing ``service|seq|hash|at`` with the service's Ed25519 audit key, so a rewritten chain (every hash
recomputed by someone with database access) no longer matches the signed heads.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from fastapi import APIRouter, Request
from sqlalchemy import BigInteger, DateTime, Index, String, Table, event, func, insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, Session, mapped_column

from servicekit.auth import CurrentUser
from servicekit.db import KitBase
from servicekit.problems import Forbidden
from servicekit.settings import ServiceSettings

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# one chain per database: the advisory lock's key (advisory locks are per database in PostgreSQL)
CHAIN_LOCK = 0x6B69745F61756469  # "kit_audi"
_PENDING = "kit_audit_pending"


class AuditEntry(KitBase):
    __tablename__ = "kit_audit"
    __table_args__ = (Index("ix_kit_audit_kind_ref", "kind", "ref"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    ref: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditAnchor(KitBase):
    __tablename__ = "kit_audit_anchors"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # the chain entry it signs
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(200))


@dataclass
class _Kind:
    name: str
    cls: type[Any]
    _columns: tuple[str, ...] = ()
    _pk: str = ""

    def _resolve(self) -> None:
        mapper = inspect(self.cls)  # at first use: every mapper of the service is defined by then
        pk = mapper.primary_key
        if len(pk) != 1:
            raise TypeError(f"{self.cls.__name__}: an audited table needs a one-column primary key")
        self._columns = tuple(sorted(c.key for c in mapper.column_attrs))
        self._pk = mapper.get_property_by_column(pk[0]).key

    @property
    def columns(self) -> tuple[str, ...]:
        if not self._columns:
            self._resolve()
        return self._columns

    @property
    def pk(self) -> str:
        if not self._pk:
            self._resolve()
        return self._pk


_KINDS: dict[str, _Kind] = {}
_BY_CLASS: dict[type[Any], _Kind] = {}


def chained(kind: str) -> Any:
    """Class decorator: every row of this ORM class is an audit fact, chained when its transaction commits."""

    def register(cls: type[Any]) -> type[Any]:
        k = _Kind(kind, cls)
        _KINDS[kind] = k
        _BY_CLASS[cls] = k
        return cls

    return register


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def canonical(values: dict[str, Any]) -> bytes:
    return json.dumps(_plain(values), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_digest(kind: _Kind, row: Any) -> str:
    return hashlib.sha256(canonical({c: getattr(row, c) for c in kind.columns})).hexdigest()


def link_hash(prev_hash: str, seq: int, kind: str, ref: str, digest: str) -> str:
    return hashlib.sha256(f"{prev_hash}|{seq}|{kind}|{ref}|{digest}".encode()).hexdigest()


# --- chaining at commit -------------------------------------------------------------------------------------
# made once, on the table (Core): a new statement's cache key is computed on every execution, and the ORM's bulk
# insert path costs more than the insert itself
_ENTRIES: Table = AuditEntry.__table__  # type: ignore[assignment]
_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
_HEAD = select(_ENTRIES.c.seq, _ENTRIES.c.hash).order_by(_ENTRIES.c.seq.desc()).limit(1)
_APPEND = insert(_ENTRIES)
# One row (the usual transaction: one action, one read): the head read and the link appended in one statement
# after the lock, one round trip fewer while the lock (and a submission's counter row) is held. PostgreSQL computes
# the link's hash exactly as link_hash does (text casts: each parameter has one type in both of its uses).
_APPEND_ONE = text(
    "INSERT INTO kit_audit (seq, kind, ref, digest, prev_hash, hash) "
    "SELECT coalesce(h.seq, 0) + 1, CAST(:kind AS text), CAST(:ref AS text), CAST(:digest AS text), "
    "coalesce(h.hash, CAST(:genesis AS text)), "
    "encode(sha256(convert_to(coalesce(h.hash, CAST(:genesis AS text)) || '|' || (coalesce(h.seq, 0) + 1)::text "
    "|| '|' || CAST(:kind AS text) || '|' || CAST(:ref AS text) || '|' || CAST(:digest AS text), 'UTF8')), 'hex') "
    "FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT seq, hash FROM kit_audit ORDER BY seq DESC LIMIT 1) AS h ON true"
)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, flush_context: Any) -> None:
    rows = [obj for obj in session.new if type(obj) in _BY_CLASS]
    if rows:
        session.info.setdefault(_PENDING, []).extend(rows)


@event.listens_for(Session, "before_commit")
def _chain(session: Session) -> None:
    if session.in_nested_transaction():
        # a savepoint: its rows are chained with the outer transaction, so the chain's lock is never held
        # from a savepoint to the end of a long transaction
        return
    session.flush()
    # rows of a savepoint that was rolled back were never written
    rows = [r for r in session.info.pop(_PENDING, ()) if inspect(r).persistent]
    if not rows:
        return
    session.execute(_LOCK, {"k": CHAIN_LOCK})
    if len(rows) == 1:
        kind = _BY_CLASS[type(rows[0])]
        session.execute(_APPEND_ONE, {"kind": kind.name, "ref": str(getattr(rows[0], kind.pk)),
                                      "digest": row_digest(kind, rows[0]), "genesis": GENESIS})
        return
    head = session.execute(_HEAD).first()
    seq, prev = (head[0], head[1]) if head else (0, GENESIS)
    entries = []
    for row in rows:
        kind = _BY_CLASS[type(row)]
        seq += 1
        ref = str(getattr(row, kind.pk))
        digest = row_digest(kind, row)
        h = link_hash(prev, seq, kind.name, ref, digest)
        entries.append({"seq": seq, "kind": kind.name, "ref": ref, "digest": digest, "prev_hash": prev, "hash": h})
        prev = h
    session.execute(_APPEND, entries)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the whole transaction ended (a rolled-back one leaves its rows unchained)
        session.info.pop(_PENDING, None)


# --- verification --------------------------------------------------------------------------------------------


@dataclass
class Verification:
    entries: int
    valid: bool
    first_broken: dict[str, Any] | None = None
    anchors: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"entries": self.entries, "valid": self.valid, "anchors": self.anchors}
        if self.first_broken is not None:
            out["first_broken"] = self.first_broken
        return out


async def verify(session: AsyncSession, public_keys: Iterable[Ed25519PublicKey] = (), *, batch: int = 2000,
                 service: str = "") -> Verification:
    """Walks the whole chain in order; the first link that does not hold is reported."""
    keys = {_key_id(k): k for k in public_keys}
    prev, seen, last_seq = GENESIS, 0, 0
    # the kinds of this database (a test process may have imported several services' models)
    here = {name: k for name, k in _KINDS.items()
            if await session.scalar(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": k.cls.__tablename__})}
    chained_refs: dict[str, int] = {k: 0 for k in here}

    def broken(seq: int | None, kind: str | None, ref: str | None, reason: str) -> Verification:
        return Verification(seen, False, {"seq": seq, "kind": kind, "ref": ref, "reason": reason})

    while True:
        entries = list(await session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq).limit(batch)))
        if not entries:
            break
        rows: dict[tuple[str, str], Any] = {}
        by_kind: dict[str, list[str]] = {}
        for e in entries:
            by_kind.setdefault(e.kind, []).append(e.ref)
        for name, refs in by_kind.items():
            kind = here.get(name)
            if kind is None:
                continue
            pk_col = getattr(kind.cls, kind.pk)
            typed = [_typed_ref(pk_col, r) for r in refs]
            found = await session.execute(select(kind.cls).where(pk_col.in_(typed)).execution_options(
                populate_existing=True))
            for obj in found.scalars():
                rows[(name, str(getattr(obj, kind.pk)))] = obj
        for e in entries:
            if e.seq != last_seq + 1:
                return broken(last_seq + 1, None, None, "missing entry")
            if e.prev_hash != prev:
                return broken(e.seq, e.kind, e.ref, "previous hash does not match")
            if link_hash(e.prev_hash, e.seq, e.kind, e.ref, e.digest) != e.hash:
                return broken(e.seq, e.kind, e.ref, "entry changed")
            kind = here.get(e.kind)
            if kind is None:
                return broken(e.seq, e.kind, e.ref, "unknown kind")
            row = rows.get((e.kind, e.ref))
            if row is None:
                return broken(e.seq, e.kind, e.ref, "row deleted")
            if row_digest(kind, row) != e.digest:
                return broken(e.seq, e.kind, e.ref, "row changed")
            chained_refs[e.kind] = chained_refs.get(e.kind, 0) + 1
            prev, last_seq, seen = e.hash, e.seq, seen + 1
        session.expunge_all()
    # rows that were never chained (inserted behind the application's back)
    for name, kind in here.items():
        total = int(await session.scalar(select(func.count()).select_from(kind.cls)) or 0)
        if total != chained_refs.get(name, 0):
            pk_col = getattr(kind.cls, kind.pk)
            chained_ids = select(AuditEntry.ref).where(AuditEntry.kind == name)
            stray = await session.scalar(
                select(pk_col).where(func.cast(pk_col, String).not_in(chained_ids)).order_by(pk_col).limit(1))
            return broken(None, name, None if stray is None else str(stray), "row not in the chain")
    anchors = list(await session.scalars(select(AuditAnchor).order_by(AuditAnchor.seq)))
    hashes = {}
    if anchors:
        hashes = dict((await session.execute(select(AuditEntry.seq, AuditEntry.hash).where(
            AuditEntry.seq.in_([a.seq for a in anchors])))).tuples().all())
    for a in anchors:
        if hashes.get(a.seq) != a.hash:
            return Verification(seen, False, {"seq": a.seq, "kind": None, "ref": None,
                                              "reason": "signed head does not match the chain"}, len(anchors))
        key = keys.get(a.key_id)
        if key is not None:
            try:
                key.verify(base64.b64decode(a.signature), _anchor_message(service, a.seq, a.hash, a.at))
            except (InvalidSignature, ValueError):
                return Verification(seen, False, {"seq": a.seq, "kind": None, "ref": None,
                                                  "reason": "signature of the head is not valid"}, len(anchors))
        elif keys:
            return Verification(seen, False, {"seq": a.seq, "kind": None, "ref": None,
                                              "reason": "head signed with an unknown key"}, len(anchors))
    return Verification(seen, True, None, len(anchors))


def _typed_ref(column: Any, ref: str) -> Any:
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return ref
    if python_type is int:
        return int(ref)
    if python_type is uuid.UUID:
        return uuid.UUID(ref)
    return ref


# --- anchoring -----------------------------------------------------------------------------------------------


def _key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def _anchor_message(service: str, seq: int, h: str, at: datetime) -> bytes:
    return f"{service}|{seq}|{h}|{_plain(at)}".encode()


def load_key(path: str | Path) -> Ed25519PrivateKey:
    key = load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: the audit key must be an Ed25519 private key (PEM)")
    return key


def ensure_key(path: Path) -> Ed25519PrivateKey:
    """Demo mode and the dev stack: one key made once under the data folder, then reused."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        path.chmod(0o600)
        log.warning("generated an audit anchoring key at %s (demo mode only)", path)
    return load_key(path)


async def anchor(session: AsyncSession, key: Ed25519PrivateKey, *, service: str) -> int | None:
    """Signs the chain's head unless it is already signed; the seq signed, or None."""
    head = (await session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))).first()
    if head is None:
        return None
    last = await session.scalar(select(func.max(AuditAnchor.seq)))
    if last is not None and last >= head[0]:
        return None
    at = datetime.now(UTC)
    signature = key.sign(_anchor_message(service, head[0], head[1], at))
    session.add(AuditAnchor(seq=head[0], hash=head[1], at=at, key_id=_key_id(key.public_key()),
                            signature=base64.b64encode(signature).decode()))
    return int(head[0])


async def anchor_forever(maker: async_sessionmaker[AsyncSession], key: Ed25519PrivateKey, *, service: str,
                         every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            async with maker() as session, session.begin():
                await anchor(session, key, service=service)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("could not anchor the audit chain's head")


# --- the service's side of GET /api/v1/audit/verify ----------------------------------------------------------


def load_anchor_key(settings: ServiceSettings) -> Ed25519PrivateKey | None:
    """The configured key; in demo mode one generated under the data folder; otherwise none (a production
    start without it is refused earlier, by ``python -m <svc> serve``)."""
    if settings.audit_key_file:
        return load_key(settings.audit_key_file)
    if settings.demo:
        return ensure_key(settings.data_path("keys", f"audit-{settings.service_name}.pem"))
    return None


def audit_router() -> APIRouter:
    """``GET /audit/verify`` beside ``/readyz``: outside the public paths; the gateway asks every service and
    answers ``GET /api/v1/audit/verify`` with the results side by side."""
    router = APIRouter(tags=["audit"])

    @router.get("/audit/verify", summary="Kiểm tra chuỗi băm của nhật ký kiểm toán của dịch vụ này")
    async def verify_audit_chain(request: Request, principal: CurrentUser) -> dict[str, Any]:
        if not principal.has("admin", "auditor"):
            raise Forbidden("Chức năng này dành cho vai trò: admin, auditor.")
        key: Ed25519PrivateKey | None = getattr(request.app.state, "audit_key", None)
        settings: ServiceSettings = request.app.state.settings
        async with request.app.state.sessionmaker() as session:
            result = await verify(session, [key.public_key()] if key else [], service=settings.service_name)
        return result.as_dict()

    return router
