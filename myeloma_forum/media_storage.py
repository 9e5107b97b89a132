"""Where uploaded pictures live, from one variable: MEDIA_STORAGE_URL.

- empty (default): files under MEDIA_ROOT on this machine (one node only, or a
  shared mount);
- `file:///srv/forum-media`: the same, in that folder;
- `s3://bucket?endpoint_url=https://s3.example&region_name=...`: an S3-compatible
  bucket through django-storages, so every node reads and writes the same place.
  Query parameters are django-storages' S3 options (`custom_domain`,
  `querystring_auth`, `location`, `addressing_style`, ...). Credentials come from
  AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the machine's role), never the URL.

Plain functions of strings, so settings.py can call them before Django is set up."""

from urllib.parse import parse_qsl, urlsplit

_BOOLEAN_OPTIONS = {"querystring_auth", "file_overwrite", "use_ssl", "verify", "gzip"}
_INTEGER_OPTIONS = {"querystring_expire", "max_memory_size"}
FILESYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"


def _option(name, value):
    if name in _BOOLEAN_OPTIONS:
        return value.lower() in {"1", "true", "yes", "on"}
    if name in _INTEGER_OPTIONS:
        return int(value)
    return value


def s3_options(url):
    parts = urlsplit(url)
    if not parts.netloc:
        raise ValueError("MEDIA_STORAGE_URL s3:// needs a bucket name: s3://bucket?endpoint_url=...")
    # Uploads get random names (community/images.py) and pages cache their
    # URLs for hours, so plain URLs by default: signed ones would expire.
    options = {"bucket_name": parts.netloc, "querystring_auth": False, "file_overwrite": False}
    options.update({name: _option(name, value) for name, value in parse_qsl(parts.query)})
    if parts.path.strip("/"):
        options.setdefault("location", parts.path.strip("/"))
    return options


def media_root(url, default):
    """MEDIA_ROOT: the folder of a file:// URL, else `default`."""
    return urlsplit(url).path if url and urlsplit(url).scheme == "file" else default


def media_storage(url):
    """The STORAGES["default"] entry for `url` (empty or file:// means local files in MEDIA_ROOT)."""
    scheme = urlsplit(url).scheme if url else ""
    if scheme in ("", "file"):
        # No fixed location: the storage follows MEDIA_ROOT (tests move it).
        return {"BACKEND": FILESYSTEM}
    if scheme == "s3":
        return {"BACKEND": S3, "OPTIONS": s3_options(url)}
    raise ValueError(f"MEDIA_STORAGE_URL must start with s3:// or file://, not {scheme}://")


def media_origin(storage):
    """The origin pictures are served from when it is not this site (for the CSP)."""
    options = storage.get("OPTIONS", {})
    if storage["BACKEND"] != S3:
        return None
    if options.get("custom_domain"):
        return f"{options.get('url_protocol', 'https:')}//{options['custom_domain']}"
    endpoint = urlsplit(options.get("endpoint_url", ""))
    if endpoint.netloc:
        return f"{endpoint.scheme}://{endpoint.netloc}"
    return f"https://{options['bucket_name']}.s3.amazonaws.com"
