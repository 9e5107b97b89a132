"""Forms for questions, answers and comments: validation only (saving is in services)."""

import re

from django import forms
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField

from community.markdown import render_markdown
from community.models import CURATED_TOPICS
from community.services.posting import NEW_MEMBER_MAX_LINKS, is_new_member

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Seven or more digits, allowing spaces, dots, dashes and brackets between them.
PHONE_RE = re.compile(r"(?:\+?\d[\s().-]*){7,}")


def contains_contact_details(text):
    return bool(EMAIL_RE.search(text) or PHONE_RE.search(text))


class PostingForm(forms.Form):
    """What every posting form shares: honeypot, link limit, contact-details warning."""

    body_min, body_max = 2, 10_000

    # Hidden from people with CSS; bots fill in every field they find.
    website = forms.CharField(
        label=_("Leave this box empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    confirm_contact = forms.BooleanField(label=_("Yes, post it with these contact details"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.needs_contact_confirmation = False
        body = self.fields["body"]
        body.min_length, body.max_length = self.body_min, self.body_max
        body.validators += [MinLengthValidator(self.body_min), MaxLengthValidator(self.body_max)]
        self.fields["body"].error_messages.update(
            {
                "required": _("Please write something before posting."),
                "min_length": _("This is too short to post; please write a little more."),
                "max_length": _(
                    "This is too long: please keep it under %(limit_value)d characters "
                    "(it has %(show_value)d). You could split it into two posts."
                ),
            }
        )

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Sorry, this could not be posted. Please try again."))
        return ""

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if self.user is not None and is_new_member(self.user):
            links = render_markdown(body, allow_images=False).link_count
            if links > NEW_MEMBER_MAX_LINKS:
                raise forms.ValidationError(
                    _("New members can include up to %(max)d links in a post. Please remove %(extra)d."),
                    params={"max": NEW_MEMBER_MAX_LINKS, "extra": links - NEW_MEMBER_MAX_LINKS},
                )
        return body

    def contact_text(self):
        return self.cleaned_data.get("body", "")

    def clean(self):
        cleaned = super().clean()
        if contains_contact_details(self.contact_text()) and not cleaned.get("confirm_contact"):
            self.needs_contact_confirmation = True
            raise forms.ValidationError(
                _(
                    "Your post seems to contain an e-mail address or a phone number. Everyone signed in "
                    "can read it. If you are sure, tick the box below and post again; otherwise remove it."
                ),
                code="contact_details",
            )
        return cleaned


class CommentForm(PostingForm):
    body = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 4}))
    field_order = ["body", "confirm_contact", "website"]
    body_max = 5_000


class AnswerForm(PostingForm):
    body = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 8}))
    field_order = ["body", "confirm_contact", "website"]


class QuestionForm(PostingForm):
    title = forms.CharField(
        label=_("Your question"),
        min_length=10,
        max_length=150,
        help_text=_("One sentence, for example: Why was my dexamethasone stopped?"),
        error_messages={
            "required": _("Please write your question in one sentence."),
            "min_length": _("Your question is a bit short; please say a little more (at least 10 characters)."),
            "max_length": _("Please keep the question under 150 characters and put the details below."),
        },
    )
    body = forms.CharField(
        label=_("Details"),
        help_text=_("What happened, what you were told, what you would like to know."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    topics = forms.MultipleChoiceField(
        label=_("Treatments and topics"),
        choices=[(t, t) for t in CURATED_TOPICS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_tags = TagField(
        label=_("Other topics (optional)"),
        required=False,
        help_text=_("Separate them with commas, for example: fatigue, neuropathy."),
    )
    is_anonymous = forms.BooleanField(label=_('Post anonymously (others see "A Myeloma Forum member")'), required=False)
    field_order = ["title", "body", "topics", "other_tags", "is_anonymous", "confirm_contact", "website"]
    body_min = 10

    def contact_text(self):
        return f"{self.cleaned_data.get('title', '')} {self.cleaned_data.get('body', '')}"

    def clean_other_tags(self):
        tags = self.cleaned_data.get("other_tags") or []
        if len(tags) > 5 or any(len(t) > 50 for t in tags):
            raise forms.ValidationError(_("Please add at most 5 other topics, each under 50 characters."))
        return tags

    def tags(self):
        return [*self.cleaned_data.get("topics", []), *self.cleaned_data.get("other_tags", [])]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
