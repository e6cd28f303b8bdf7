"""Busy-calendar settings come from the environment, with defaults that work."""

from booking.config import load_settings
from booking.services.busy_calendars import RefreshSettings


def test_defaults_read_every_ten_minutes_with_limits_and_no_private_hosts(tmp_path):
    settings = RefreshSettings.from_config(load_settings(str(tmp_path), environ={}))
    assert settings.interval.total_seconds() == 600
    assert (settings.fetch.timeout, settings.fetch.max_bytes) == (10, 5 * 1024 * 1024)
    assert (settings.fetch.allowed_hosts, settings.fetch.allowed_networks) == (frozenset(), ())


def test_the_allowlist_takes_hosts_addresses_and_ranges(tmp_path):
    config = load_settings(str(tmp_path), environ={
        "BUSY_ALLOWED_HOSTS": " cloud.praxis.lan, 10.0.0.0/8 ,, [fd00::5] , 192.168.1.20",
        "BUSY_REFRESH_MINUTES": "30",
    })
    settings = RefreshSettings.from_config(config)
    assert settings.interval.total_seconds() == 1800
    assert settings.fetch.allowed_hosts == {"cloud.praxis.lan"}
    assert [str(n) for n in settings.fetch.allowed_networks] == [
        "10.0.0.0/8", "fd00::5/128", "192.168.1.20/32"]
