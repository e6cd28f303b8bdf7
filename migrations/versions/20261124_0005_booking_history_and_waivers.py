"""booking status history and exceptions to the one-free-consultation rule

Existing bookings get the history their columns prove: requested at created_at,
confirmed at confirmed_at (both by the visitor). Earlier cancellations and
expiries have no recorded actor and are left out rather than guessed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 00:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('requested', 'confirmed', 'expired', 'cancelled', 'rescheduled', 'reassigned', 'completed', 'no_show', 'erased', name='event_kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('actor', sa.Enum('visitor', 'therapist', 'practice', 'system', name='actor', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('previous_start_utc', sa.DateTime(timezone=True), nullable=True),
    sa.Column('previous_therapist_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_booking_event_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_therapist_id'], ['therapist.id'], name=op.f('fk_booking_event_previous_therapist_id_therapist'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_event'))
    )
    with op.batch_alter_table('booking_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_event_booking_id'), ['booking_id'], unique=False)

    op.create_table('first_session_waiver',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['therapist.id'], name=op.f('fk_first_session_waiver_granted_by_id_therapist'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_first_session_waiver'))
    )
    with op.batch_alter_table('first_session_waiver', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_first_session_waiver_email_key'), ['email_key'], unique=False)

    op.execute("INSERT INTO booking_event (booking_id, at, kind, actor) "
               "SELECT id, created_at, 'requested', 'visitor' FROM booking")
    op.execute("INSERT INTO booking_event (booking_id, at, kind, actor) "
               "SELECT id, confirmed_at, 'confirmed', 'visitor' FROM booking "
               "WHERE confirmed_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('first_session_waiver', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_first_session_waiver_email_key'))
    op.drop_table('first_session_waiver')

    with op.batch_alter_table('booking_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_event_booking_id'))
    op.drop_table('booking_event')
