"""calendar feeds and busy calendars

Secret subscription addresses (nonce and token hash only) and the therapists'
own calendars read as busy time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:28:52.518972
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('busy_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('etag', sa.String(length=255), nullable=False),
    sa.Column('last_modified', sa.String(length=64), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapist.id'], name=op.f('fk_busy_calendar_therapist_id_therapist'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_busy_calendar'))
    )
    with op.batch_alter_table('busy_calendar', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_busy_calendar_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.Enum('therapist', 'practice', name='feed_scope', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=True),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('full_details', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("scope = 'practice' OR therapist_id IS NOT NULL", name=op.f('ck_calendar_feed_therapist_feed_has_therapist')),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapist.id'], name=op.f('fk_calendar_feed_therapist_id_therapist'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash'))
    )
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('busy_interval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('start_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_utc', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('start_utc < end_utc', name=op.f('ck_busy_interval_start_before_end')),
    sa.ForeignKeyConstraint(['calendar_id'], ['busy_calendar.id'], name=op.f('fk_busy_interval_calendar_id_busy_calendar'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapist.id'], name=op.f('fk_busy_interval_therapist_id_therapist'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_busy_interval'))
    )
    with op.batch_alter_table('busy_interval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_busy_interval_calendar_id'), ['calendar_id'], unique=False)
        batch_op.create_index('ix_busy_interval_therapist_start', ['therapist_id', 'start_utc'], unique=False)



def downgrade():
    with op.batch_alter_table('busy_interval', schema=None) as batch_op:
        batch_op.drop_index('ix_busy_interval_therapist_start')
        batch_op.drop_index(batch_op.f('ix_busy_interval_calendar_id'))

    op.drop_table('busy_interval')
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_therapist_id'))

    op.drop_table('calendar_feed')
    with op.batch_alter_table('busy_calendar', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_busy_calendar_therapist_id'))

    op.drop_table('busy_calendar')
