"""SQLAlchemy tables of the store. Schema changes go through Alembic migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "AuditCheckpointRow",
    "AuditEntryRow",
    "AuditHeadRow",
    "Base",
    "CertificateRow",
    "EvidenceRow",
    "IncidentCounterRow",
    "IncidentEventRow",
    "IncidentRow",
    "LegalHoldRow",
    "LockdownRow",
    "OsvIdRow",
    "OsvPackageRow",
    "OsvRecordRow",
    "OsvSnapshotRow",
    "PrincipalRow",
    "ProjectRow",
    "ReleaseRow",
    "RunRow",
    "SignoffRow",
    "TokenRow",
    "TombstoneRow",
    "UTCDateTime",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of Assay's tables."""


class ProjectRow(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    root: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    runs: Mapped[list[RunRow]] = relationship(back_populates="project")


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_project_started", "project_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    commit: Mapped[str | None] = mapped_column(String(64))
    dirty: Mapped[bool | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[str | None] = mapped_column(String(20))
    assay_version: Mapped[str] = mapped_column(String(40))
    inputs_digest: Mapped[str | None] = mapped_column(String(64))
    baseline: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    author: Mapped[str | None] = mapped_column(String(200))
    """Who ran certify: it may not sign off a release of this run."""
    """Marked as the performance baseline of its project (``assay runs baseline``)."""

    project: Mapped[ProjectRow] = relationship(back_populates="runs")
    evidence: Mapped[list[EvidenceRow]] = relationship(
        back_populates="run", order_by="EvidenceRow.kind"
    )


class EvidenceRow(Base):
    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_sha256", "sha256"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seal: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 over kind, summary and blob digest (``core.evidence.evidence_seal``), also in
    the ``evidence.stored`` audit entry: gates judge only evidence that still matches it."""

    run: Mapped[RunRow] = relationship(back_populates="evidence")
    tombstone: Mapped[TombstoneRow | None] = relationship(viewonly=True)
    """Set when retention purged the blob (loaded only when asked for)."""


class OsvSnapshotRow(Base):
    """One import of vulnerability data; the newest is the one in force."""

    __tablename__ = "osv_snapshots"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    record_count: Mapped[int] = mapped_column(Integer)
    rejected_count: Mapped[int] = mapped_column(Integer)
    newest_modified: Mapped[str | None] = mapped_column(String(40))


class OsvRecordRow(Base):
    """One OSV record as imported (compact JSON), in the snapshot in force."""

    __tablename__ = "osv_records"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    modified: Mapped[str] = mapped_column(String(40))
    withdrawn: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[str] = mapped_column(Text)


class OsvPackageRow(Base):
    """Which records name which PyPI package (canonical name)."""

    __tablename__ = "osv_packages"

    package: Mapped[str] = mapped_column(String(200), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("osv_records.id"), primary_key=True)
    canonical_versions: Mapped[str] = mapped_column(Text, default="")
    """The record's versions list for this package in canonical form, one per line."""


class OsvIdRow(Base):
    """Every id and alias of a record, so a record is found by any of them."""

    __tablename__ = "osv_ids"

    ident: Mapped[str] = mapped_column(String(100), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("osv_records.id"), primary_key=True)


class ReleaseRow(Base):
    """A named release of a project, bound to one run's evidence."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_releases_project_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    name: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"))
    evidence_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    project: Mapped[ProjectRow] = relationship()
    run: Mapped[RunRow] = relationship()
    signoffs: Mapped[list[SignoffRow]] = relationship(
        back_populates="release", order_by="SignoffRow.signed_at"
    )


class SignoffRow(Base):
    """One decision of one signer for one role; never updated, only superseded."""

    __tablename__ = "signoffs"
    __table_args__ = (Index("ix_signoffs_release", "release_id", "signed_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    release_id: Mapped[str] = mapped_column(ForeignKey("releases.id"))
    role: Mapped[str] = mapped_column(String(60))
    signer: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(20))
    condition: Mapped[str | None] = mapped_column(Text)
    due: Mapped[date | None] = mapped_column(Date)
    evidence_digest: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    release: Mapped[ReleaseRow] = relationship(back_populates="signoffs")


class CertificateRow(Base):
    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_release", "release_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    release_id: Mapped[str] = mapped_column(ForeignKey("releases.id"))
    statement_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    envelope: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    predecessor_id: Mapped[str | None] = mapped_column(String(36))
    """The certificate this one renewed (``assay certificate renew``); None when issued."""

    release: Mapped[ReleaseRow] = relationship()


class AuditEntryRow(Base):
    """One audit entry: a leaf of the log's Merkle tree. Rows are only ever appended."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(300))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    leaf_hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The one row that serialises appends: tree size and frontier (hex, largest first)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    frontier: Mapped[str] = mapped_column(Text)


class AuditCheckpointRow(Base):
    """A signed note of the tree head after an appending transaction."""

    __tablename__ = "audit_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PrincipalRow(Base):
    """A person or an agent, with roles and a status."""

    __tablename__ = "principals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    roles: Mapped[str] = mapped_column(Text)
    """Comma-separated role names."""
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TokenRow(Base):
    """An API token: only its SHA-256 is kept; the token itself is shown once."""

    __tablename__ = "tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by: Mapped[str | None] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A sign-off token minted for someone else, until a second admin approves it."""

    principal: Mapped[PrincipalRow] = relationship()


class IncidentRow(Base):
    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    events: Mapped[list[IncidentEventRow]] = relationship(order_by="IncidentEventRow.at")


class IncidentEventRow(Base):
    """One entry of an incident's timeline."""

    __tablename__ = "incident_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)


class IncidentCounterRow(Base):
    """The last incident number of a day, so ids stay unique under concurrency."""

    __tablename__ = "incident_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class LockdownRow(Base):
    __tablename__ = "lockdowns"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(20))
    target: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"))
    suspended: Mapped[str] = mapped_column(Text)
    """JSON: the agents this lockdown suspended, with their status before, and tokens."""
    lifted_by: Mapped[str | None] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lift_reason: Mapped[str | None] = mapped_column(Text)


class HandoffRow(Base):
    """Work passed from one principal to another principal or to a role."""

    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_state", "state", "created_at"),
        Index("ix_handoffs_assignee", "assignee", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text)
    """JSON: artifacts and evidence by digest, open items, links."""
    criteria: Mapped[str] = mapped_column(Text)
    """JSON: the acceptance criteria."""
    created_by: Mapped[str] = mapped_column(String(200))
    assignee: Mapped[str | None] = mapped_column(String(200))
    assignee_role: Mapped[str | None] = mapped_column(String(60))
    reviewers: Mapped[str | None] = mapped_column(Text)
    """JSON: the principals, besides the one who offered it, who may review it."""
    accepted_by: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    """Raised by every transition: the ETag of the hand-off."""
    due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    submitted_run: Mapped[str | None] = mapped_column(String(36))
    submission: Mapped[str | None] = mapped_column(Text)
    """JSON: the submitted evidence and the result of every acceptance check."""
    review_note: Mapped[str | None] = mapped_column(Text)


class IdempotencyRow(Base):
    """The stored answer to a creating request sent with an Idempotency-Key."""

    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LegalHoldRow(Base):
    """Evidence of a project (or of one release) that no retention policy may purge."""

    __tablename__ = "legal_holds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project: Mapped[str] = mapped_column(String(200))
    release: Mapped[str | None] = mapped_column(String(200))
    """None: every run of the project is held."""
    reason: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    placed_by: Mapped[str] = mapped_column(String(200))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_by: Mapped[str | None] = mapped_column(String(200))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TombstoneRow(Base):
    """What is left of evidence whose blob retention purged: signed with the audit key."""

    __tablename__ = "evidence_tombstones"

    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    policy: Mapped[str] = mapped_column(String(100))
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    envelope: Mapped[str] = mapped_column(Text)
    """DSSE envelope of the tombstone statement (digest, kind, policy, time)."""
