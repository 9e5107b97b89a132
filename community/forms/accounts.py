"""Forms for the member's own pages: profile, picture, notifications, deletion."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.images import DEFAULT_MAX_BYTES, clean_uploaded_image
from community.models import Profile, Visibility

VISIBILITY_FIELDS = [
    "location_visibility",
    "diagnosis_year_visibility",
    "treatments_visibility",
    "role_visibility",
    "about_visibility",
    "avatar_visibility",
]


class ProfileForm(forms.ModelForm):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("The name other members see. You can use a first name or a nickname."),
    )

    class Meta:
        model = Profile
        fields = [
            "post_anonymously",
            "role",
            "role_visibility",
            "city",
            "state",
            "location_visibility",
            "diagnosis_year",
            "diagnosis_year_visibility",
            "treatments",
            "treatments_visibility",
            "about",
            "about_visibility",
            "avatar_visibility",
        ]
        widgets = {
            **{name: forms.RadioSelect for name in VISIBILITY_FIELDS},
            "role": forms.RadioSelect,
            "about": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].initial = user.display_name
        self.fields["role"].choices = [("", _("I would rather not say")), *self.fields["role"].choices[1:]]
        self.order_fields(["display_name"])

    def clean_diagnosis_year(self):
        year = self.cleaned_data.get("diagnosis_year")
        if year is not None and not 1950 <= year <= timezone.now().year:
            raise forms.ValidationError(_("Please enter a year between 1950 and this year, such as 2019."))
        return year

    def profile_data(self):
        return {name: value for name, value in self.cleaned_data.items() if name != "display_name"}


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label=_("Choose a picture"),
        help_text=_("A JPEG, PNG or WebP photo up to %(mb)s MB. We make it square and remove hidden details.")
        % {"mb": DEFAULT_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_avatar(self):
        upload = self.cleaned_data["avatar"]
        clean_uploaded_image(upload)  # refuses by content with a plain message
        upload.seek(0)
        return upload


class NotificationForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["notification_email"]
        widgets = {"notification_email": forms.RadioSelect}
        labels = {"notification_email": _("When someone replies to you or to a question you follow, e-mail me")}


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account, profile and picture are deleted for good."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            # Members who only use Facebook or Google confirm through a fresh sign-in instead.
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That password is not right. Please try again."))
        return password


__all__ = ["ProfileForm", "AvatarForm", "NotificationForm", "DeleteAccountForm", "Visibility"]
