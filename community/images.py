"""Checking and re-encoding uploaded images (avatars, article hero images).

Uploads are checked by their content, never by their name: Pillow is told which
formats it may recognise, the pixel count is read from the header before any
decoding (a tiny PNG can expand to gigabytes), and every accepted image is
re-encoded so no EXIF, GPS or trailing bytes survive."""

import secrets
import warnings
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_FORMATS = ("JPEG", "PNG", "WEBP")
_EXTENSIONS = {"WEBP": "webp", "JPEG": "jpg", "PNG": "png"}


def _size_of(file):
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    return size


def _open_header(file, allowed):
    """Open lazily (header only) with an explicit format list."""
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(file, formats=list(allowed))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(_too_many_pixels_message(), code="too_many_pixels") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise ValidationError(
            _("This file is not a picture we can use. Please choose a JPEG, PNG or WebP photo."),
            code="invalid_image",
        ) from exc


def _too_many_pixels_message(max_pixels=DEFAULT_MAX_PIXELS):
    return _("This picture has too many pixels. Please use one under %(max)s megapixels, such as a phone photo.") % {
        "max": max_pixels // 1_000_000
    }


def _decode(image):
    """Decode the pixels, treating Pillow's bomb warning as a refusal."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(_too_many_pixels_message(), code="too_many_pixels") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("This picture seems to be damaged. Please try another one."), code="broken_image"
        ) from exc
    return image


def clean_uploaded_image(file, *, max_bytes=DEFAULT_MAX_BYTES, max_pixels=DEFAULT_MAX_PIXELS, allowed=DEFAULT_FORMATS):
    """Return a decoded, trusted PIL image or raise ValidationError with a plain message."""
    if _size_of(file) > max_bytes:
        raise ValidationError(
            _("This file is too big. Please choose a picture smaller than %(mb)s MB.")
            % {"mb": max_bytes // (1024 * 1024)},
            code="file_too_big",
        )
    image = _open_header(file, allowed)
    width, height = image.size
    if width * height > max_pixels:
        raise ValidationError(_too_many_pixels_message(max_pixels), code="too_many_pixels")
    if image.format not in allowed:
        raise ValidationError(_("Please choose a JPEG, PNG or WebP photo."), code="invalid_format")
    return _decode(image)


def _square(image, size):
    return ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)


def _to_mode(image, fmt):
    if fmt == "JPEG":
        return image.convert("RGB")
    return image.convert("RGBA") if image.mode in ("RGBA", "LA", "P") else image.convert("RGB")


def reencode(image, *, fmt="WEBP", size=None, square=False):
    """Encode `image` afresh (no metadata at all) as WEBP or JPEG, optionally resized.

    `size` is the longest side, or the side of the square when `square` is True."""
    image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    if square and size:
        image = _square(image, size)
    elif size:
        image = image.copy()
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
    buffer = BytesIO()
    # No exif=, icc_profile= or pnginfo: Pillow writes none unless asked.
    _to_mode(image, fmt).save(buffer, format=fmt, quality=85)
    return ContentFile(buffer.getvalue(), name=random_upload_name(_EXTENSIONS.get(fmt, fmt.lower())))


def random_upload_name(ext):
    """A name that says nothing about the member or the original file."""
    return f"{secrets.token_urlsafe(18)}.{ext.lstrip('.')}"
