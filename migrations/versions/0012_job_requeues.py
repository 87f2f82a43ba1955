"""job requeues: how many times a job's worker stopped under it (the sweeper fails it after a few)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requeues', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('requeues')
