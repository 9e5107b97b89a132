"""Newsletter forms: signing up, a subscriber's preferences, a member's opt-in."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community import digests as registry
from community.models.newsletter import Frequency, SubscriberSource

CONSENT_TEXT = _(
    "Yes, please e-mail me the Myeloma Forum newsletter. I can stop it at any time "
    "with one click, and my address is never shared."
)

SCHEDULE_CHOICES = [
    ("weekly", _("Once a week")),
    ("daily", _("Once a day")),
    ("pause_2w", _("Pause for two weeks, then carry on")),
    ("pause_month", _("Pause for a month, then carry on")),
]


class NewsletterSignupForm(forms.Form):
    name = forms.CharField(
        label=_("Your first name (optional)"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        error_messages={
            "required": _("Please type your e-mail address."),
            "invalid": _("This does not look like an e-mail address. It should look like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={"required": _("Please tick the box to say you would like our e-mails.")},
    )
    # Honeypot: hidden from people by CSS, left empty by them; robots fill it in.
    website = forms.CharField(
        label=_("Leave this box empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    source = forms.ChoiceField(
        choices=[(SubscriberSource.SIGNUP_PAGE, ""), (SubscriberSource.ARTICLE_BOX, "")],
        required=False,
        widget=forms.HiddenInput,
    )

    def is_robot(self):
        return bool(self.cleaned_data.get("website"))

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def clean_source(self):
        return self.cleaned_data.get("source") or SubscriberSource.SIGNUP_PAGE


class PreferencesForm(forms.Form):
    schedule = forms.ChoiceField(
        label=_("How often would you like to hear from us?"),
        choices=SCHEDULE_CHOICES,
        widget=forms.RadioSelect,
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics to show first (optional)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    newly_diagnosed_mode = forms.BooleanField(
        label=_("Newly diagnosed mode: leave out posts about relapse and end of life"),
        required=False,
        help_text=_("Moderators mark these posts; with this on, your e-mails skip them."),
    )

    def __init__(self, *args, subscriber, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "schedule": subscriber.frequency,
                "topics": subscriber.topics,
                "newly_diagnosed_mode": subscriber.newly_diagnosed_mode,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = registry.topic_choices()
        if not self.fields["topics"].choices:
            del self.fields["topics"]


class MemberNewsletterForm(forms.Form):
    subscribed = forms.BooleanField(label=_("Send me the Myeloma Forum newsletter"), required=False)
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=Frequency.choices,
        initial=Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )
