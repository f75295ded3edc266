"""The replies an update is owed until they were sent (`processed_updates.reply_owed`).

A Telegram update is confirmed to Telegram only once it was handled; one that comes again
after a crash between the commit and the reply finds here the replies it still needs.

Revision ID: i16_reply_owed
Revises: i20_web_sign_ins
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i16_reply_owed"
down_revision: str | Sequence[str] | None = "i20_web_sign_ins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ALTER TABLE on both databases: the table can be large, and is not copied
    op.add_column("processed_updates", sa.Column("reply_owed", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("processed_updates") as batch:
        batch.drop_column("reply_owed")
