"""The practice's details and look as the admin sets them in the workspace, and the
therapists' photos: checked on the way in, shown on the visitor pages and in mails."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from flask import has_request_context
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from booking.extensions import db
from booking.models import MediaImage, MessageKind, PracticeProfile, Recipient, Therapist
from booking.models.outbox_payloads import PAYLOAD_TYPES
from booking.services import notifications, outbox
from booking.settings import settings_of
from tests.conftest import FIXED_NOW
from tests.web.forms import hidden_inputs
from tests.web.workspace_support import PASSWORD, csrf, sign_in

DETAILS = "/workspace/admin/details"
GPS_IFD = 0x8825


def picture(size=(400, 300), format="PNG", colour="teal", **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format, **options)
    return out.getvalue()


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    return picture(format="JPEG", exif=exif.tobytes())


@pytest.fixture(autouse=True)
def bookable(first_session):
    """The free first consultation the booking pages offer."""
    return first_session


@pytest.fixture
def admin_client(client, admin):
    sign_in(client, admin.email)
    return client


class Visitor:
    """A visitor's browser: every page it asks for must be there."""

    def __init__(self, client):
        self.client = client

    def get(self, path: str):
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    def status(self, path: str) -> int:
        return self.client.get(path).status_code


@pytest.fixture
def visitor(app) -> Visitor:
    return Visitor(app.test_client())


def save_details(client, lang="de", **changes):
    form = {"csrf_token": csrf(client, DETAILS), "name": "Praxis am See",
            "email": "kontakt@praxis-am-see.example", "phone": "+49 30 123 456",
            "address": "Seestraße 1\n10115 Berlin", "accent": "", **changes}
    return client.post(f"{DETAILS}?lang={lang}", data=form)


def upload(client, path, data: bytes, filename="picture.png", content_type="image/png",
           page=None):
    form = {"csrf_token": csrf(client, page or DETAILS),
            "picture": FileStorage(io.BytesIO(data), filename, content_type=content_type)}
    # Encoded in memory: the test client would spool a big upload to a temporary file
    # that nothing closes when the app refuses the body unread.
    boundary, body = encode_multipart(form)
    return client.post(path, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def media_of(page: str, css_class: str) -> list[tuple[str, str]]:
    """(src, alt) of the page's images with that class."""
    return [(unescape(src), unescape(alt)) for src, alt in re.findall(
        rf'<img class="{css_class}" src="([^"]+)" alt="([^"]*)"', page)]


def stored_images() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(MediaImage))


def test_until_the_admin_saves_the_settings_name_the_practice(app, visitor, make_therapist):
    make_therapist()
    page = visitor.get("/book").get_data(as_text=True)
    assert app.config["PRACTICE_NAME"] in page
    assert app.config["PRACTICE_EMAIL"] in visitor.get("/datenschutz").get_data(as_text=True)


def test_the_saved_details_are_on_the_visitor_pages(admin_client, visitor, make_therapist):
    make_therapist()
    response = save_details(admin_client)
    assert response.status_code == 303
    page = visitor.get("/book").get_data(as_text=True)
    assert "<title>" in page and "· Praxis am See</title>" in page
    assert 'class="brand"' in page and "Praxis am See</a>" in page
    assert "kontakt@praxis-am-see.example" in visitor.get("/datenschutz").get_data(as_text=True)
    db.session.rollback()
    row = db.session.get(PracticeProfile, 1)
    assert (row.phone, row.address) == ("+49 30 123 456", "Seestraße 1\n10115 Berlin")


def test_mails_sign_with_the_saved_name_and_address_without_a_request(
        app, admin_client, make_booking):
    save_details(admin_client)
    db.session.rollback()
    booking = make_booking()
    payload = PAYLOAD_TYPES[MessageKind.CONFIRMED](**outbox.about(booking, Recipient.VISITOR))
    message = outbox.enqueue(booking, payload, FIXED_NOW)
    db.session.flush()
    assert not has_request_context()  # as in the worker
    mail = notifications.render(message, now=FIXED_NOW, mail=settings_of(app).mail)
    text = mail.get_body(("plain",)).get_content()
    assert "Praxis am See" in text and "kontakt@praxis-am-see.example" in text
    assert app.config["PRACTICE_NAME"] not in text


@pytest.mark.parametrize("lang, message", [
    ("de", "#767676 ist zu hell: Weiße Schrift auf Schaltflächen hat darauf einen Kontrast "
           "von 4,54:1 und Links in dieser Farbe auf dem Seitenhintergrund 4,35:1."),
    ("en", "#767676 is too light: white button text on it has a contrast of 4.54:1 and "
           "links in it on the page background 4.35:1."),
])
def test_an_accent_colour_that_fails_wcag_aa_is_refused_with_its_ratios(
        admin_client, lang, message):
    response = save_details(admin_client, lang=lang, accent="#767676")
    assert response.status_code == 422
    assert message in unescape(response.get_data(as_text=True))
    db.session.rollback()
    assert db.session.get(PracticeProfile, 1) is None  # nothing saved, not even the name


@pytest.mark.parametrize("accent", ["blue", "#12345", "#0b5c6b;}body{display:none"])
def test_what_is_no_colour_is_refused(admin_client, accent):
    response = save_details(admin_client, accent=accent)
    assert response.status_code == 422
    assert "Bitte geben Sie eine Farbe als #rrggbb an" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(PracticeProfile, 1) is None


def test_a_passing_accent_colour_reaches_the_pages_through_a_cached_stylesheet(
        admin_client, visitor, make_therapist):
    make_therapist()
    assert save_details(admin_client, accent="#7A1F5C").status_code == 303
    page = visitor.get("/book").get_data(as_text=True)
    [theme] = re.findall(r'<link rel="stylesheet" href="(/theme/[0-9a-f]+\.css)">', page)
    assert ' style="' not in page and "<style" not in page  # the CSP allows neither
    response = visitor.get(theme)
    assert response.mimetype == "text/css"
    assert "--accent:#7a1f5c;" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Set-Cookie" not in response.headers
    # Another colour, another address; the old one is gone.
    save_details(admin_client, accent="#005a9c")
    assert visitor.status(theme) == 404


def test_without_an_accent_colour_no_theme_is_linked(admin_client, visitor, make_therapist):
    make_therapist()
    save_details(admin_client, accent="")
    assert "/theme/" not in visitor.get("/book").get_data(as_text=True)


def test_a_therapist_without_a_meeting_link_of_their_own_gets_the_practices_default(
        admin_client, visitor, make_therapist, make_booking, token_of):
    response = save_details(admin_client, meeting_url=" https://raum.praxis.example/{room} ")
    assert response.status_code == 303
    db.session.rollback()
    booking = make_booking(make_therapist(meeting_url=""), confirmed=True)
    page = visitor.get(f"/b/{token_of(booking)}?lang=en").get_data(as_text=True)
    assert f'href="https://raum.praxis.example/{booking.meeting_room}"' in page


@pytest.mark.parametrize("template, message", [
    ("http://video.praxis.example/{room}", "Bitte geben Sie eine vollständige Adresse an"),
    ("https://video.praxis.example/{room}/{room}", "Verwenden Sie {room} höchstens einmal"),
    ("https://{room}.praxis.example/", "Das ist keine vollständige Webadresse"),
    ("javascript:alert(1)", "Bitte geben Sie eine vollständige Adresse an"),
])
def test_a_default_meeting_link_that_is_not_sane_is_refused_with_the_reason_and_nothing_saved(
        admin_client, template, message):
    response = save_details(admin_client, meeting_url=template)
    assert response.status_code == 422
    assert message in unescape(response.get_data(as_text=True))
    db.session.rollback()
    assert db.session.get(PracticeProfile, 1) is None  # nothing saved, not even the name


def test_a_fixed_default_meeting_link_is_saved_with_a_warning_that_clients_share_the_room(
        admin_client):
    assert save_details(admin_client, meeting_url="https://meet.example/praxis").status_code == 303
    db.session.rollback()
    assert db.session.get(PracticeProfile, 1).meeting_url == "https://meet.example/praxis"
    warned = admin_client.get(f"{DETAILS}?lang=en").get_data(as_text=True)
    assert 'class="problem shared-room"' in warned and "meets in the same room" in warned
    save_details(admin_client, meeting_url="https://video.praxis.example/{room}")
    assert "shared-room" not in admin_client.get(DETAILS).get_data(as_text=True)


def test_a_logo_is_shown_on_the_visitor_pages_and_served_for_a_year(
        admin_client, visitor, make_therapist):
    make_therapist()
    response = upload(admin_client, "/workspace/admin/details/logo", picture())
    assert response.status_code == 303
    page = visitor.get("/book").get_data(as_text=True)
    [(src, alt)] = media_of(page, "logo")
    assert re.fullmatch(r"/media/[0-9a-f]{64}\.png", src) and alt == ""  # the name follows
    served = visitor.get(src)
    assert served.mimetype == "image/png"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in served.headers
    assert Image.open(io.BytesIO(served.data)).format == "PNG"
    again = visitor.client.get(src, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_a_logo_with_gps_metadata_is_stored_without_it(admin_client, visitor):
    upload(admin_client, "/workspace/admin/details/logo", photo_with_gps(), "logo.jpg",
           "image/jpeg")
    [(src, _)] = media_of(admin_client.get(DETAILS).get_data(as_text=True), "logo-preview")
    stored = Image.open(io.BytesIO(visitor.get(src).data))
    assert stored.getexif().get_ifd(GPS_IFD) == {} and "exif" not in stored.info


@pytest.mark.parametrize("data, filename, content_type, message", [
    (b"Nur Text, kein Bild", "logo.png", "image/png", "keine PNG-, JPEG- oder WebP-Datei"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg",
     "image/svg+xml", "keine PNG-, JPEG- oder WebP-Datei"),
    (picture((20_000, 20_000), colour="black"), "bomb.png", "image/png", "zu viele Pixel"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024), "huge.png", "image/png",
     "größer als 2 MB"),
])
def test_an_upload_that_is_no_acceptable_image_is_refused_and_stores_nothing(
        admin_client, data, filename, content_type, message):
    response = upload(admin_client, "/workspace/admin/details/logo?lang=de", data, filename,
                      content_type)
    assert response.status_code == 422
    assert message in unescape(response.get_data(as_text=True))
    assert stored_images() == 0
    assert db.session.get(PracticeProfile, 1) is None


class CountingStream(io.BytesIO):
    """A request body that tells how much of it was read."""

    taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


@pytest.mark.parametrize("page, path", [
    (DETAILS, "/workspace/admin/details/logo"),
    ("/workspace/profile", "/workspace/profile/photo"),
])
def test_a_body_larger_than_any_picture_is_refused_unread_with_the_reason(
        admin_client, page, path):
    form = {"csrf_token": csrf(admin_client, page),
            "picture": FileStorage(io.BytesIO(b"\0" * (5 * 1024 * 1024)), "huge.png",
                                   content_type="image/png")}
    boundary, body = encode_multipart(form)
    stream = CountingStream(body)
    response = admin_client.post(
        f"{path}?lang=de", input_stream=stream, content_length=len(body),
        content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 303 and response.location.endswith(page)
    assert stream.taken == 0
    assert "größer als 2 MB" in unescape(admin_client.get(page).get_data(as_text=True))
    assert stored_images() == 0


def test_an_upload_without_its_csrf_token_is_refused(admin_client):
    response = admin_client.post("/workspace/admin/details/logo", data={
        "picture": (io.BytesIO(picture()), "logo.png", "image/png")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert stored_images() == 0


def test_a_therapists_photo_replaces_the_initials_on_the_team_page_and_the_week_picker(
        client, visitor, make_therapist):
    therapist = make_therapist()
    therapist.display_name = "Dr. Anna Berger"
    therapist.set_password(PASSWORD)
    db.session.commit()
    initials = '<div class="avatar" aria-hidden="true">AB</div>'
    assert initials in visitor.get("/book").get_data(as_text=True)
    sign_in(client, therapist.email)
    response = upload(client, "/workspace/profile/photo", photo_with_gps(), "me.jpg",
                      "image/jpeg", page="/workspace/profile")
    assert response.status_code == 303
    team = visitor.get("/book").get_data(as_text=True)
    [(src, alt)] = media_of(team, "avatar")
    assert alt == "Dr. Anna Berger" and initials not in team
    week = visitor.get(f"/book/{therapist.slug}").get_data(as_text=True)
    assert media_of(week, "avatar") == [(src, "Dr. Anna Berger")]
    stored = Image.open(io.BytesIO(visitor.get(src).data))
    assert (stored.format, stored.size) == ("JPEG", (320, 320))
    assert stored.getexif().get_ifd(GPS_IFD) == {}


def test_a_removed_photo_gives_the_initials_back_and_is_deleted(client, visitor,
                                                                make_therapist):
    therapist = make_therapist()
    therapist.set_password(PASSWORD)
    db.session.commit()
    sign_in(client, therapist.email)
    upload(client, "/workspace/profile/photo", picture(), page="/workspace/profile")
    assert stored_images() == 1
    token = hidden_inputs(client.get("/workspace/profile").get_data(as_text=True))
    response = client.post("/workspace/profile/photo/remove",
                           data={"csrf_token": token["csrf_token"]})
    assert response.status_code == 303
    assert media_of(visitor.get("/book").get_data(as_text=True), "avatar") == []
    assert stored_images() == 0  # a photo is personal data: nothing keeps it


def test_a_therapist_is_told_why_a_photo_is_refused(client, make_therapist):
    therapist = make_therapist()
    therapist.set_password(PASSWORD)
    db.session.commit()
    sign_in(client, therapist.email)
    response = upload(client, "/workspace/profile/photo?lang=en", b"GIF89a not at all",
                      "me.png", page="/workspace/profile")
    assert response.status_code == 422
    assert "is not a PNG, JPEG or WebP image" in response.get_data(as_text=True)
    assert stored_images() == 0


def test_the_admin_sets_a_colleagues_photo_on_their_member_page(admin_client, visitor,
                                                                make_therapist):
    colleague = make_therapist()
    page = f"/workspace/admin/team/{colleague.id}"
    response = upload(admin_client, f"{page}/photo", picture(), page=page)
    assert response.status_code == 303
    db.session.rollback()
    photo = db.session.get(Therapist, colleague.id).photo
    assert photo and f"/media/{photo}" in admin_client.get(page).get_data(as_text=True)
    refused = upload(admin_client, f"{page}/photo?lang=de", b"<svg/>", "x.svg",
                     "image/svg+xml", page=page)
    assert refused.status_code == 303
    assert "keine PNG-, JPEG- oder WebP-Datei" in unescape(
        admin_client.get(page).get_data(as_text=True))
    db.session.rollback()
    assert db.session.get(Therapist, colleague.id).photo == photo


def test_the_same_picture_twice_is_stored_once_and_unknown_pictures_are_not_found(
        admin_client, visitor, make_therapist):
    first, second = make_therapist(), make_therapist()
    for therapist in (first, second):
        page = f"/workspace/admin/team/{therapist.id}"
        upload(admin_client, f"{page}/photo", picture(), page=page)
    assert stored_images() == 1
    assert visitor.status("/media/" + "0" * 64 + ".png") == 404
    assert visitor.status("/media/" + "0" * 64 + ".svg") == 404
    assert visitor.status("/media/../../etc/passwd") == 404
