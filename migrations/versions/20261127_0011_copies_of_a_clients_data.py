"""copies of a client's data

The one-time links a visitor asks for on their manage page to download everything
stored about them: the booking it was asked from, the nonce the link's secret is
derived from and that secret's hash, when it expires and when it was used.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'],
                            name=op.f('fk_data_export_booking_id_booking'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_export')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_data_export_token_hash'))
    )
    with op.batch_alter_table('data_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_export_booking_id'), ['booking_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('data_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_export_booking_id'))
    op.drop_table('data_export')
