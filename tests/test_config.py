import pytest

from booking.config import ConfigError, load_settings


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
        str(tmp_path), environ={"SECRET_KEY": "s3cret", "BASE_URL": "https://x.example"}
    )
    assert settings["SECRET_KEY"] == "s3cret"
    assert not (tmp_path / "secret_key").exists()


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


def test_cookies_are_secure_only_behind_https(tmp_path):
    public = load_settings(str(tmp_path), environ={"SECRET_KEY": "k", "BASE_URL": "https://x.example"})
    local = load_settings(str(tmp_path), environ={})
    assert public["SESSION_COOKIE_SECURE"] is True
    assert local["SESSION_COOKIE_SECURE"] is False


def test_a_mail_url_that_cannot_work_stops_the_start_with_the_reason(tmp_path):
    with pytest.raises(ConfigError, match="MAIL_URL: .*unencrypted") as raised:
        load_settings(str(tmp_path), environ={"MAIL_URL": "smtp://praxis:hunter2@relay.lan"})
    assert "hunter2" not in str(raised.value)
