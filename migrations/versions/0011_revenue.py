"""revenue: monthly snapshots and each customer's MRR with its rule and inputs

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('revenue_months',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('total_mrr_cents', sa.BigInteger(), nullable=False),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('unresolved', sa.Integer(), nullable=False),
    sa.Column('invoices_read', sa.Integer(), nullable=False),
    sa.Column('stripe_calls', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('by_product', sa.JSON(), nullable=False),
    sa.Column('by_configuration', sa.JSON(), nullable=False),
    sa.Column('movements', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_revenue_months'))
    )
    op.create_table('revenue_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('configuration', sa.String(length=30), nullable=False),
    sa.Column('mrr_cents', sa.BigInteger(), nullable=True),
    sa.Column('product_cents', sa.JSON(), nullable=False),
    sa.Column('rule', sa.String(length=30), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('arithmetic', sa.JSON(), nullable=False),
    sa.Column('unresolved_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_revenue_lines_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revenue_lines')),
    sa.UniqueConstraint('month', 'customer_id', name=op.f('uq_revenue_lines_month_customer_id'))
    )
    with op.batch_alter_table('revenue_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revenue_lines_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revenue_lines_month'), ['month'], unique=False)


def downgrade():
    op.drop_table('revenue_lines')
    op.drop_table('revenue_months')
