"""teams hold swaps that hurt fairness for a manager; swaps say why they were held

Revision ID: 0009
Revises: 0004
Create Date: 2026-11-30 07:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fairness_guard", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("swaps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guard_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("swaps", schema=None) as batch_op:
        batch_op.drop_column("guard_reason")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("fairness_guard")
