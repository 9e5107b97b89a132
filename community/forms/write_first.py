"""Forms for visitors who write first and join after: the member forms (same length
limits, honeypot and contact-details warning) plus a name and an e-mail address,
and no links at all until the address is confirmed."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from community.forms.discussion import CommentForm, QuestionForm
from community.markdown import render_markdown

# Bare addresses count too: spammers rarely bother with Markdown.
LINK_RE = re.compile(
    r"(https?://|ftp://|mailto:|www\.|\b[a-z0-9-]+\.(com|net|org|info|biz|io|co|ru|cn|xyz|top|site|online|shop|"
    r"club|live|app|link|click|us|uk|de)\b)",
    re.IGNORECASE,
)
NO_LINKS_MESSAGE = _(
    "Please take out the web address. Links are not allowed until you have confirmed your e-mail "
    "address, because that is how most unwanted advertising arrives. You can add it afterwards."
)


def contains_link(text):
    return bool(LINK_RE.search(text) or render_markdown(text, allow_images=False).link_count)


class VisitorFieldsMixin(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=60,
        help_text=_("Shown with your post. A first name is enough."),
        error_messages={"required": _("Please tell us your name (a first name is enough).")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("Never shown to anyone. We send you one e-mail with a link to publish your post."),
        error_messages={
            "required": _("Please give your e-mail address so we can send you the link."),
            "invalid": _("This does not look like an e-mail address. Please check it, e.g. name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, prefix_id="wf", **kwargs):
        # Unique ids: the article page also has the newsletter box with its own e-mail field.
        kwargs.setdefault("auto_id", f"{prefix_id}-%s")
        super().__init__(*args, user=None, **kwargs)

    def clean_website(self):
        # The honeypot is hidden, so its refusal is shown at the top of the form.
        if self.cleaned_data.get("website"):
            self.add_error(None, _("Sorry, this could not be posted. Please try again."))
        return ""

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if contains_link(name):
            raise forms.ValidationError(NO_LINKS_MESSAGE)
        return name

    def clean_body(self):
        body = super().clean_body()
        if contains_link(body):
            raise forms.ValidationError(NO_LINKS_MESSAGE)
        return body


class VisitorCommentForm(VisitorFieldsMixin, CommentForm):
    field_order = ["name", "email", "body", "confirm_contact", "website"]


class VisitorQuestionForm(VisitorFieldsMixin, QuestionForm):
    field_order = [
        "name",
        "email",
        "title",
        "body",
        "topics",
        "other_tags",
        "is_anonymous",
        "confirm_contact",
        "website",
    ]

    def clean_title(self):
        title = self.cleaned_data["title"]
        if contains_link(title):
            raise forms.ValidationError(NO_LINKS_MESSAGE)
        return title
