"""Rich text is cleaned by nh3 on the way in and again on the way out."""

from core.richtext import clean, plain, render

HOSTILE = '<p onclick="steal()">好<script>alert(1)</script><a href="javascript:alert(2)">x</a> <b>粗</b><img src=x onerror=alert(3)></p>'


def test_script_handlers_and_dangerous_links_are_removed_and_formatting_kept():
    cleaned = clean(HOSTILE)
    for bad in ("script", "onclick", "javascript:", "onerror", "<img"):
        assert bad not in cleaned
    assert "<b>粗</b>" in cleaned and "好" in cleaned
    assert clean('<a href="https://example.cn/x">链接</a>') == '<a href="https://example.cn/x" rel="noopener nofollow">链接</a>'


def test_plain_text_becomes_paragraphs_and_is_escaped():
    assert clean("第一行\n第二行\n\n<第二段> & 好") == "<p>第一行<br>第二行</p>\n\n<p>&lt;第二段&gt; &amp; 好</p>"
    assert clean("   ") == "" and clean(None) == ""


def test_rendering_cleans_again_what_was_stored_raw_and_plain_reads_the_words():
    assert "script" not in render(HOSTILE)
    assert plain("<p>甲 &amp; 乙</p><ul><li>丙</li><li>丁</li></ul>") == "甲 & 乙 丙 丁"
