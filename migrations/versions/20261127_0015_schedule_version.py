"""schedule version per therapist

A number moved by every write that changes a therapist's free time, read by the
page and slot caches; existing rows start at 0 (server default).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 19:05:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('therapist', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('therapist', schema=None) as batch_op:
        batch_op.drop_column('schedule_version')
