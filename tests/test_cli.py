"""The `booking` command: clear one-line errors, nothing half-written."""

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import SessionType, Therapist, WorkingHours
from booking.services.demo import DEMO_LOGIN

PASSWORD = "lange-genug-123"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args, password=PASSWORD):
        return runner.invoke(args=list(args), input=f"{password}\n{password}\n")

    return invoke


def therapists() -> int:
    return db.session.scalar(select(func.count()).select_from(Therapist))


def test_create_therapist_asks_for_the_password_and_stores_only_its_hash(cli):
    result = cli("create-therapist", "--email", "Eva.Muster@Praxis.example",
                 "--name", "Dr. Eva Müster", "--admin", "--languages", "de,en")
    assert result.exit_code == 0, result.output
    therapist = db.session.scalar(select(Therapist))
    assert therapist.email == "eva.muster@praxis.example"
    assert therapist.slug == "dr-eva-muester"
    assert therapist.is_admin and therapist.languages == ["de", "en"]
    assert therapist.check_password(PASSWORD)
    assert PASSWORD not in therapist.password_hash
    assert therapist.rules is not None


def test_the_first_therapist_brings_the_free_first_consultation_with_them(app, cli, client):
    """A practice set up from the command line can take bookings at once: without a
    first-consultation type every visitor page would answer "not possible right now"."""
    assert client.get("/book").status_code == 503
    for n in range(2):
        assert cli("create-therapist", "--email", f"eva{n}@praxis.example",
                   "--name", f"Eva {n}").exit_code == 0
    db.session.rollback()
    assert [t.slug for t in db.session.scalars(select(SessionType))] == ["erstgespraech"]
    assert client.get("/book").status_code == 200


@pytest.mark.parametrize("args, message", [
    (["--timezone", "Mars/Olympus"], "unknown time zone"),
    (["--timezone", "../../etc/passwd"], "unknown time zone"),
    (["--email", "not-an-email"], "email"),
    (["--languages", "fr"], "languages"),
])
def test_bad_input_gets_a_one_line_error_and_writes_nothing(cli, args, message):
    base = {"--email": "eva@praxis.example", "--name": "Eva"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = cli("create-therapist", *[x for pair in base.items() for x in pair])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert [line for line in result.output.splitlines() if "rror" in line] == [
        result.output.strip().splitlines()[-1]
    ]
    assert therapists() == 0


def test_a_short_password_is_refused(cli):
    result = cli("create-therapist", "--email", "eva@praxis.example", "--name", "Eva",
                 password="kurz")
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert therapists() == 0


def test_an_existing_therapist_is_refused_and_left_unchanged(cli):
    assert cli("create-therapist", "--email", "eva@praxis.example", "--name", "Eva").exit_code == 0
    result = cli("create-therapist", "--email", "EVA@praxis.example", "--name", "Other Name",
                 password="ein-anderes-passwort")
    assert result.exit_code != 0
    assert "exists already" in result.output
    assert therapists() == 1
    assert db.session.scalar(select(Therapist)).check_password(PASSWORD)


def test_seed_demo_builds_a_bookable_practice_and_is_idempotent(cli):
    first = cli("seed-demo")
    assert first.exit_code == 0, first.output
    counts = (therapists(), db.session.scalar(select(func.count()).select_from(WorkingHours)))
    again = cli("seed-demo")
    assert again.exit_code == 0
    assert "complete already" in again.output
    assert (therapists(), db.session.scalar(
        select(func.count()).select_from(WorkingHours))) == counts
    team = db.session.scalars(select(Therapist)).all()
    assert len(team) >= 2
    assert {"de", "en"} <= {lang for t in team for lang in t.languages}
    demo = db.session.scalar(select(Therapist).where(Therapist.email == DEMO_LOGIN))
    assert demo.check_password("demo-erstgespraech")
    first_session = db.session.scalar(select(SessionType))
    assert (first_session.duration_minutes, first_session.is_free) == (50, True)


def test_seed_demo_if_empty_leaves_a_real_practice_alone(cli):
    cli("create-therapist", "--email", "eva@praxis.example", "--name", "Eva")
    result = cli("seed-demo", "--if-empty")
    assert result.exit_code == 0
    assert therapists() == 1


def test_seed_demo_refuses_a_public_service(app, cli):
    app.config["BASE_URL"] = "https://termine.praxis.example"
    result = cli("seed-demo")
    assert result.exit_code != 0
    assert "refusing" in result.output
    assert therapists() == 0


def test_worker_once_runs_one_round_on_the_app_and_says_what_it_handled(cli):
    result = cli("worker", "--once")
    assert result.exit_code == 0, result.output
    assert result.output == "Handled 0 bookings, messages and calendars.\n"
