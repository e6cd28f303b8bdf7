"""sessions that can be ended and private notes

Existing rows get an empty note and session version 0 (server defaults).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:32:35.613246
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('private_note', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('therapist', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))



def downgrade():
    with op.batch_alter_table('therapist', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('private_note')

