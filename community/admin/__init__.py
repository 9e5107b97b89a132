"""Admin registrations, one module per sub-domain; importing them registers them."""

from community.admin import accounts, discussion, moderation, newsletter  # noqa: F401
