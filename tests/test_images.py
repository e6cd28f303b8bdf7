"""Uploaded pictures: only real PNG, JPEG and WebP images within the limits are taken,
and what is stored is a fresh encoding without the upload's metadata."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from booking import images

GPS_IFD, MAKE, ORIENTATION = 0x8825, 0x010F, 0x0112


def encoded(image: Image.Image, format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format, **options)
    return out.getvalue()


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[MAKE] = "Phone of Dr. Berger"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    return encoded(Image.new("RGB", (640, 480), "teal"), "JPEG", exif=exif.tobytes())


@pytest.mark.parametrize("clean", [images.clean_photo, images.clean_logo])
def test_gps_and_camera_metadata_are_not_kept(clean):
    upload = photo_with_gps()
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(GPS_IFD)  # the upload has it
    stored = Image.open(io.BytesIO(clean(upload).data))
    assert dict(stored.getexif()) == {}
    assert stored.getexif().get_ifd(GPS_IFD) == {}
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(stored.info)


def test_a_photo_is_a_jpeg_square_of_320_pixels_whatever_was_uploaded():
    clean = images.clean_photo(encoded(Image.new("RGBA", (900, 300), (0, 0, 0, 0)), "WEBP"))
    stored = Image.open(io.BytesIO(clean.data))
    assert (stored.format, stored.size, clean.content_type) == ("JPEG", (320, 320), "image/jpeg")
    assert clean.file_name == f"{clean.sha256}.jpg"


def test_a_picture_taken_sideways_is_stored_upright():
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: view it rotated by 90°
    sideways = encoded(Image.new("RGB", (100, 50), "white"), "JPEG", exif=exif.tobytes())
    clean = images.clean_logo(sideways)
    assert (clean.width, clean.height) == (50, 100)


def test_a_logo_keeps_its_transparency_as_png_within_its_box():
    clean = images.clean_logo(encoded(Image.new("RGBA", (2400, 600), (0, 0, 0, 0)), "PNG"))
    stored = Image.open(io.BytesIO(clean.data))
    assert (stored.format, stored.mode, stored.size) == ("PNG", "RGBA", (800, 200))


@pytest.mark.parametrize("logo_size, pixels, shown", [
    ((800, 200), (320, 80), (160, 40)),  # as wide as the box allows
    ((240, 240), (128, 128), (64, 64)),  # as high as the box allows
    ((200, 80), (200, 80), (160, 64)),  # fewer pixels than twice the box: all of them
    ((100, 20), (100, 20), (100, 20)),  # smaller than the box: never enlarged
], ids=["wide", "square", "few pixels", "small"])
def test_a_logo_for_mail_fits_its_box_with_twice_the_pixels_where_the_logo_has_them(
        logo_size, pixels, shown):
    stored = images.clean_logo(encoded(Image.new("RGB", logo_size, "teal"), "PNG"))
    logo = images.mail_logo(stored.data)
    small = Image.open(io.BytesIO(logo.png))
    assert (small.format, small.size) == ("PNG", pixels)
    assert (logo.width, logo.height) == shown


def test_a_logo_for_mail_keeps_its_transparency():
    stored = images.clean_logo(encoded(Image.new("RGBA", (800, 200), (0, 0, 0, 0)), "PNG"))
    small = Image.open(io.BytesIO(images.mail_logo(stored.data).png))
    assert small.mode == "RGBA" and small.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("upload", [
    b"This is a text file called logo.png",
    b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10,
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    encoded(Image.new("RGB", (20, 20)), "GIF"),
    encoded(Image.new("RGB", (20, 20)), "BMP"),
])
def test_what_is_not_a_png_jpeg_or_webp_image_is_refused(upload):
    with pytest.raises(images.ImageRefused) as refused:
        images.clean_logo(upload)
    assert refused.value.reason == "not_image"


def test_a_file_larger_than_the_limit_is_refused_before_it_is_decoded():
    with pytest.raises(images.ImageRefused) as refused:
        images.clean_photo(b"\xff\xd8\xff" + b"\0" * images.MAX_UPLOAD_BYTES)
    assert refused.value.reason == "too_big"


@pytest.mark.parametrize("size", [(20_000, 20_000), (6000, 6000), (9000, 10)])
def test_a_small_file_that_declares_too_many_pixels_is_refused_undecoded(size):
    # A one-bit PNG of 20,000 x 20,000 pixels is 50 KB: decoded, 400 million pixels.
    bomb = encoded(Image.new("1", size), "PNG")
    assert len(bomb) < images.MAX_UPLOAD_BYTES
    with pytest.raises(images.ImageRefused) as refused:
        images.clean_photo(bomb)
    assert refused.value.reason == "too_many_pixels"


VALID = [encoded(Image.new("RGB", (48, 32), "teal"), format) for format in ("PNG", "JPEG", "WEBP")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(original=st.sampled_from(VALID), cut=st.integers(min_value=0, max_value=400),
       flips=st.lists(st.tuples(st.integers(min_value=0, max_value=400),
                                st.integers(min_value=0, max_value=255)), max_size=8))
def test_a_damaged_image_is_refused_or_cleaned_never_an_error(original, cut, flips):
    damaged = bytearray(original[:max(cut, 8)] if cut < len(original) else original)
    for position, value in flips:
        if position < len(damaged):
            damaged[position] = value
    for clean in (images.clean_photo, images.clean_logo):
        try:
            result = clean(bytes(damaged))
        except images.ImageRefused:
            continue
        assert Image.open(io.BytesIO(result.data)).format in ("JPEG", "PNG")
