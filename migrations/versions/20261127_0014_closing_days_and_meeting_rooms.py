"""closing days and meeting rooms

The practice's closing days (a date range with a label, for the whole team), and on
each booking the name of its own online room. Existing bookings get a room each,
so that their links stop being shared once their therapist uses a {room} template.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 19:00:00
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('closing_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_day <= last_day', name=op.f('ck_closing_period_first_not_after_last')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closing_period'))
    )
    with op.batch_alter_table('closing_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closing_period_first_day'), ['first_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_closing_period_last_day'), ['last_day'], unique=False)
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_room', sa.String(length=64), nullable=False, server_default=''))
    booking = sa.table('booking', sa.column('id', sa.Integer()), sa.column('meeting_room', sa.String()))
    connection = op.get_bind()
    for (booking_id,) in connection.execute(sa.select(booking.c.id)).all():
        connection.execute(booking.update().where(booking.c.id == booking_id)
                           .values(meeting_room=secrets.token_urlsafe(24)))


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('meeting_room')
    with op.batch_alter_table('closing_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closing_period_last_day'))
        batch_op.drop_index(batch_op.f('ix_closing_period_first_day'))
    op.drop_table('closing_period')
