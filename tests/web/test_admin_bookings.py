"""The admin's list of all bookings: narrowed by therapist, status, source and dates,
and exported as CSV with the report's conventions."""

from __future__ import annotations

import csv
import io
import re

import pytest

from booking.extensions import db
from tests.support import berlin
from tests.web.forms import hidden_inputs
from tests.web.workspace_support import sign_in

LIST = "/workspace/admin/bookings"


@pytest.fixture
def carla(make_therapist):
    therapist = make_therapist()
    therapist.display_name = "Carla Kollegin"
    db.session.commit()
    return therapist


@pytest.fixture
def practice(client, admin, carla, make_booking):
    """Four bookings: two of Carla's from two articles (one confirmed, one on the next
    week), one of Ada's without a source, one with a formula for a name."""
    make_booking(carla, start=berlin("2026-06-03", "09:00"), email="a@example.org",
                 name="Anton Streit", cta_source="artikel-streit", confirmed=True,
                 message="Bitte nur vormittags")
    make_booking(carla, start=berlin("2026-06-10", "09:00"), email="b@example.org",
                 name="Berta Nähe", cta_source="artikel-naehe")
    make_booking(admin, start=berlin("2026-06-04", "10:00"), email="c@example.org",
                 name="Cem Ohnequelle")
    make_booking(admin, start=berlin("2026-06-05", "10:00"), email="d@example.org",
                 name="=HYPERLINK(\"x\")", cta_source="@artikel")
    sign_in(client, admin.email)
    return client


def shown(client, query: str = "") -> str:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_list_narrows_by_therapist(practice, carla):
    page = shown(practice, f"therapist={carla.id}")
    assert "Anton Streit" in page and "Berta Nähe" in page
    assert "Cem Ohnequelle" not in page


def test_the_list_narrows_by_status(practice):
    page = shown(practice, "status=confirmed")
    assert "Anton Streit" in page and "Berta Nähe" not in page


def test_the_list_narrows_by_source_and_by_none(practice):
    page = shown(practice, "source=artikel-naehe")
    assert "Berta Nähe" in page and "Anton Streit" not in page
    without = shown(practice, "source=-")
    assert "Cem Ohnequelle" in without and "Berta Nähe" not in without


def test_the_source_filter_says_in_plain_words_what_no_source_means(practice):
    page = shown(practice)
    assert '<option value="-">direkt aufgerufen, nicht über einen Artikel</option>' in page
    assert "ohne Quelle" not in page


def test_the_list_narrows_by_dates_in_the_admins_zone_both_days_included(practice):
    page = shown(practice, "start_from=2026-06-04&start_to=2026-06-05")
    assert "Cem Ohnequelle" in page and "HYPERLINK" in page
    assert "Anton Streit" not in page and "Berta Nähe" not in page


def test_filters_that_do_not_fit_are_named_and_change_nothing(practice):
    page = shown(practice, "start_from=2026-06-09&start_to=2026-06-01&status=lost&therapist=x")
    assert "Das Enddatum liegt vor dem Anfangsdatum." in page
    assert page.count('class="error"') == 3  # the dates, the status, the therapist
    assert "Anton Streit" in page and "Berta Nähe" in page  # the dates were ignored


def export(client, query: str = "") -> list[list[str]]:
    response = client.get(f"/workspace/admin/bookings.csv?{query}")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_filtered_list_is_exported_as_csv_in_the_admins_words(practice, carla):
    rows = export(practice, f"therapist={carla.id}&status=confirmed")
    assert rows[0] == ["Datum", "Uhrzeit", "Minuten", "Therapeut/in", "Klient/in",
                       "E-Mail-Adresse", "Telefon", "Partner/in", "Status", "Quelle",
                       "Gebucht am"]
    assert rows[1:] == [["2026-06-03", "09:00", "50", "Carla Kollegin", "Anton Streit",
                         "a@example.org", "", "", "bestätigt", "artikel-streit",
                         "2026-06-01 10:00"]]


def test_the_export_defuses_formulas_and_leaves_out_messages_and_notes(practice):
    rows = export(practice)
    text = "\n".join(";".join(row) for row in rows)
    assert "'=HYPERLINK" in text and "'@artikel" in text
    assert "vormittags" not in text


def test_an_english_admin_gets_commas_and_english_headers(practice):
    response = practice.get("/workspace/admin/bookings.csv?lang=en&status=confirmed")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:])))
    assert rows[0][:3] == ["Date", "Time", "Minutes"] and rows[1][8] == "confirmed"


def test_the_page_links_the_export_with_the_same_filters(practice, carla):
    page = shown(practice, f"therapist={carla.id}&source=artikel-streit")
    assert (f'href="/workspace/admin/bookings.csv?therapist={carla.id}&amp;'
            f'source=artikel-streit"') in page


def searched(client, term: str, query: str = "") -> str:
    """The list searched for `term` the way the page does it: posted, with its token."""
    address = f"{LIST}?{query}" if query else LIST
    token = hidden_inputs(shown(client, query))["csrf_token"]
    response = client.post(address, data={"csrf_token": token, "q": term})
    assert response.status_code == 200  # shown at once: no redirect carries the term
    return response.get_data(as_text=True)


def test_the_search_is_posted_and_keeps_the_filters_of_the_address(practice, carla):
    page = searched(practice, "b@example", f"therapist={carla.id}")
    assert "Berta Nähe" in page and "Anton Streit" not in page
    assert "Cem Ohnequelle" not in searched(practice, "Cem", f"therapist={carla.id}")


def test_a_search_in_the_address_is_ignored(practice):
    page = shown(practice, "q=a%40example.org")
    assert "Anton Streit" in page and "Berta Nähe" in page
    assert "a%40example.org" not in page and "q=" not in page


def test_a_searched_list_is_exported_by_posting_the_term(practice, carla):
    page = searched(practice, "Berta", f"therapist={carla.id}")
    form = re.search(r'<form method="post" action="([^"]+bookings\.csv[^"]*)"[^>]*>(.*?)</form>',
                     page, re.S)
    assert form and form.group(1) == f"/workspace/admin/bookings.csv?therapist={carla.id}"
    response = practice.post(form.group(1).replace("&amp;", "&"),
                             data=hidden_inputs(form.group(2)))
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:]), delimiter=";"))
    assert [row[4] for row in rows[1:]] == ["Berta Nähe"]


def test_no_search_term_appears_in_any_address_the_lists_link_or_send_to(practice, admin):
    term = "b@example.org"
    addresses = []
    for page in (searched(practice, term), searched(practice, term, "past=1&status=pending"),
                 searched(practice, term, "past=1")):
        addresses += re.findall(r'(?:href|action|src)="([^"]*)"', page)
    token = hidden_inputs(shown(practice))["csrf_token"]
    workspace = practice.post("/workspace/", data={"csrf_token": token, "q": term,
                                                   "past": "1"})
    assert workspace.status_code == 200 and workspace.location is None
    addresses += re.findall(r'(?:href|action|src)="([^"]*)"', workspace.get_data(as_text=True))
    assert addresses and all("example" not in a and "q=" not in a for a in addresses)
