"""Uploaded pictures (the practice's logo, therapists' photos) made safe to serve:
only real PNG, JPEG or WebP images within a size limit are taken, and each is
decoded and encoded afresh, so that nothing of the upload but its pixels survives
(no EXIF with GPS position or camera serial, no XMP, no comments, no second frame,
no bytes a browser could sniff as something else); and the logo made small for the
mails, which carry it inside themselves. Pure: no Flask, no database.

Pillow is imported by the functions that decode and encode: a worker that only serves
visitors' pages never handles an upload, and would carry Pillow's modules and
libraries (about 2.5 MB) for nothing. What the pages need of this module, the limits and
ImageRefused, comes without it."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from booking.errors import InvalidInput

if TYPE_CHECKING:
    from PIL import Image

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# Decoded size: a few kilobytes of PNG can declare a 50,000 x 50,000 canvas (a
# decompression bomb). The header's dimensions are checked before anything is decoded.
MAX_PIXELS = 24_000_000
MAX_SIDE = 8000
ACCEPTED_FORMATS = frozenset({"PNG", "JPEG", "WEBP"})  # never SVG: it can carry script
PHOTO_SIDE = 320
LOGO_BOX = (800, 240)
# The logo at the top of a mail, in CSS pixels: a letterhead, not a banner. It is
# stored with MAIL_LOGO_DENSITY pixels to each, sharp on high-density screens.
MAIL_LOGO_BOX = (160, 64)
MAIL_LOGO_DENSITY = 2


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded image, ready to store and serve under its content hash."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def file_name(self) -> str:
        return f"{self.sha256}.{self.extension}"


@dataclass(frozen=True)
class MailLogo:
    """The logo as a mail carries it: a small PNG and the size the mail shows it at."""

    png: bytes
    width: int  # CSS pixels: the <img>'s width and height attributes
    height: int


class ImageRefused(InvalidInput):
    """Why an upload is not taken: `reason` is one of "not_image", "too_big",
    "too_many_pixels"; `limit` is the limit it broke, for the message."""

    def __init__(self, reason: str, message: str, limit: int = 0):
        super().__init__("image", message)
        self.reason = reason
        self.limit = limit


# What Pillow's decoders raise on damaged or hostile files, besides OSError: Pillow's
# own fuzz tests (Tests/oss-fuzz) expect these too. Any of them refuses the upload.
_BROKEN = (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, KeyError,
           ZeroDivisionError, struct.error)


def _opened(data: bytes) -> Image.Image:
    """The upload opened (header read, nothing decoded yet), when it is one of the
    accepted formats and within the pixel limits."""
    from PIL import Image, UnidentifiedImageError  # on the first upload only: see above

    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRefused("too_big", f"{len(data)} bytes, more than {MAX_UPLOAD_BYTES}",
                           MAX_UPLOAD_BYTES)
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard warns from 89 megapixels; ours below is stricter.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # formats=: Pillow does not even try its other decoders (it has none for SVG).
            image = Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
    except Image.DecompressionBombError as error:
        raise _too_many_pixels("more than 179 million") from error
    except UnidentifiedImageError as error:
        raise ImageRefused("not_image", "not a PNG, JPEG or WebP image") from error
    except _BROKEN as error:
        raise ImageRefused("not_image", "a damaged image") from error
    width, height = image.size
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise _too_many_pixels(f"{width} x {height}")
    return image


def _too_many_pixels(size: str) -> ImageRefused:
    return ImageRefused("too_many_pixels",
                        f"{size} pixels, more than {MAX_PIXELS} or {MAX_SIDE} on a side",
                        MAX_PIXELS)


def _pixels(data: bytes) -> Image.Image:
    """The first frame's pixels, upright (EXIF orientation applied before EXIF goes),
    as RGB or RGBA."""
    from PIL import Image, ImageOps  # on the first upload only: see above

    image = _opened(data)
    try:
        with warnings.catch_warnings():
            # Below MAX_PIXELS Pillow's own bomb warning cannot fire; a broken file
            # may still warn while decoding, and is refused below like any other.
            warnings.simplefilter("ignore")
            image.load()
            upright = ImageOps.exif_transpose(image)
    except _BROKEN as error:
        raise ImageRefused("not_image", "the image data is damaged") from error
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info)
    converted = upright.convert("RGBA" if has_alpha else "RGB")
    # A new image of the same pixels: no info dictionary (EXIF, XMP, ICC, comments)
    # travels along to the encoder.
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


def clean_photo(data: bytes) -> CleanImage:
    """A therapist's photo: cropped to a centred square of PHOTO_SIDE pixels, JPEG."""
    from PIL import Image, ImageOps  # on the first upload only: see above

    pixels = _pixels(data)
    if pixels.mode == "RGBA":  # JPEG has no transparency: put it on white
        background = Image.new("RGB", pixels.size, "white")
        background.paste(pixels, mask=pixels.getchannel("A"))
        pixels = background
    square = ImageOps.fit(pixels, (PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return CleanImage(out.getvalue(), "image/jpeg", "jpg", PHOTO_SIDE, PHOTO_SIDE)


def clean_logo(data: bytes) -> CleanImage:
    """The practice's logo: at most LOGO_BOX, transparency kept, PNG."""
    from PIL import Image  # on the first upload only: see above

    pixels = _pixels(data)
    pixels.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    pixels.save(out, "PNG", optimize=True)
    return CleanImage(out.getvalue(), "image/png", "png", *pixels.size)


def mail_logo(logo: bytes) -> MailLogo:
    """A stored logo (clean_logo's PNG) made small for mail: shown within MAIL_LOGO_BOX,
    with MAIL_LOGO_DENSITY times its pixels where the logo has them (never enlarged)."""
    from PIL import Image  # only where mail with a logo is sent: see above

    pixels = _pixels(logo)
    box = (MAIL_LOGO_BOX[0] * MAIL_LOGO_DENSITY, MAIL_LOGO_BOX[1] * MAIL_LOGO_DENSITY)
    small = pixels.resize(_fitted(pixels.size, box), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, "PNG", optimize=True)
    return MailLogo(out.getvalue(), *_fitted(small.size, MAIL_LOGO_BOX))


def _fitted(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """`size` scaled down to fit into `box`, its proportions kept; never enlarged."""
    width, height = size
    scale = min(1, box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))
