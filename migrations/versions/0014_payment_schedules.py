"""payment schedules: how an annual plan's yearly commitment is paid, and the credits half of an instalment pair

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('annual_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_schedule', sa.String(length=20), nullable=True, server_default='annual'))
        batch_op.add_column(sa.Column('credits_customer_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('credits_schedule_id', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('annual_plans', schema=None) as batch_op:
        batch_op.drop_column('credits_schedule_id')
        batch_op.drop_column('credits_customer_id')
        batch_op.drop_column('payment_schedule')
