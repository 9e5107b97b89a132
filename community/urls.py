from django.urls import path  # noqa: F401  (routes arrive with the community features)

from community.views import accounts as account_views
from community.views import discussion as discussion_views
from community.views import moderation as moderation_views
from community.views import newsletter as newsletter_views
from community.views import notifications as notification_views
from community.views import questions as question_views
from community.views import search as search_views
from community.views import write_first as write_first_views

app_name = "community"

urlpatterns = [
    # Members (issue 4): profiles and the member's own settings.
    path("members/<int:user_id>/", account_views.member_profile, name="member-profile"),
    path("settings/", account_views.settings_index, name="settings"),
    path("settings/profile/", account_views.settings_profile, name="settings-profile"),
    path("settings/picture/", account_views.settings_avatar, name="settings-avatar"),
    path("settings/picture/remove/", account_views.settings_avatar_remove, name="settings-avatar-remove"),
    path("settings/notifications/", account_views.settings_notifications, name="settings-notifications"),
    path("settings/my-data/", account_views.settings_export, name="settings-export"),
    path("settings/delete-account/", account_views.settings_delete, name="settings-delete"),
    # Newsletter and digests (issue 6).
    path("newsletter/", newsletter_views.signup, name="newsletter-signup"),
    path("newsletter/check-your-email/", newsletter_views.check_email, name="newsletter-check-email"),
    path("newsletter/confirm/<str:token>/", newsletter_views.confirm, name="newsletter-confirm"),
    path("newsletter/preferences/<str:token>/", newsletter_views.preferences, name="newsletter-preferences"),
    path("newsletter/unsubscribe/<str:token>/", newsletter_views.unsubscribe, name="newsletter-unsubscribe"),
    path("settings/newsletter/", newsletter_views.member_settings, name="settings-newsletter"),
    # Discussion (issue 5): questions, answers, comments, reactions, notifications, search.
    path("questions/", question_views.question_list, name="question-list"),
    # Members ask as before; visitors ask with name and e-mail (write first, issue 10).
    path("questions/ask/", write_first_views.question_ask, name="question-ask"),
    path("questions/topic/<slug:tag_slug>/", question_views.question_list, name="question-tag"),
    path("questions/<int:pk>/", question_views.question_detail, name="question-detail-short"),
    path("questions/<int:pk>/answer/", question_views.answer_create, name="answer-create"),
    path("questions/<int:pk>/edit/", question_views.question_edit, name="question-edit"),
    path("answers/<int:pk>/edit/", question_views.answer_edit, name="answer-edit"),
    path("answers/<int:pk>/most-helpful/", question_views.answer_accept, name="answer-accept"),
    path("questions/<int:pk>/remove/", question_views.post_delete, {"kind": "question"}, name="question-delete"),
    path("answers/<int:pk>/remove/", question_views.post_delete, {"kind": "answer"}, name="answer-delete"),
    # After the fixed /questions/<pk>/<word>/ routes, so "edit" is never read as a slug.
    path("questions/<int:pk>/<slug:slug>/", question_views.question_detail, name="question-detail"),
    path("threads/<int:thread_id>/comment/", discussion_views.comment_create, name="comment-create"),
    path(
        "discussions/<slug:kind>/<int:pk>/comment/",
        discussion_views.comment_create_for_owner,
        name="comment-create-for",
    ),
    path("threads/<int:thread_id>/follow/", discussion_views.follow_toggle, name="follow-toggle"),
    path("comments/<int:pk>/edit/", discussion_views.comment_edit, name="comment-edit"),
    path("comments/<int:pk>/remove/", discussion_views.comment_delete, name="comment-delete"),
    path("reactions/<str:target>/<int:pk>/", discussion_views.reaction_list, name="reaction-list"),
    path("reactions/<str:target>/<int:pk>/<str:kind>/", discussion_views.reaction_toggle, name="reaction-toggle"),
    path("notifications/", notification_views.notification_list, name="notification-list"),
    path("notifications/read/", notification_views.notification_mark_all_read, name="notification-read-all"),
    path("notifications/<int:pk>/", notification_views.notification_open, name="notification-open"),
    path("search/", search_views.search_page, name="search"),
    # Moderation (issue 7): members report posts; crisis resources for everyone.
    path("report/<str:kind>/<int:pk>/", moderation_views.report_post, name="report-post"),
    path("help-now/", moderation_views.crisis_resources, name="crisis-resources"),
    # Write first, join after (issue 10): visitors post with name and e-mail, confirm by link.
    path("write-first/threads/<int:thread_id>/comment/", write_first_views.visitor_comment, name="write-first-comment"),
    path(
        "write-first/discussions/<slug:kind>/<int:pk>/comment/",
        write_first_views.visitor_comment_for_owner,
        name="write-first-comment-for",
    ),
    path("write-first/check-your-email/", write_first_views.sent, name="write-first-sent"),
    path("write-first/confirm/<str:token>/", write_first_views.confirm, name="write-first-confirm"),
]
