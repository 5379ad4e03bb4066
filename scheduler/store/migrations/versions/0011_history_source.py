"""history rows say where they came from: the org file, or another tool's calendar

Revision ID: 0011
Revises: 0003
Create Date: 2026-11-30 07:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="file")
        )


def downgrade() -> None:
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.drop_column("source")
