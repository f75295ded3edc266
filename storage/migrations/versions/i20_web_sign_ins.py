"""One-time sign-in links to the staff workspace in the browser (`bots.web`).

Revision ID: i20_web_sign_ins
Revises: i19_outbox_delivery
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i20_web_sign_ins"
down_revision: str | Sequence[str] | None = "i19_outbox_delivery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sign_ins",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name="pk_web_sign_ins"),
    )


def downgrade() -> None:
    op.drop_table("web_sign_ins")
