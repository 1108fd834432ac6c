"""Feed markup to plain text."""

from connectors.news.text import html_to_text


def test_tags_entities_scripts_and_white_space():
    html = ("<p>Nvidia&rsquo;s shares fell&nbsp;17% &amp; <b>DeepSeek</b> topped the "
            "charts.</p><script>var x = 1;</script><style>p{}</style><p>Second&#8230;</p>"
            "<img src='a.png'/>")
    assert html_to_text(html) == ("Nvidia’s shares fell 17% & DeepSeek topped the charts. "
                                  "Second…")


def test_empty_and_plain():
    assert html_to_text(None) == "" and html_to_text("") == ""
    assert html_to_text("  plain\n text ") == "plain text"
