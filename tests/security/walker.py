"""Walk every route in the URL resolver and fill its parameters with real objects.

Routes change while others work, so nothing here lists URLs: each pattern found
in the resolver gets a concrete path. Parameters are filled by their name (and,
where one name means different things, by the route's name) from a `World` of
real rows owned by one member; anything unknown gets a sample value, so a new
route is still walked (and must still not fail or leak) the day it appears."""

import dataclasses
import re

from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE = "sample-value"


@dataclasses.dataclass(frozen=True)
class Route:
    name: str  # "community:question-edit"; "" when the pattern has no name
    pattern: str  # the pattern as written, prefix included
    path: str  # a concrete path ("/questions/12/edit/")

    @property
    def is_admin(self):
        return self.path.startswith("/admin/")


def iter_patterns(patterns=None, prefix="", namespace=""):
    """(full pattern text, namespaced name, pattern object) for every route."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from iter_patterns(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else ""
            yield prefix + str(entry.pattern), name, entry


def _clean_regex(text):
    return text.replace("^", "").replace("$", "").replace("\\", "")


def concrete_path(pattern_text, name, values):
    """Fill `<conv:param>` and `(?P<param>...)` from `values(name, param)`."""
    # re_path() named groups first: their "<name>" would otherwise look like a path() converter.
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values(name, m.group(1))), pattern_text)
    text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values(name, m.group(1))), text)
    return "/" + _clean_regex(text).lstrip("/")


def walk(world):
    """Every route of the site as a `Route` with a concrete path, static and media files left out."""
    routes = {}
    for pattern_text, name, _entry in iter_patterns():
        path = concrete_path(pattern_text, name, world.value)
        if path.startswith(("/static/", "/media/")):
            continue
        routes.setdefault(path, Route(name=name, pattern=pattern_text, path=path))
    return sorted(routes.values(), key=lambda r: r.path)


class World:
    """Real rows owned by `owner`, used to fill route parameters."""

    def __init__(self, **objects):
        self.__dict__.update(objects)

    def value(self, route_name, param):  # noqa: C901 (one flat lookup table)
        by_route = {
            ("community:notification-open", "pk"): self.notification.pk,
            ("community:report-post", "kind"): "comment",
            ("community:report-post", "pk"): self.comment.pk,
            ("community:comment-create-for", "kind"): "article",
            ("community:comment-create-for", "pk"): self.article.pk,
            ("community:question-detail", "slug"): self.question_slug,
            ("community:reaction-toggle", "kind"): "hug",
        }
        if (route_name, param) in by_route:
            return by_route[(route_name, param)]
        if param == "pk":
            for word, obj in (("answer", self.answer), ("comment", self.comment), ("reaction", self.comment)):
                if word in route_name:
                    return obj.pk
            return self.question.pk
        by_param = {
            "user_id": self.owner.pk,
            "thread_id": self.question.thread_id,
            "slug": self.article.slug,
            "tag": self.tag_slug,
            "tag_slug": self.tag_slug,
            "target": "comment",
            "token": self.preferences_token,
            "object_id": self.owner.pk,
            "id": self.owner.pk,
            "content_type_id": self.user_content_type_id,
            "app_label": "community",
        }
        return by_param.get(param, SAMPLE)
