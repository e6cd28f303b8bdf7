"""bench/over_http.py reads its rows from wrk's own output (wrk 4.1.0, Debian): the
outputs here were written by wrk against a two-line WSGI app under gunicorn."""

import math
from pathlib import Path

import pytest

from tests.bench_support import bench_module

OUTPUTS = Path(__file__).resolve().parent / "bench_outputs"


@pytest.fixture(scope="module")
def parse_wrk():
    return bench_module("wrk_output").parse_wrk


def output(name: str) -> str:
    return (OUTPUTS / name).read_text()


def test_a_run_gives_its_rate_requests_and_latencies_in_milliseconds(parse_wrk):
    row = parse_wrk("bare", output("wrk_get.txt"))
    assert (row.rps, row.requests, row.errors) == (5644.84, 6213, 0)
    assert math.isclose(row.p50_ms, 0.554) and math.isclose(row.p99_ms, 9.09)


def test_answers_other_than_2xx_or_3xx_are_errors(parse_wrk):
    row = parse_wrk("missing", output("wrk_404.txt"))
    assert row.errors == row.requests == 7254


def test_a_head_row_leaves_out_the_read_errors_of_answers_ended_by_the_server(parse_wrk):
    text = output("wrk_head.txt")
    assert parse_wrk("HEAD", text, read_errors_count=False).errors == 0
    assert parse_wrk("HEAD", text).errors == 5078  # each answer also a read error
    assert math.isclose(parse_wrk("HEAD", text).p99_ms, 52.93)
