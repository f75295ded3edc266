"""Bulk messages: participants' language and reachability, completions, subscriptions, waves,
broadcasts and the outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("queued", "sending", "sent", "failed", "unreachable")


def upgrade() -> None:
    op.add_column(
        "participants", sa.Column("language", sa.String(8), server_default="en", nullable=False)
    )
    op.add_column(
        "participants", sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True)
    )
    # people who talked before this revision: their language is in their conversation state
    language = "state ->> 'language'" if _postgresql() else "json_extract(state, '$.language')"
    op.execute(f"UPDATE participants SET language = COALESCE(SUBSTR({language}, 1, 8), 'en')")
    op.create_table(
        "completions",
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("poll_id", sa.String(32), nullable=False),
        sa.Column("wave", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name="fk_completions_participant_id_participants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("participant_id", "poll_id", "wave", name="pk_completions"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name="fk_subscriptions_participant_id_participants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("participant_id", "topic", name="pk_subscriptions"),
    )
    op.create_index("ix_subscriptions_topic", "subscriptions", ["topic"])
    op.create_table(
        "waves",
        sa.Column("poll_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("reminders_queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("poll_id", "number", name="pk_waves"),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(32), nullable=True),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("photo", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_broadcasts"),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")",
            name="ck_outbox_status",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name="fk_outbox_participant_id_participants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("job", "participant_id", name="uq_outbox_job_participant_id"),
    )
    op.create_index("ix_outbox_status_due_at_id", "outbox", ["status", "due_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_status_due_at_id", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("broadcasts")
    op.drop_table("waves")
    op.drop_index("ix_subscriptions_topic", table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("completions")
    op.drop_column("participants", "unreachable_at")
    op.drop_column("participants", "language")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"
