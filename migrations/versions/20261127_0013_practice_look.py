"""practice look

The practice's details as the admin sets them (name, address, phone, email, accent
colour, logo), and the pictures the service serves (logo, therapists' photos), kept
in the database under their content hash. No row yet: the PRACTICE_* settings stand
in until the admin saves; no therapist has a photo.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('media_image',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_media_image_sha256_hex')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_media_image'))
    )
    op.create_table('practice_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('accent', sa.String(length=7), nullable=False),
    sa.Column('logo', sa.String(length=80), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_practice_profile_single_row')),
    sa.ForeignKeyConstraint(['logo'], ['media_image.name'], name=op.f('fk_practice_profile_logo_media_image')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_profile'))
    )
    with op.batch_alter_table('therapist', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo', sa.String(length=80), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_therapist_photo_media_image'), 'media_image', ['photo'], ['name'])


def downgrade():
    with op.batch_alter_table('therapist', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_therapist_photo_media_image'), type_='foreignkey')
        batch_op.drop_column('photo')
    op.drop_table('practice_profile')
    op.drop_table('media_image')
