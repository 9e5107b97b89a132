"""Profile writes: the member's own details and their picture."""

from django.db import transaction

from community.images import clean_uploaded_image, reencode

# Square sizes kept for each avatar: next to posts, on cards, on the profile page.
AVATAR_SIZES = {"small": 48, "medium": 128, "large": 256}


def stored_files(files):
    """(storage, name) pairs, taken now: FieldFile objects change name when a new file is saved."""
    return [(f.storage, f.name) for f in files if f]


def delete_files_after_commit(names):
    def delete():
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def update_profile(*, profile, display_name, cleaned_data):
    """Save the profile form's fields and the display name that lives on the user."""
    for field, value in cleaned_data.items():
        if field == "treatments":
            profile.treatments.set(value, clear=True)
        else:
            setattr(profile, field, value)
    profile.save()
    profile.user.display_name = display_name
    profile.user.save(update_fields=["display_name"])
    return profile


@transaction.atomic
def set_avatar(*, profile, upload):
    """Check `upload`, store it re-encoded in a few square sizes, then drop the old files.

    Raises ValidationError (nothing changed) when the file is refused."""
    image = clean_uploaded_image(upload)
    old_files = stored_files(profile.avatar_files())
    for name, size in AVATAR_SIZES.items():
        content = reencode(image, fmt="WEBP", size=size, square=True)
        getattr(profile, f"avatar_{name}").save(content.name, content, save=False)
    profile.save()
    delete_files_after_commit(old_files)
    return profile


@transaction.atomic
def remove_avatar(*, profile):
    old_files = stored_files(profile.avatar_files())
    for name in AVATAR_SIZES:
        setattr(profile, f"avatar_{name}", "")
    profile.save()
    delete_files_after_commit(old_files)
    return profile
