"""contract years: each later year of a multi-year annual plan, its invoice and its credit grant

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contract_years',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('invoice_id', sa.String(length=64), nullable=True),
    sa.Column('credit_grant_id', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('drafted_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['annual_plans.id'], name=op.f('fk_contract_years_plan_id_annual_plans'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_years')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_contract_years_plan_id_number'))
    )
    with op.batch_alter_table('contract_years', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_years_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_years_invoice_id'), ['invoice_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contract_years', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_years_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_contract_years_plan_id'))
    op.drop_table('contract_years')
