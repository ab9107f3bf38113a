"""post cards: the card a post carries, and whether it is rendered yet

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 14:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_template", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("card_size", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("card_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("card_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_posts_card_state"), ["card_state"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posts_card_state"))
        batch_op.drop_column("card_requested_at")
        batch_op.drop_column("card_state")
        batch_op.drop_column("card_size")
        batch_op.drop_column("card_template")
