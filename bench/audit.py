"""Audit log rates: single and batched appends, and verifying 100,000 entries.

Usage: python bench/audit.py [--single N] [--batches N] [--verify N] [--postgres URL]

Single appends are one transaction each (entry, signed checkpoint, head update), as a
sign-off makes them; batched appends put 100 entries under one checkpoint, as certify
does for a run's evidence. Targets: >= 2,000 single appends per second on SQLite;
verifying 100,000 entries in <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from assay.core.caller import Caller
from assay.services.audit import verify_log
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.context import open_context
from assay.settings import load_settings
from assay.store.database import Store


def _project(url: str | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="assay-audit-bench-"))
    if url:
        (folder / "assay.toml").write_text(f'[store]\nurl = "{url}"\n', encoding="utf-8")
    return folder


def _fill(project: Path, transactions: int, per_transaction: int) -> float:
    settings = load_settings(project)
    log = audit_log(settings)
    log.key()
    store = Store.open(settings.store_url, settings.evidence_dir)
    now = datetime.now(UTC)
    events = [
        AuditEvent("bench@example.com", "evidence.stored", f"subject-{i}", {"i": i})
        for i in range(per_transaction)
    ]
    began = time.perf_counter()
    for _ in range(transactions):
        with store.transaction(exclusive=True) as session:
            log.record(session, events, now)
    elapsed = time.perf_counter() - began
    store.close()
    return elapsed


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    from assay.store.database import normalise_url

    engine = create_engine(normalise_url(url))
    with engine.begin() as connection:
        for table in ("audit_entries", "audit_checkpoints"):
            connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(text("UPDATE audit_head SET size = 0, frontier = ''"))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=5000)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--verify", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("ASSAY_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    backends: list[tuple[str, str | None]] = [("sqlite", None)]
    if args.postgres:
        backends.append(("postgresql", args.postgres))
    failed = False
    for name, url in backends:
        if url:
            Store.open(url, Path(tempfile.mkdtemp()) / "e").close()
            _reset_postgres(url)
        project = _project(url)
        seconds = _fill(project, args.single, 1)
        rate = args.single / seconds
        target = " (target >= 2,000/s)" if name == "sqlite" else ""
        print(f"{name}: single appends {rate:,.0f}/s ({args.single} in {seconds:.2f} s){target}")
        failed |= name == "sqlite" and rate < 2000
        seconds = _fill(project, args.batches, 100)
        rate = args.batches * 100 / seconds
        print(f"{name}: batched appends (100 per transaction) {rate:,.0f}/s")
        shutil.rmtree(project, ignore_errors=True)
        if url:
            _reset_postgres(url)

    project = _project(None)
    _fill(project, args.verify // 1000, 1000)
    began = time.perf_counter()
    context = open_context(load_settings(project), Caller("bench"))
    report = verify_log(context)
    context.close()
    seconds = time.perf_counter() - began
    assert report.ok and report.entries == args.verify, report.problems
    print(f"sqlite: verify {report.entries:,} entries in {seconds:.2f} s (target <= 2 s)")
    failed |= seconds > 2.0
    shutil.rmtree(project, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
