"""Editor links (issue 11): a promotion/carousel/news link is an http(s) URL or a local path; a script link is
refused in the form and, if one was saved before the rule, never reaches an href of the static home page."""

from __future__ import annotations

import pytest
from wagtail.blocks.struct_block import StructBlockValidationError

from cms import static_page_builder
from cms.blocks import NewsBlock
from cms.demo import ensure_demo_home_page
from commerce.links import is_safe_link
from tests.factories import ensure_wagtail_tree

BAD = [
    "javascript:alert(document.cookie)",
    "JAVASCRIPT:alert(1)",
    " javascript:x",
    "java\nscript:x",
    "data:text/html,x",
]
BAD += ["vbscript:x", "//evil.example/x", "https:evil", "\\\\evil.example"]
GOOD = ["", "/goods/1/", "/list/3/?sort=price", "?page=2", "https://www.jd.com/", "http://example.com/a#b"]


@pytest.mark.parametrize("link", BAD)
def test_script_and_offsite_tricks_are_refused(link):
    assert not is_safe_link(link)
    with pytest.raises(StructBlockValidationError) as error:
        NewsBlock().clean(NewsBlock().to_python({"title": "快讯", "link": link}))
    assert "link" in error.value.block_errors


@pytest.mark.parametrize("link", GOOD)
def test_web_and_local_links_are_accepted(link):
    assert is_safe_link(link)
    assert NewsBlock().clean(NewsBlock().to_python({"title": "快讯", "link": link}))["link"] == link


@pytest.mark.django_db
def test_a_script_link_saved_before_the_rule_is_not_published_in_the_static_home(settings, tmp_path):
    settings.STATIC_PAGES_ROOT = tmp_path / "static_pages"
    ensure_wagtail_tree()
    home = ensure_demo_home_page()
    home.news = [("news", {"title": "中奖通知", "link": "javascript:alert(document.cookie)"})]
    home.save_revision().publish()  # bypasses form validation, like a row saved before it existed
    assert static_page_builder.build_home_page() is True
    html = static_page_builder.home_file("zh-hans").read_text(encoding="utf-8")
    assert "中奖通知" in html
    assert "javascript:" not in html.lower()
