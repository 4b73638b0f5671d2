"""free-text grading off the turn: each answer's grading state and lease, every grade kept

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("grading", sa.String(length=16), nullable=True))
        batch.add_column(
            sa.Column("grading_claimed_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("grading_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("needs_review", sa.Boolean(), nullable=True))
    op.create_index("ix_answers_grading", "answers", ["grading", "id"])
    with op.batch_alter_table("screenings") as batch:
        batch.add_column(sa.Column("grading", sa.String(length=16), nullable=True))
    op.create_index(op.f("ix_screenings_grading"), "screenings", ["grading"])
    op.create_table(
        "answer_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answers.id"],
            name=op.f("fk_answer_grades_answer_id_answers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_grades")),
    )
    op.create_index("ix_answer_grades_answer", "answer_grades", ["answer_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_answer_grades_answer", table_name="answer_grades")
    op.drop_table("answer_grades")
    op.drop_index(op.f("ix_screenings_grading"), table_name="screenings")
    with op.batch_alter_table("screenings") as batch:
        batch.drop_column("grading")
    op.drop_index("ix_answers_grading", table_name="answers")
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("needs_review")
        batch.drop_column("graded_at")
        batch.drop_column("grading_attempts")
        batch.drop_column("grading_claimed_until")
        batch.drop_column("grading")
