"""The imported vulnerability data's reads, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.store.models import OsvIdRow, OsvPackageRow, OsvRecordRow, OsvSnapshotRow

__all__ = ["newest_snapshot", "record_by_id", "records_of_package", "records_of_packages"]


def newest_snapshot(session: Session) -> OsvSnapshotRow | None:
    query = select(OsvSnapshotRow).order_by(OsvSnapshotRow.imported_at.desc()).limit(1)
    return session.scalars(query).first()


def records_of_packages(session: Session, names: Sequence[str]) -> list[Any]:
    """(package, canonical versions, record id, record JSON) of every record naming one of
    ``names``, by package and record id."""
    return list(
        session.execute(
            select(
                OsvPackageRow.package,
                OsvPackageRow.canonical_versions,
                OsvRecordRow.id,
                OsvRecordRow.data,
            )
            .join(OsvRecordRow, OsvRecordRow.id == OsvPackageRow.record_id)
            .where(OsvPackageRow.package.in_(names))
            .order_by(OsvPackageRow.package, OsvRecordRow.id)
        ).all()
    )


def records_of_package(session: Session, name: str) -> list[str]:
    """The JSON of every record (not withdrawn) naming the package ``name``."""
    return list(
        session.scalars(
            select(OsvRecordRow.data)
            .join(OsvPackageRow, OsvRecordRow.id == OsvPackageRow.record_id)
            .where(OsvPackageRow.package == name, OsvRecordRow.withdrawn.is_(False))
            .order_by(OsvRecordRow.id)
        )
    )


def record_by_id(session: Session, ident: str) -> str | None:
    """The JSON of the record with the id or alias ``ident``."""
    return session.scalars(
        select(OsvRecordRow.data)
        .join(OsvIdRow, OsvRecordRow.id == OsvIdRow.record_id)
        .where(OsvIdRow.ident == ident)
        .order_by(OsvRecordRow.id)
        .limit(1)
    ).first()
