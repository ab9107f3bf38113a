"""threads: a post may reply to the post before it

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:22:30.256610

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("thread_index", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_posts_thread_parent_id"), ["thread_parent_id"], unique=False)
        batch_op.create_foreign_key("fk_posts_thread_parent_id_posts", "posts", ["thread_parent_id"], ["id"])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_constraint("fk_posts_thread_parent_id_posts", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_posts_thread_parent_id"))
        batch_op.drop_column("thread_index")
        batch_op.drop_column("thread_parent_id")
