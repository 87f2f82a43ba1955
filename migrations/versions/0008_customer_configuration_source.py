"""customers: where their billing configuration came from, and the reason of an override

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('configuration_source', sa.String(length=20), server_default='subscription',
                                      nullable=False))
        batch_op.add_column(sa.Column('configuration_note', sa.Text(), server_default='', nullable=False))
    # customers whose annual plan already went live are enterprise yearly customers, set by that flow
    op.execute("UPDATE customers SET billing_configuration = 'enterprise_yearly', configuration_source = 'annual_plan' "
               "WHERE stripe_customer_id IN (SELECT stripe_customer_id FROM annual_plans WHERE stage = 'live')")


def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('configuration_note')
        batch_op.drop_column('configuration_source')
