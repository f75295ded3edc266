"""Outbox rows keep the platform's message id and what it reports of the delivery (WhatsApp
status callbacks: sent, delivered, read, failed).

Revision ID: i19_outbox_delivery
Revises: i7_answers_covering_index
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i19_outbox_delivery"
down_revision: str | Sequence[str] | None = "i7_answers_covering_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("platform_id", sa.String(128), nullable=True))
    op.add_column("outbox", sa.Column("delivery", sa.String(12), nullable=True))
    op.create_index("ix_outbox_platform_id", "outbox", ["platform_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_platform_id", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("delivery")
        batch.drop_column("platform_id")
