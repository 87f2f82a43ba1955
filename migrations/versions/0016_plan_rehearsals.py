"""plan rehearsals: the last results of playing a row's term on a Stripe test clock

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_rehearsals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('ran_at', sa.DateTime(), nullable=False),
    sa.Column('ran_by', sa.String(length=254), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['annual_plans.id'], name=op.f('fk_plan_rehearsals_plan_id_annual_plans'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_rehearsals'))
    )
    with op.batch_alter_table('plan_rehearsals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_rehearsals_plan_id'), ['plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_rehearsals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_rehearsals_plan_id'))
    op.drop_table('plan_rehearsals')
