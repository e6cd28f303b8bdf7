"""initial schema: therapists, their hours and rules, session types, bookings, outbox

On PostgreSQL the booking table also gets the exclusion constraint that keeps
occupying bookings of one therapist from overlapping (SQLite has no such
constraint; the booking service serialises its writers instead).

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 20:35:44.944882
"""
from alembic import op
import sqlalchemy as sa

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name_de', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('description_de', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('is_free', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_session_type_duration_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_type')),
    sa.UniqueConstraint('slug', name=op.f('uq_session_type_slug'))
    )
    op.create_table('therapist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('therapist', 'admin', name='role', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapist')),
    sa.UniqueConstraint('email', name=op.f('uq_therapist_email')),
    sa.UniqueConstraint('slug', name=op.f('uq_therapist_slug'))
    )
    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('ical_uid', sa.String(length=255), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('session_type_id', sa.Integer(), nullable=False),
    sa.Column('start_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_start_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_end_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'cancelled', 'completed', 'no_show', 'expired', name='booking_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('hold_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('visitor_name', sa.String(length=120), nullable=False),
    sa.Column('visitor_email', sa.String(length=254), nullable=False),
    sa.Column('visitor_email_key', sa.String(length=254), nullable=False),
    sa.Column('visitor_phone', sa.String(length=40), nullable=False),
    sa.Column('partner_name', sa.String(length=120), nullable=False),
    sa.Column('partner_email', sa.String(length=254), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('visitor_locale', sa.String(length=5), nullable=False),
    sa.Column('visitor_timezone', sa.String(length=64), nullable=False),
    sa.Column('cta_source', sa.String(length=120), nullable=False),
    sa.Column('reminder_requested', sa.Boolean(), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('manage_token_hash', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.CheckConstraint('blocked_start_utc <= start_utc AND end_utc <= blocked_end_utc', name=op.f('ck_booking_blocked_covers_session')),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_booking_sequence_not_negative')),
    sa.CheckConstraint('start_utc < end_utc', name=op.f('ck_booking_start_before_end')),
    sa.ForeignKeyConstraint(['session_type_id'], ['session_type.id'], name=op.f('fk_booking_session_type_id_session_type'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapist.id'], name=op.f('fk_booking_therapist_id_therapist'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking')),
    sa.UniqueConstraint('ical_uid', name=op.f('uq_booking_ical_uid')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_booking_idempotency_key')),
    sa.UniqueConstraint('manage_token_hash', name=op.f('uq_booking_manage_token_hash')),
    sa.UniqueConstraint('public_id', name=op.f('uq_booking_public_id'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE booking ADD CONSTRAINT ex_booking_no_overlap EXCLUDE USING gist "
            "(therapist_id WITH =, tstzrange(blocked_start_utc, blocked_end_utc, '[)') WITH &&) "
            "WHERE (status IN ('pending', 'confirmed', 'completed', 'no_show'))"
        )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_status'), ['status'], unique=False)
        batch_op.create_index('ix_booking_therapist_blocked', ['therapist_id', 'blocked_start_utc'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_visitor_email_key'), ['visitor_email_key'], unique=False)

    op.create_table('booking_rules',
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('buffer_before_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_after_minutes', sa.Integer(), nullable=False),
    sa.Column('minimum_notice_minutes', sa.Integer(), nullable=False),
    sa.Column('horizon_days', sa.Integer(), nullable=False),
    sa.Column('slot_step_minutes', sa.Integer(), nullable=False),
    sa.Column('daily_cap', sa.Integer(), nullable=True),
    sa.Column('meeting_url', sa.String(length=500), nullable=False),
    sa.CheckConstraint('buffer_before_minutes >= 0 AND buffer_after_minutes >= 0', name=op.f('ck_booking_rules_buffers_not_negative')),
    sa.CheckConstraint('daily_cap IS NULL OR daily_cap > 0', name=op.f('ck_booking_rules_cap_positive')),
    sa.CheckConstraint('horizon_days > 0', name=op.f('ck_booking_rules_horizon_positive')),
    sa.CheckConstraint('minimum_notice_minutes >= 0', name=op.f('ck_booking_rules_notice_not_negative')),
    sa.CheckConstraint('slot_step_minutes > 0', name=op.f('ck_booking_rules_step_positive')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapist.id'], name=op.f('fk_booking_rules_therapist_id_therapist'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('therapist_id', name=op.f('pk_booking_rules'))
    )
    op.create_table('time_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('start_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.CheckConstraint('start_utc < end_utc', name=op.f('ck_time_off_start_before_end')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapist.id'], name=op.f('fk_time_off_therapist_id_therapist'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_off'))
    )
    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_time_off_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('working_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.CheckConstraint('start_time < end_time', name=op.f('ck_working_hours_start_before_end')),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_working_hours_weekday_range')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapist.id'], name=op.f('fk_working_hours_therapist_id_therapist'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_hours'))
    )
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_hours_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sent', 'skipped', 'failed', name='outbox_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_outbox_message_booking_id_booking'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_message_id'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index('ix_outbox_message_due', ['status', 'due_at'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_due')
        batch_op.drop_index(batch_op.f('ix_outbox_message_booking_id'))

    op.drop_table('outbox_message')
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_hours_therapist_id'))

    op.drop_table('working_hours')
    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_time_off_therapist_id'))

    op.drop_table('time_off')
    op.drop_table('booking_rules')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_visitor_email_key'))
        batch_op.drop_index('ix_booking_therapist_blocked')
        batch_op.drop_index(batch_op.f('ix_booking_status'))

    op.drop_table('booking')
    op.drop_table('therapist')
    op.drop_table('session_type')
