"""No template marks member input safe. The only `|safe` allowed is on a `*_html` field, and every
value ever stored in such a field comes from the sanitising renderer (community/markdown.py).
`{% autoescape off %}` is allowed only in plain-text e-mail templates (no HTML there to break),
and every `mark_safe` in our code is one a person reviewed (listed below with the reason)."""

import ast
import re
from pathlib import Path

from community.markdown import render_markdown
from tests.articles.attack_strings import ATTACK_STRINGS
from tests.articles.html_checks import html_problems

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("community", "articles", "myeloma_forum")
SAFE_FILTER = re.compile(r"\{\{\s*([^}|]+?)\s*\|\s*safe(?:seq)?\s*\}\}")
RENDERERS = ("render_markdown(", "render_post(", "rendered.html")
# Reviewed mark_safe calls: (file, function) -> why it is safe.
REVIEWED_MARK_SAFE = {
    ("articles/templatetags/articles_tags.py", "json_ld"): "JSON escaped like json_script first",
    ("community/search.py", "highlight"): "every piece escaped before <mark> is added",
    ("community/cache.py", "render_posts"): "our own autoescaped templates, cached",
    ("community/templatetags/forum_cache.py", "_render_all"): "our own autoescaped templates",
}


def _templates():
    return [p for p in (ROOT / "templates").rglob("*") if p.is_file()]


def _python_files():
    for folder in CODE_DIRS:
        yield from (p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def test_safe_filter_only_on_rendered_html_fields():
    offenders, fields = [], set()
    for path in _templates():
        for expression in SAFE_FILTER.findall(path.read_text(errors="replace")):
            name = expression.strip().rsplit(".", 1)[-1]
            if name.endswith("_html"):
                fields.add(name)
            else:
                offenders.append((str(path.relative_to(ROOT)), expression))
    assert offenders == []
    assert "body_html" in fields  # the scan does see the real uses


def test_autoescape_off_only_in_plain_text_templates():
    offenders = [
        str(p.relative_to(ROOT))
        for p in _templates()
        if "autoescape off" in p.read_text(errors="replace") and p.suffix != ".txt"
    ]
    assert offenders == []


def _assigned_values(tree, field):
    """Source of every value assigned to `<anything>.<field>` or passed as `field=` in `tree`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == field:
            yield node.value
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = (
                    zip(target.elts, node.value.elts, strict=False)
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                    else [(target, node.value)]
                )
                yield from (value for t, value in pairs if isinstance(t, ast.Attribute) and t.attr == field)


def test_html_fields_are_only_ever_filled_by_the_sanitising_renderer():
    fields = {"body_html"} | {
        name.rsplit(".", 1)[-1]
        for p in _templates()
        for name in SAFE_FILTER.findall(p.read_text(errors="replace"))
        if name.endswith("_html")
    }
    bad, seen = [], 0
    for path in _python_files():
        source = path.read_text()
        tree = ast.parse(source)
        for field in fields:
            for value in _assigned_values(tree, field):
                seen += 1
                segment = ast.get_source_segment(source, value) or ""
                if not any(r in segment for r in RENDERERS):
                    bad.append((str(path.relative_to(ROOT)), field, segment))
    assert bad == []
    assert seen >= 5
    posting = (ROOT / "community/services/posting.py").read_text()
    assert "render_markdown(" in posting  # render_post is the shared renderer underneath


def test_the_renderer_really_removes_scripts():
    for attack in ATTACK_STRINGS:
        assert html_problems(render_markdown(attack).html) == [], attack


def _mark_safe_calls(path):
    tree = ast.parse(path.read_text())
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "mark_safe",
                    "SafeString",
                ):
                    yield func.name


def test_every_mark_safe_is_reviewed():
    found = {(str(p.relative_to(ROOT)), name) for p in _python_files() for name in _mark_safe_calls(p)}
    assert found <= set(REVIEWED_MARK_SAFE), found - set(REVIEWED_MARK_SAFE)
