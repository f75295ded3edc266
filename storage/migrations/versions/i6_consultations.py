"""Consultations: free-text answers, statements, votes on statements, follow-up rounds.

Revision ID: i6_consultations
Revises: i5_initiatives
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i6_consultations"
down_revision: str | Sequence[str] | None = "i5_initiatives"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("pending", "approved", "rejected", "blocked")


def upgrade() -> None:
    op.create_table(
        "consultation_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("round", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("respondent", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("language_probability", sa.Float(), nullable=True),
        sa.Column("theme", sa.String(32), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consultation_answers"),
        sa.UniqueConstraint(
            "consultation_id",
            "round",
            "respondent",
            name="uq_consultation_answers_consultation_id_round_respondent",
        ),
    )
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("author", sa.String(64), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agrees", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("disagrees", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("passes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")",
            name="ck_statements_status",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_statements"),
        sa.UniqueConstraint("consultation_id", "seed", name="uq_statements_consultation_id_seed"),
    )
    op.create_index(
        "ix_statements_consultation_id_status", "statements", ["consultation_id", "status"]
    )
    op.create_table(
        "statement_votes",
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("participant", sa.String(64), nullable=False),
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("vote", sa.Integer(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name="fk_statement_votes_statement_id_statements",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("statement_id", "participant", name="pk_statement_votes"),
    )
    op.create_index(
        "ix_statement_votes_consultation_id_participant",
        "statement_votes",
        ["consultation_id", "participant"],
    )
    op.create_table(
        "consultation_rounds",
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("question", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consultation_id", "number", name="pk_consultation_rounds"),
    )


def downgrade() -> None:
    op.drop_table("consultation_rounds")
    op.drop_index("ix_statement_votes_consultation_id_participant", table_name="statement_votes")
    op.drop_table("statement_votes")
    op.drop_index("ix_statements_consultation_id_status", table_name="statements")
    op.drop_table("statements")
    op.drop_table("consultation_answers")
