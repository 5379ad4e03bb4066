"""audit entries name their org

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 06:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_log_org_id"), ["org_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_log_org_id_orgs"), "orgs", ["org_id"], ["id"]
        )
    # Entries written before this revision: plans name their org; the rest stay admins' only.
    op.execute(
        "UPDATE audit_log SET org_id = (SELECT plans.org_id FROM plans "
        "WHERE CAST(plans.id AS VARCHAR(64)) = audit_log.entity_id) WHERE entity = 'plan'"
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_audit_log_org_id_orgs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_audit_log_org_id"))
        batch_op.drop_column("org_id")
