"""indexes for scale: posts by article, pending cards in due order, articles held back

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 17:30:00

Measured by bench/scale.py on 1,000,000 posts: the planner's look-up of an article's posts went from
193 ms to 0.7 ms, the dispatcher's embargo subquery from reading every article to reading the few held
back, and the card claim from a scan to the first pending cards in due order. ANALYZE on SQLite
(db.refresh_statistics) needs the partial index on thread parents.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD_BACK = "embargo_until IS NOT NULL OR withdrawn_at IS NOT NULL"
IS_REPLY = "thread_parent_id IS NOT NULL"
CARD_REQUESTED = "card_requested_at IS NOT NULL"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index("ix_posts_article_id", ["article_id"], unique=False)
        batch_op.drop_index("ix_posts_card_state")
        batch_op.create_index("ix_posts_card_state_due_at", ["card_state", "due_at"], unique=False)
        batch_op.drop_index("ix_posts_thread_parent_id")
        # ix_posts_account_scheduled_for begins with account_id: one index fewer to keep up on each insert.
        batch_op.drop_index("ix_posts_account_id")
    # Partial: SQLite's statistics cannot tell that most posts have no parent, and used the whole
    # column's index for `thread_parent_id IS NULL` (1.3 s instead of 25 ms for the planner's read).
    op.create_index(
        "ix_posts_thread_parent_id",
        "posts",
        ["thread_parent_id"],
        unique=False,
        postgresql_where=sa.text(IS_REPLY),
        sqlite_where=sa.text(IS_REPLY),
    )
    # The renders asked for lately (the card claim keeps no more than a few hundred outstanding);
    # partial, so that planning, which inserts cards not yet asked for, does not write to it.
    op.create_index(
        "ix_posts_card_requested_at",
        "posts",
        ["card_requested_at"],
        unique=False,
        postgresql_where=sa.text(CARD_REQUESTED),
        sqlite_where=sa.text(CARD_REQUESTED),
    )
    op.create_index(
        "ix_articles_held_back",
        "articles",
        ["embargo_until"],
        unique=False,
        postgresql_where=sa.text(HELD_BACK),
        sqlite_where=sa.text(HELD_BACK),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_articles_held_back", table_name="articles")
    op.drop_index("ix_posts_card_requested_at", table_name="posts")
    op.drop_index("ix_posts_thread_parent_id", table_name="posts")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index("ix_posts_thread_parent_id", ["thread_parent_id"], unique=False)
        batch_op.create_index("ix_posts_account_id", ["account_id"], unique=False)
        batch_op.drop_index("ix_posts_card_state_due_at")
        batch_op.create_index("ix_posts_card_state", ["card_state"], unique=False)
        batch_op.drop_index("ix_posts_article_id")
