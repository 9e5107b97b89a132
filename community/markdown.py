"""The one safe Markdown renderer for the whole site (articles, comments, questions).

Two layers, because either alone has gaps: markdown-it-py runs with raw HTML
switched off (so `<script>` typed by a member becomes visible text, never a tag)
and refuses `javascript:`-style links; nh3 then cleans the produced HTML against
a short allow-list, so even a bug in the first layer cannot let an event handler,
a style attribute or an unknown URL scheme through.

Usage:
    rendered = render_markdown(text, max_links=2, allow_images=False)
    rendered.html         # safe HTML, ready for |safe
    rendered.toc          # [TocEntry(level, anchor, text), ...] when anchors are on
    rendered.link_count   # links written in the text (forms use it to refuse spam)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import nh3
from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
EXTERNAL_REL = "nofollow noopener"
# Headings shown in a table of contents; deeper ones are too fine-grained to list.
TOC_LEVELS = (2, 3)

_BASE_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6", "hr",
        "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_BASE_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "abbr": {"title"},
    "ol": {"start"},
    **{f"h{n}": {"id"} for n in range(2, 7)},
}


@dataclass(frozen=True)
class TocEntry:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc: list[TocEntry] = field(default_factory=list)
    link_count: int = 0


def _parser() -> MarkdownIt:
    # "commonmark" with html=False: raw HTML in the source is escaped as text.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


_MD = _parser()


def is_external(href: str) -> bool:
    """True for links that leave the site (absolute or protocol-relative URLs)."""
    parts = urlsplit(href.strip())
    return bool(parts.scheme or parts.netloc)


def _inline_text(token: Token) -> str:
    return "".join(child.content for child in token.children or [] if child.type in {"text", "code_inline"})


def _add_heading_anchors(tokens: list[Token], with_anchors: bool) -> list[TocEntry]:
    """Demote h1 to h2 (the page title is the only h1) and give headings unique ids."""
    toc, seen = [], set()
    for index, token in enumerate(tokens):
        if token.type not in {"heading_open", "heading_close"}:
            continue
        if token.tag == "h1":
            token.tag = "h2"
        if token.type == "heading_close" or not with_anchors:
            continue
        text = _inline_text(tokens[index + 1])
        anchor = base = slugify(text) or "section"
        counter = 2
        while anchor in seen:
            anchor, counter = f"{base}-{counter}", counter + 1
        seen.add(anchor)
        token.attrSet("id", anchor)
        level = int(token.tag[1])
        if level in TOC_LEVELS:
            toc.append(TocEntry(level=level, anchor=anchor, text=text))
    return toc


def _rewrite_inline(children: list[Token], *, allow_images: bool, max_links: int | None, count: list[int]):
    """Mark external links, turn surplus links and (optionally) images into plain text."""
    result, dropping = [], False
    for child in children:
        if child.type == "link_open":
            count[0] += 1
            dropping = max_links is not None and count[0] > max_links
            if dropping:
                continue
            if is_external(str(child.attrGet("href") or "")):
                child.attrSet("rel", EXTERNAL_REL)
        elif child.type == "link_close":
            if dropping:
                dropping = False
                continue
        elif child.type == "image" and not allow_images:
            child = Token("text", "", 0, content=child.content)
        result.append(child)
    return result


def _clean(html: str, *, allow_images: bool) -> str:
    tags = set(_BASE_TAGS) | ({"img"} if allow_images else set())
    attributes = {key: set(value) for key, value in _BASE_ATTRIBUTES.items()}
    if allow_images:
        attributes["img"] = {"src", "alt", "title"}
    return nh3.clean(
        html,
        tags=tags,
        attributes=attributes,
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel=None,  # we set rel ourselves, only on external links
        strip_comments=True,
    )


def render_markdown(
    text: str,
    *,
    allow_images: bool = True,
    max_links: int | None = None,
    with_heading_anchors: bool = False,
) -> RenderedMarkdown:
    """Render member- or editor-written Markdown to safe HTML.

    `max_links`: links beyond this number are shown as their plain text (the
    count still reports every link written, so a form can explain the limit).
    """
    env: dict = {}
    tokens = _MD.parse(text or "", env)
    toc = _add_heading_anchors(tokens, with_heading_anchors)
    count = [0]
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _rewrite_inline(
                token.children, allow_images=allow_images, max_links=max_links, count=count
            )
    html = _MD.renderer.render(tokens, _MD.options, env)
    return RenderedMarkdown(html=_clean(html, allow_images=allow_images), toc=toc, link_count=count[0])
