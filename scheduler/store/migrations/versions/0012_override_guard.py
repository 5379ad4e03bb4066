"""overrides say why the fairness guard held them for a manager

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-30 08:55:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("overrides", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guard_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("overrides", schema=None) as batch_op:
        batch_op.drop_column("guard_reason")
