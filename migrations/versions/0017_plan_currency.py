"""plan currency: the contract's document currency, which every Stripe object of the row is billed in

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('annual_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=3), server_default='usd', nullable=False))


def downgrade():
    with op.batch_alter_table('annual_plans', schema=None) as batch_op:
        batch_op.drop_column('currency')
