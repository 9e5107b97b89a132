"""Community models, one module per sub-domain, re-exported here so that
`from community.models import User` works wherever the model lives."""

from community.models.accounts import User
from community.models.discussion import (
    CURATED_TOPICS,
    Answer,
    Comment,
    Follow,
    Question,
    Reaction,
    ReactionKind,
    Revision,
    Thread,
)
from community.models.newsletter import (
    ConsentAction,
    ConsentRecord,
    DigestSendLog,
    Frequency,
    Subscriber,
    SubscriberSource,
    SubscriberStatus,
)
from community.models.notifications import Notification, NotificationEmailLog
from community.models.profiles import MemberRole, NotificationEmail, Profile, Visibility

__all__ = ["User", "Profile", "Visibility", "NotificationEmail", "MemberRole"]
__all__ += [
    "Subscriber",
    "SubscriberStatus",
    "SubscriberSource",
    "Frequency",
    "ConsentAction",
    "ConsentRecord",
    "DigestSendLog",
]
__all__ += [
    "CURATED_TOPICS",
    "Thread",
    "Comment",
    "Question",
    "Answer",
    "Revision",
    "Reaction",
    "ReactionKind",
    "Follow",
    "Notification",
    "NotificationEmailLog",
]
from community.models.moderation import (  # noqa: E402  (moderation, issue 7)
    AuditAction,
    AuditLogEntry,
    CrisisResource,
    HoldReason,
    MemberNote,
    ModeratorNote,
    Report,
    ReportReason,
    ReviewItem,
    WordListEntry,
)

__all__ += [
    "AuditAction",
    "AuditLogEntry",
    "CrisisResource",
    "HoldReason",
    "MemberNote",
    "ModeratorNote",
    "Report",
    "ReportReason",
    "ReviewItem",
    "WordListEntry",
]
from community.models.pending import PendingPost  # noqa: E402  (write first, join after, issue 10)

__all__ += ["PendingPost"]
from community.models.locks import JobLock  # noqa: E402  (scale-out, issue 11)

__all__ += ["JobLock"]
