"""Markdown written by people, turned into HTML that is safe to show: whatever the text holds, no script runs."""

from __future__ import annotations

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> str:
    """HTML of `text`: Markdown first (it lets raw HTML through), then nh3 keeps only the tags above.

    `<script>`, `<style>`, event attributes and `javascript:` links are dropped; headings start at h2 because the
    page has its own h1."""
    html = markdown_lib.markdown(text or "", extensions=["sane_lists", "tables", "nl2br"], output_format="html")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
