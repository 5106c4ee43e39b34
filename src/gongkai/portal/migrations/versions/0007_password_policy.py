"""password policy (等保 身份鉴别): when each password was set, earlier passwords' hashes (no
reuse of the last five), and the previous login's time and address shown after login

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('password_changed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('last_login_address', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('previous_login_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('previous_login_address', sa.String(length=64), nullable=True))
    # An existing account's password counts from the account's creation: none is older.
    op.execute(sa.text('UPDATE users SET password_changed_at = created_at'))
    with op.batch_alter_table('sessions') as batch:
        batch.add_column(sa.Column('greet', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('password_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_password_history_user_id'), 'password_history', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_password_history_user_id'), table_name='password_history')
    op.drop_table('password_history')
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop and recreate
    # users, which the other tables' foreign keys refuse.
    op.drop_column('sessions', 'greet')
    for column in ('previous_login_address', 'previous_login_at', 'last_login_address', 'password_changed_at'):
        op.drop_column('users', column)
