"""grid preferences: each person's hidden columns, column widths and sort on a grid

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grid_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('grid', sa.String(length=40), nullable=False),
    sa.Column('hidden_columns', sa.JSON(), nullable=False),
    sa.Column('column_widths', sa.JSON(), nullable=False),
    sa.Column('sort_column', sa.String(length=120), nullable=True),
    sa.Column('sort_descending', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grid_preferences_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'grid', name=op.f('pk_grid_preferences'))
    )


def downgrade():
    op.drop_table('grid_preferences')
