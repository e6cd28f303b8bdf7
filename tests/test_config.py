import base64

import pytest

from booking.config import ConfigError, data_keys, load_settings


def test_a_service_reachable_by_others_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(str(tmp_path), environ={"BASE_URL": "https://termine.praxis.example"})


def test_a_loopback_service_generates_its_secret_key_once_and_keeps_it(tmp_path):
    first = load_settings(str(tmp_path), environ={})["SECRET_KEY"]
    second = load_settings(str(tmp_path), environ={})["SECRET_KEY"]
    assert len(first) >= 48
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_a_configured_secret_key_is_used_as_given(tmp_path):
    settings = load_settings(
        str(tmp_path), environ={"SECRET_KEY": "s3cret", "BASE_URL": "https://x.example",
                                "DATA_KEY": SAFE_PRODUCTION["DATA_KEY"]}
    )
    assert settings["SECRET_KEY"] == "s3cret"
    assert not (tmp_path / "secret_key").exists()


def test_a_service_reachable_by_others_refuses_to_start_without_a_data_key(tmp_path):
    with pytest.raises(ConfigError, match="DATA_KEY is not set"):
        load_settings(str(tmp_path), environ={"SECRET_KEY": "s3cret",
                                              "BASE_URL": "https://termine.praxis.example"})
    assert not (tmp_path / "data_key").exists()


def test_a_loopback_service_generates_its_data_key_once_and_keeps_it(tmp_path):
    first = load_settings(str(tmp_path), environ={})["DATA_KEY"]
    assert load_settings(str(tmp_path), environ={})["DATA_KEY"] == first
    assert len(base64.b64decode(first)) == 32
    assert (tmp_path / "data_key").stat().st_mode & 0o077 == 0


def test_a_configured_data_key_and_its_predecessors_are_used_as_given(tmp_path):
    keys = [base64.b64encode(bytes([n]) * 32).decode() for n in range(3)]
    settings = load_settings(str(tmp_path), environ={
        "DATA_KEY": keys[0], "DATA_KEY_PREVIOUS": f"{keys[1]}, {keys[2]}"})
    assert settings["DATA_KEY"] == keys[0]
    assert not (tmp_path / "data_key").exists()
    keyring = data_keys(settings["DATA_KEY"], settings["DATA_KEY_PREVIOUS"])
    assert keyring.previous == (bytes([1]) * 32, bytes([2]) * 32)


def test_the_embedded_default_is_sqlite_in_the_instance_folder(tmp_path):
    settings = load_settings(str(tmp_path), environ={})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'booking.sqlite3'}"
    assert settings["MAIL_URL"] == f"file://{tmp_path / 'mail'}"
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize("url", ["postgres://u:p@db/booking", "postgresql://u:p@db/booking"])
def test_a_plain_postgresql_url_uses_psycopg_3(tmp_path, url):
    settings = load_settings(str(tmp_path), environ={"DATABASE_URL": url})
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/booking"


def test_redis_url_makes_rate_limits_shared(tmp_path):
    settings = load_settings(str(tmp_path), environ={"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_the_outbox_lease_is_fifteen_minutes_unless_set(tmp_path):
    assert load_settings(str(tmp_path), environ={})["OUTBOX_LEASE_SECONDS"] == 900
    settings = load_settings(str(tmp_path), environ={"OUTBOX_LEASE_SECONDS": "2.5"})
    assert settings["OUTBOX_LEASE_SECONDS"] == 2.5


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_an_outbox_lease_that_is_not_a_positive_number_stops_the_start(tmp_path, value):
    with pytest.raises(ConfigError, match="OUTBOX_LEASE_SECONDS"):
        load_settings(str(tmp_path), environ={"OUTBOX_LEASE_SECONDS": value})


def test_cookies_are_secure_only_behind_https(tmp_path):
    public = load_settings(str(tmp_path), environ={"SECRET_KEY": "k", "BASE_URL": "https://x.example",
                                                   "DATA_KEY": SAFE_PRODUCTION["DATA_KEY"]})
    local = load_settings(str(tmp_path), environ={})
    assert public["SESSION_COOKIE_SECURE"] is True
    assert local["SESSION_COOKIE_SECURE"] is False


def test_a_mail_url_that_cannot_work_stops_the_start_with_the_reason(tmp_path):
    with pytest.raises(ConfigError, match="MAIL_URL: .*unencrypted") as raised:
        load_settings(str(tmp_path), environ={"MAIL_URL": "smtp://praxis:hunter2@relay.lan"})
    assert "hunter2" not in str(raised.value)


SAFE_PRODUCTION = {
    "BOOKING_ENV": "production",
    "SECRET_KEY": "a-long-random-value-of-at-least-32-characters",
    "DATA_KEY": "dGVzdC1kYXRhLWtleS10ZXN0LWRhdGEta2V5LTMyYnk=",
    "DATABASE_URL": "postgresql://booking@db/booking",
    "BASE_URL": "https://termine.praxis.example",
    "MAIL_URL": "smtp://booking:pw@mail.praxis.example:587?starttls=1",
    "MAIL_SENDER": "Praxis <termine@praxis.example>",
    "PRACTICE_EMAIL": "praxis@praxis.example",
}


def test_production_mode_starts_with_a_secret_postgresql_and_https(tmp_path):
    settings = load_settings(str(tmp_path), environ=SAFE_PRODUCTION)
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


@pytest.mark.parametrize(("change", "named"), [
    ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
    ({"DATABASE_URL": ""}, "DATABASE_URL must name a PostgreSQL database"),
    ({"DATABASE_URL": "sqlite:////srv/booking.sqlite3"}, "DATABASE_URL must name a PostgreSQL"),
    ({"BASE_URL": "http://termine.praxis.example"}, "BASE_URL must be the public https://"),
    ({"FLASK_DEBUG": "1"}, "FLASK_DEBUG is on"),
    ({"SECRET_KEY": "x"}, "SECRET_KEY is shorter than 32 characters"),
    ({"DATA_KEY": ""}, "DATA_KEY is not set"),
    ({"DATA_KEY": "c2hvcnQ="}, "DATA_KEY must be 32 random bytes in base64"),
    ({"DATA_KEY_PREVIOUS": "c2hvcnQ="}, "DATA_KEY_PREVIOUS must be 32 random bytes"),
    ({"MAIL_URL": "file:///var/mail/booking"}, "MAIL_URL must name the SMTP server"),
    ({"MAIL_SENDER": ""}, "MAIL_SENDER is not set"),
    ({"PRACTICE_EMAIL": ""}, "PRACTICE_EMAIL is not set"),
])
def test_production_mode_refuses_an_unsafe_start_naming_what_is_wrong(tmp_path, change, named):
    with pytest.raises(ConfigError, match=named) as raised:
        load_settings(str(tmp_path), environ={**SAFE_PRODUCTION, **change})
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "secret_key").exists()
    assert not (tmp_path / "data_key").exists()


def test_production_mode_names_every_problem_in_one_line(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings(str(tmp_path), environ={"BOOKING_ENV": "production"})
    message = str(raised.value)
    assert message.count(";") == 6 and "\n" not in message
    assert all(name in message for name in ("SECRET_KEY", "DATA_KEY", "DATABASE_URL", "BASE_URL",
                                            "MAIL_URL", "MAIL_SENDER", "PRACTICE_EMAIL"))


def test_embed_origins_are_read_as_origins_and_empty_by_default(tmp_path):
    assert load_settings(str(tmp_path), environ={})["EMBED_ORIGINS"] == ()
    settings = load_settings(str(tmp_path), environ={
        "EMBED_ORIGINS": "https://www.Praxis.example, http://localhost:8080/"})
    assert settings["EMBED_ORIGINS"] == ("https://www.praxis.example", "http://localhost:8080")


@pytest.mark.parametrize("value", ["www.praxis.example", "https://*.praxis.example",
                                   "https://www.praxis.example/blog", "javascript:alert(1)"])
def test_an_embed_origin_that_is_not_one_refuses_the_start(tmp_path, value):
    with pytest.raises(ConfigError, match="EMBED_ORIGINS"):
        load_settings(str(tmp_path), environ={"EMBED_ORIGINS": value})


def test_the_practice_closes_on_berlins_public_holidays_unless_told_otherwise(tmp_path):
    assert load_settings(str(tmp_path), environ={})["HOLIDAY_STATE"] == "BE"
    assert load_settings(str(tmp_path), environ={"HOLIDAY_STATE": "BY"})["HOLIDAY_STATE"] == "BY"
    assert load_settings(str(tmp_path), environ={"HOLIDAY_STATE": ""})["HOLIDAY_STATE"] == ""


def test_an_unknown_holiday_state_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="HOLIDAY_STATE: 'Berlin' is not a German federal state"):
        load_settings(str(tmp_path), environ={"HOLIDAY_STATE": "Berlin"})
