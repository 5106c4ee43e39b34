"""audit_log hash chain (等保 安全审计): every entry carries the SHA-256 of its fields and of the
entry before it; audit_chain holds the chain's head. Entries already stored are chained here,
oldest first, so a deployment's existing log is covered from its first line.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def entry_hash(prev: str, at: dt.datetime, user_id: int | None, username: str, address: str, action: str, body_id: int | None, detail: str) -> str:
    """The chain's hash of one entry, frozen here as this migration wrote it (the portal's
    :func:`gongkai.portal.auditlog.entry_hash` must give the same; a test holds them equal)."""
    fields = [prev, at.isoformat(sep=" ", timespec="microseconds"), user_id, username, address, action, body_id, detail]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer), sa.column("at", sa.DateTime), sa.column("user_id", sa.Integer),
    sa.column("username", sa.String), sa.column("address", sa.String), sa.column("action", sa.String),
    sa.column("body_id", sa.Integer), sa.column("detail", sa.Text),
    sa.column("prev_hash", sa.String), sa.column("entry_hash", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=False, server_default=''))
    chain = op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    connection = op.get_bind()
    prev, count = GENESIS, 0
    rows = connection.execute(
        sa.select(audit_log.c.id, audit_log.c.at, audit_log.c.user_id, audit_log.c.username, audit_log.c.address,
                  audit_log.c.action, audit_log.c.body_id, audit_log.c.detail).order_by(audit_log.c.id)
    ).all()  # all at once: the UPDATEs below may not interleave with an open cursor on every driver
    for row_id, at, user_id, username, address, action, body_id, detail in rows:
        digest = entry_hash(prev, at, user_id, username or "", address or "", action, body_id, detail or "")
        connection.execute(audit_log.update().where(audit_log.c.id == row_id).values(prev_hash=prev, entry_hash=digest))
        prev, count = digest, count + 1
    op.bulk_insert(chain, [{"id": 1, "entries": count, "last_hash": prev}])


def downgrade() -> None:
    op.drop_table('audit_chain')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
