"""The encrypted column type's keys and format, without a database."""

import base64

import pytest

from booking.encryption import PREFIX, DataKeyError, Keyring, key_id, new_key, parse_key

OLD, NEW = new_key(), new_key()


def test_a_value_reads_back_and_its_stored_form_shows_neither_text_nor_key():
    keyring = Keyring.from_config(NEW)
    stored = keyring.encrypt("Wir streiten seit Monaten.", "booking.message")
    assert stored.startswith(f"{PREFIX}{keyring.current_id}:")
    assert "streiten" not in stored and NEW not in stored
    assert keyring.decrypt(stored, "booking.message") == "Wir streiten seit Monaten."


def test_the_same_text_is_stored_differently_every_time():
    keyring = Keyring.from_config(NEW)
    assert keyring.encrypt("ja", "booking.message") != keyring.encrypt("ja", "booking.message")


def test_a_previous_key_still_reads_what_it_wrote_and_the_current_key_writes():
    stored = Keyring.from_config(OLD).encrypt("Notiz", "booking.private_note")
    rotating = Keyring.from_config(NEW, previous=OLD)
    assert rotating.decrypt(stored, "booking.private_note") == "Notiz"
    assert rotating.encrypt("Notiz", "booking.private_note").startswith(
        f"{PREFIX}{key_id(parse_key(NEW))}:")


def test_a_wrong_key_is_an_error_that_names_data_key_and_both_key_ids():
    stored = Keyring.from_config(OLD).encrypt("Notiz", "booking.private_note")
    with pytest.raises(DataKeyError, match="DATA_KEY") as raised:
        Keyring.from_config(NEW).decrypt(stored, "booking.private_note")
    message = str(raised.value)
    assert key_id(parse_key(OLD)) in message and key_id(parse_key(NEW)) in message
    assert "Notiz" not in message


@pytest.mark.parametrize("position", [0, 15, -1])
def test_a_changed_byte_fails_the_integrity_check_instead_of_reading_garbage(position):
    keyring = Keyring.from_config(NEW)
    head, _, body = keyring.encrypt("Termin absagen", "booking.message").rpartition(":")
    raw = bytearray(base64.b64decode(body))
    raw[position] ^= 0x01
    tampered = f"{head}:{base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(DataKeyError, match="booking.message .*integrity check"):
        keyring.decrypt(tampered, "booking.message")


def test_a_value_moved_into_another_column_fails_the_integrity_check():
    keyring = Keyring.from_config(NEW)
    note = keyring.encrypt("Nur für mich", "booking.private_note")
    with pytest.raises(DataKeyError, match="integrity check"):
        keyring.decrypt(note, "booking.message")


@pytest.mark.parametrize("stored", ["Klartext", "", "enc:v1:", "enc:v1:abc:%%%"])
def test_a_value_that_is_not_in_the_stored_format_is_an_error_not_plaintext(stored):
    with pytest.raises(DataKeyError, match="booking.message"):
        Keyring.from_config(NEW).decrypt(stored, "booking.message")


@pytest.mark.parametrize("value", ["", "kurz", base64.b64encode(b"x" * 31).decode(),
                                   base64.b64encode(b"x" * 33).decode(), "nicht base64!!"])
def test_a_key_that_is_not_32_bytes_in_base64_is_refused_by_name(value):
    with pytest.raises(ValueError, match="DATA_KEY must be 32 random bytes"):
        parse_key(value)
    with pytest.raises(ValueError, match="DATA_KEY_PREVIOUS must be 32 random bytes"):
        Keyring.from_config(NEW, previous=f"{OLD},{value or 'x'}")
