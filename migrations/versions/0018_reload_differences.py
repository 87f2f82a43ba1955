"""annual plans: the edited fields the last re-load found different from the contract

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 20:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('annual_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reload_differences', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('annual_plans', schema=None) as batch_op:
        batch_op.drop_column('reload_differences')
