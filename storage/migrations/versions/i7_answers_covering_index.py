"""Cross-tabs read answers from one covering index: (poll, question, wave, choice, number,
respondent) in place of (poll, question).

Every query that used the old index (a poll, or a poll's question) can use the new one; the
cross-tabs no longer look up each answer's row in the table (see storage/crosstabs.py).

Revision ID: i7_answers_covering_index
Revises: i6_consultations
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i7_answers_covering_index"
down_revision: str | Sequence[str] | None = "i6_consultations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["poll_id", "question_id", "wave", "choice", "number", "respondent"]


def upgrade() -> None:
    op.create_index("ix_answers_poll_question", "answers", COLUMNS)
    op.drop_index("ix_answers_poll_id_question_id", table_name="answers")


def downgrade() -> None:
    op.create_index("ix_answers_poll_id_question_id", "answers", ["poll_id", "question_id"])
    op.drop_index("ix_answers_poll_question", table_name="answers")
