"""revenue lines: a digest of each row's stored values, so a snapshot skips an unchanged row without reading it

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 23:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('revenue_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest', sa.String(length=64), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('revenue_lines', schema=None) as batch_op:
        batch_op.drop_column('digest')
