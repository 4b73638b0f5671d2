"""item parameters from calibration, and the audit of rescored screenings

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_parameters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.String(length=64), nullable=False),
        sa.Column("bank_version", sa.String(length=16), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("a", sa.Float(), nullable=False),
        sa.Column("b", sa.Float(), nullable=False),
        sa.Column("a_se", sa.Float(), nullable=True),
        sa.Column("b_se", sa.Float(), nullable=True),
        sa.Column("fitted_a", sa.Float(), nullable=True),
        sa.Column("fitted_b", sa.Float(), nullable=True),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("calibrated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_parameters")),
        sa.UniqueConstraint(
            "bank_id", "bank_version", "question_id", name=op.f("uq_item_parameters_bank_id")
        ),
    )
    op.create_table(
        "score_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("old_score", sa.Float(), nullable=True),
        sa.Column("new_score", sa.Float(), nullable=True),
        sa.Column("old_passed", sa.Boolean(), nullable=True),
        sa.Column("new_passed", sa.Boolean(), nullable=True),
        sa.Column("old_bank_versions", sa.JSON(), nullable=False),
        sa.Column("new_bank_versions", sa.JSON(), nullable=False),
        sa.Column("rescored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
            name=op.f("fk_score_audit_screening_id_screenings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_audit")),
    )
    op.create_index("ix_score_audit_screening", "score_audit", ["screening_id", "rescored_at"])


def downgrade() -> None:
    op.drop_index("ix_score_audit_screening", table_name="score_audit")
    op.drop_table("score_audit")
    op.drop_table("item_parameters")
