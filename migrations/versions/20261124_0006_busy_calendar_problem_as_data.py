"""busy calendar problem as data

Why the last read of a busy calendar failed, as a code and values, so the page can
say it in the therapist's language. Calendars that failed before keep only their
English reason until their next read.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 00:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('busy_calendar', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_problem', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('busy_calendar', schema=None) as batch_op:
        batch_op.drop_column('last_problem')
