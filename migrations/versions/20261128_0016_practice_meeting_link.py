"""practice meeting link

The practice's default meeting-link template, for therapists who set none of their
own; existing rows start without one (server default ''), so nothing changes until
the admin sets it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 00:45:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('practice_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_url', sa.String(length=500), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('practice_profile', schema=None) as batch_op:
        batch_op.drop_column('meeting_url')
