"""the practice's legal texts

Impressum and privacy notice, one row per kind and language, in Markdown as the admin
saved them. No rows at first: the public pages show the starter templates until an
admin saves a text.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('legal_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('impressum', 'privacy', name='legal_kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("language IN ('de', 'en')", name=op.f('ck_legal_text_language_known')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['therapist.id'], name=op.f('fk_legal_text_updated_by_id_therapist'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_text')),
    sa.UniqueConstraint('kind', 'language', name=op.f('uq_legal_text_kind'))
    )


def downgrade():
    op.drop_table('legal_text')
