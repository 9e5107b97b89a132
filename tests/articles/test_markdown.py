"""The shared Markdown renderer lets no script, handler, bad scheme or raw HTML through."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community.markdown import render_markdown
from tests.articles.attack_strings import ATTACK_STRINGS
from tests.articles.html_checks import html_problems

# Pieces an attacker would combine; Hypothesis mixes them with arbitrary text.
FRAGMENTS = st.sampled_from(
    [
        "<script>", "</script>", "<img src=x onerror=alert(1)>", "javascript:", "JaVaScRiPt:", "[", "](",
        ")", "![", "<", ">", '"', "'", "onload=", "<a href=", "&#", "\n\n", "# ", "`", "|", "<svg", "data:",
    ]
)  # fmt: skip
MARKDOWN_ISH = st.lists(st.one_of(FRAGMENTS, st.text(max_size=12)), max_size=25).map("".join)


@pytest.mark.parametrize("attack", ATTACK_STRINGS)
@pytest.mark.parametrize("options", [{}, {"allow_images": False, "max_links": 2}, {"with_heading_anchors": True}])
def test_attack_strings_render_inert(attack, options):
    """Every attack string renders with no active script, handler, style or bad link."""
    html = render_markdown(attack, **options).html
    assert html_problems(html) == []
    # Raw HTML typed into the text comes out as visible text, never as a tag.
    assert "<script" not in html.lower()
    assert "<img src=x" not in html.lower()


def test_raw_html_is_shown_as_text():
    """A member who types HTML sees it as text; nothing is interpreted."""
    html = render_markdown("<b>bold</b> and <div>block</div>").html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>" not in html and "<div>" not in html


@given(MARKDOWN_ISH)
@settings(max_examples=300, deadline=None)
def test_property_output_never_active(text):
    """Whatever the input, the output parses to HTML with nothing that can run."""
    for options in ({}, {"allow_images": False, "max_links": 1}, {"with_heading_anchors": True}):
        html = render_markdown(text, **options).html
        assert html_problems(html) == [], (text, html)
        assert "<script" not in html.lower()


def test_links_keep_safe_schemes_and_mark_external():
    """http, https and mailto stay; external links get nofollow noopener, internal ones do not."""
    html = render_markdown("[a](https://ex.org/) [b](/articles/x/) [c](mailto:a@b.org) [d](ftp://ex.org/f)").html
    assert '<a href="https://ex.org/" rel="nofollow noopener">a</a>' in html
    assert '<a href="/articles/x/">b</a>' in html
    assert 'href="mailto:a@b.org"' in html
    assert 'href="ftp' not in html


def test_max_links_turns_extra_links_into_text_and_counts_all():
    """Links beyond the limit stay as words; the count reports every link written."""
    rendered = render_markdown("[a](https://a.org) [b](https://b.org) [c](https://c.org)", max_links=2)
    assert rendered.link_count == 3
    assert rendered.html.count("<a ") == 2
    assert "c.org" not in rendered.html and " c</p>" in rendered.html


def test_images_can_be_switched_off():
    """New members' posts carry no images; the alt text remains."""
    assert "<img" in render_markdown("![a cat](https://ex.org/cat.png)").html
    html = render_markdown("![a cat](https://ex.org/cat.png)", allow_images=False).html
    assert "<img" not in html and "a cat" in html


def test_heading_anchors_and_toc():
    """Headings get unique ids; h2/h3 make the table of contents; h1 is demoted."""
    rendered = render_markdown("# Top\n\n## Same\n\n### Sub part\n\n## Same", with_heading_anchors=True)
    assert '<h2 id="top">Top</h2>' in rendered.html
    assert '<h2 id="same-2">Same</h2>' in rendered.html
    assert [(e.level, e.anchor) for e in rendered.toc] == [(2, "top"), (2, "same"), (3, "sub-part"), (2, "same-2")]
    assert " id=" not in render_markdown("## Plain").html
