"""Avatar uploads: checked by content and size before decoding, re-encoded without EXIF, old picture kept on refusal."""

import io
import os
import resource
import struct
import tracemalloc
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

GPS_IFD = 0x8825


def gps_jpeg():
    image = Image.new("RGB", (640, 480), (200, 120, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (40.0, 26.0, 46.0)
    gps[3] = "W"
    gps[4] = (79.0, 58.0, 56.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png(width=10_000, height=10_000):
    """A real, valid 100-megapixel RGB PNG of about 300 KB: 300 MB once decoded."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + width * 3)  # filter byte + black pixels
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


def svg():
    return b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'


def gif_with_html():
    buffer = io.BytesIO()
    Image.new("P", (16, 16)).save(buffer, format="GIF")
    return buffer.getvalue() + b"<html><body><script>alert(document.cookie)</script></body></html>"


def six_megabyte_png():
    """A genuine PNG under 40 megapixels but over 5 MB (noise does not compress)."""
    image = Image.frombytes("RGB", (1500, 1400), os.urandom(1500 * 1400 * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=0)
    data = buffer.getvalue()
    assert len(data) > 6 * 1024 * 1024
    return data


def upload(client, data, name):
    return client.post(reverse("community:settings-avatar"), {"avatar": SimpleUploadedFile(name, data)})


@pytest.fixture
def member_with_avatar(member_client, member):
    response = upload(member_client, gps_jpeg(), "holiday-in-pittsburgh.jpg")
    assert response.status_code == 302
    member.profile.refresh_from_db()
    return member


@pytest.mark.django_db
def test_gps_jpeg_is_stored_without_exif_in_square_sizes_under_random_names(member_with_avatar):
    """The GPS-tagged photo comes back as square WebP files with no EXIF at all, named at random."""
    assert Image.open(io.BytesIO(gps_jpeg())).getexif().get_ifd(GPS_IFD)  # the input really has GPS
    profile = member_with_avatar.profile
    for field, side in [(profile.avatar_small, 48), (profile.avatar_medium, 128), (profile.avatar_large, 256)]:
        assert field.name.startswith("avatars/")
        assert "holiday" not in field.name and "pittsburgh" not in field.name
        with default_storage.open(field.name) as stored:
            data = stored.read()
        stored_image = Image.open(io.BytesIO(data))
        assert stored_image.format == "WEBP"
        assert stored_image.size == (side, side)
        assert not stored_image.getexif()
        assert "exif" not in stored_image.info
        assert b"PhoneMaker" not in data and b"Exif" not in data


REFUSED = [
    ("100-megapixel PNG", huge_png, "big.png", "too many pixels"),
    ("SVG", svg, "drawing.png", "not a picture we can use"),
    ("GIF with HTML appended", gif_with_html, "funny.jpg", "not a picture we can use"),
    ("6 MB file", six_megabyte_png, "large.png", "too big"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "make", "name", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_bad_files_are_refused_with_message_and_old_avatar_stays(
    member_client, member_with_avatar, label, make, name, message
):
    """Each bad file gets a plain message; the picture saved before is untouched."""
    before = [f.name for f in member_with_avatar.profile.avatar_files()]
    response = upload(member_client, make(), name)
    assert response.status_code == 400, label
    assert message in response.content.decode()
    member_with_avatar.profile.refresh_from_db()
    assert [f.name for f in member_with_avatar.profile.avatar_files()] == before
    assert all(default_storage.exists(name) for name in before)


@pytest.mark.django_db
def test_huge_png_is_refused_without_decoding(member_client):
    """Peak memory stays low: the 300 MB-when-decoded picture is refused from its header."""
    data = huge_png()
    rss_before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    response = upload(member_client, data, "big.png")
    _current, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before_kib) / 1024
    assert response.status_code == 400
    assert python_peak < 20 * 1024 * 1024, f"Python peak {python_peak / 2**20:.1f} MiB"
    # Decoding would add about 300 MiB to the process's peak (Pillow's memory is not Python's).
    assert rss_growth_mib < 64, f"peak RSS grew by {rss_growth_mib:.0f} MiB"


@pytest.mark.django_db
def test_remove_avatar_deletes_files(member_client, member_with_avatar, django_capture_on_commit_callbacks):
    """Removing the picture deletes every stored size once the change is committed."""
    names = [f.name for f in member_with_avatar.profile.avatar_files()]
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(reverse("community:settings-avatar-remove"))
    assert response.status_code == 302
    member_with_avatar.profile.refresh_from_db()
    assert not member_with_avatar.profile.has_avatar
    assert not any(default_storage.exists(name) for name in names)


@pytest.mark.django_db
def test_new_avatar_replaces_old_files(member_client, member_with_avatar, django_capture_on_commit_callbacks):
    """A new picture leaves no orphaned files from the old one."""
    old = [f.name for f in member_with_avatar.profile.avatar_files()]
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(member_client, gps_jpeg(), "again.jpg").status_code == 302
    member_with_avatar.profile.refresh_from_db()
    new = [f.name for f in member_with_avatar.profile.avatar_files()]
    assert set(new).isdisjoint(old), (old, new)
    assert all(default_storage.exists(n) for n in new)
    assert not any(default_storage.exists(n) for n in old)
