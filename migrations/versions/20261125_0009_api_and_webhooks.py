"""api and webhooks

Webhook endpoints (URL, events, whether payloads carry the client's details, the
nonce their signing secret is derived from), and on bookings the keyed hash of the
API request that made them, so that an Idempotency-Key reused with another body is
refused. Existing bookings came from the form and have none.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 00:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webhook_endpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('include_client_details', sa.Boolean(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint'))
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_fingerprint', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('request_fingerprint')
    op.drop_table('webhook_endpoint')
