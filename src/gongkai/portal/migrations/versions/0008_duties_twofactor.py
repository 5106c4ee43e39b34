"""等保 访问控制 and 身份鉴别: county duties (三员分立), who named an account and whether the
安全管理员 has enabled it, TOTP two-factor login with one-time recovery codes, a session still
waiting for its second factor, the 安全管理员's security policy, and which hash each audit entry uses

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('duties', sa.String(length=80), nullable=False, server_default=''))
    op.add_column('users', sa.Column('created_by', sa.Integer(), nullable=True))
    op.add_column('users', sa.Column('pending', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('users', sa.Column('totp_secret', sa.String(length=64), nullable=True))
    op.add_column('users', sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
    op.add_column('users', sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    # A county account from before the separation keeps running rounds and reviewing; the
    # security and audit duties go to the accounts its 系统管理员 must now name.
    op.execute(sa.text("UPDATE users SET duties = 'system,reviewer' WHERE role = 'admin'"))
    op.add_column('sessions', sa.Column('second_factor_due', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('audit_log', sa.Column('chain', sa.String(length=12), nullable=False, server_default='sha256'))
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_recovery_codes_user_id'), 'recovery_codes', ['user_id'], unique=False)
    op.create_table('security_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('password_max_days', sa.Integer(), nullable=True),
    sa.Column('lock_failures', sa.Integer(), nullable=False),
    sa.Column('lock_minutes', sa.Integer(), nullable=False),
    sa.Column('idle_minutes', sa.Integer(), nullable=False),
    sa.Column('session_hours', sa.Integer(), nullable=False),
    sa.Column('require_two_factor', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('security_policy')
    op.drop_index(op.f('ix_recovery_codes_user_id'), table_name='recovery_codes')
    op.drop_table('recovery_codes')
    op.drop_column('audit_log', 'chain')
    op.drop_column('sessions', 'second_factor_due')
    for column in ('totp_last_step', 'totp_enabled_at', 'totp_secret', 'pending', 'created_by', 'duties'):
        op.drop_column('users', column)
