"""customers: their credit discount percent, and their startup plan's credit (amount, expiry, grant, balance)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_discount_percent', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('startup_credit_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('startup_credit_expires_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('startup_credit_grant_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('startup_credit_remaining_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('startup_balance_checked_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        for column in ('startup_balance_checked_at', 'startup_credit_remaining_cents', 'startup_credit_grant_id',
                       'startup_credit_expires_on', 'startup_credit_cents', 'credit_discount_percent'):
            batch_op.drop_column(column)
