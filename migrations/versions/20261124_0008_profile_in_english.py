"""profile in english

A therapist's title and words for visitors in English, for the English pages;
empty for everyone so far (the pages then show the German text).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 00:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('therapist', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_en', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('bio_en', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('therapist', schema=None) as batch_op:
        batch_op.drop_column('bio_en')
        batch_op.drop_column('title_en')
