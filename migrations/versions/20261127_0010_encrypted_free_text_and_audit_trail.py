"""encrypted free text and the admin's audit trail

The booking's message, cancellation reason and private note are encrypted with
DATA_KEY (AES-256-GCM in the stored format `enc:v1:<key id>:<base64 nonce +
ciphertext>`, the column's name as associated data); downgrade decrypts them
again. The format is written out here rather than imported, so this migration
does what it did when it was written, whatever booking.encryption becomes.

booking_audit records who (an account) viewed, exported, erased or changed a
booking, and when.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 19:00:00
"""
import base64
import hashlib
import hmac
import os

from alembic import op
import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

PREFIX = 'enc:v1:'
COLUMNS = ('message', 'cancel_reason', 'private_note')


def _key_id(key):
    return hmac.new(key, b'booking data key id', hashlib.sha256).hexdigest()[:16]


def _keys():
    config = current_app.config
    values = [config['DATA_KEY'], *config.get('DATA_KEY_PREVIOUS', '').split(',')]
    return [base64.b64decode(value.strip()) for value in values if value.strip()]


def _encrypt(key, text, column):
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, text.encode(), f'booking.{column}'.encode())
    return f'{PREFIX}{_key_id(key)}:{base64.b64encode(nonce + sealed).decode()}'


def _decrypt(keys, stored, column):
    wanted, _, body = stored[len(PREFIX):].partition(':')
    key = next(key for key in keys if _key_id(key) == wanted)
    raw = base64.b64decode(body)
    return AESGCM(key).decrypt(raw[:12], raw[12:], f'booking.{column}'.encode()).decode()


def _rewrite(convert):
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        f"SELECT id, {', '.join(COLUMNS)} FROM booking")).mappings().all()
    for row in rows:
        values = {column: None if row[column] is None else convert(row[column], column)
                  for column in COLUMNS}
        connection.execute(sa.text(
            f"UPDATE booking SET {', '.join(f'{c} = :{c}' for c in COLUMNS)} WHERE id = :id"),
            {**values, 'id': row['id']})


def upgrade():
    op.create_table('booking_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.Enum('viewed', 'exported', 'erased', 'changed', name='audit_action', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['therapist.id'], name=op.f('fk_booking_audit_account_id_therapist'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_booking_audit_booking_id_booking'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_audit'))
    )
    with op.batch_alter_table('booking_audit', schema=None) as batch_op:
        batch_op.create_index('ix_booking_audit_booking_at', ['booking_id', 'at'], unique=False)

    key = _keys()[0]
    _rewrite(lambda text, column: _encrypt(key, text, column))


def downgrade():
    keys = _keys()
    _rewrite(lambda stored, column: _decrypt(keys, stored, column))

    with op.batch_alter_table('booking_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_audit_booking_at')
    op.drop_table('booking_audit')
