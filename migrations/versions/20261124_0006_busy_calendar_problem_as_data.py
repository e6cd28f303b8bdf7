"""busy calendar problem as data, each address once per therapist

Why the last read of a busy calendar failed, as a code and values, so the page can
say it in the therapist's language. Calendars that failed before keep only their
English reason until their next read. A therapist's second row for the same
address (possible before, when two requests raced) is removed with its intervals.

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
    first_of_each = "SELECT MIN(id) FROM busy_calendar GROUP BY therapist_id, url"
    op.execute(f"DELETE FROM busy_interval WHERE calendar_id NOT IN ({first_of_each})")
    op.execute(f"DELETE FROM busy_calendar WHERE id NOT IN ({first_of_each})")
    with op.batch_alter_table('busy_calendar', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_busy_calendar_therapist_id'),
                                          ['therapist_id', 'url'])


def downgrade():
    with op.batch_alter_table('busy_calendar', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_busy_calendar_therapist_id'), type_='unique')
        batch_op.drop_column('last_problem')
