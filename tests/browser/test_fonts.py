"""Chinese and the bell as readers see them: the test browser draws them with real
fonts (Debian's Noto CJK and Noto Color Emoji, installed by `make test`), not boxes.

Chromium tells, through its DevTools protocol, which installed font drew each
character of an element (``CSS.getPlatformFontsForNode``). Without a CJK font the
Chinese heading is drawn by a Latin font's missing-glyph box; without the emoji
font the bell is too. A second, independent check measures on a canvas: in a CJK
font every Han character is one em wide, while missing glyphs are not.
"""

import pytest


def platform_fonts(page, selector):
    """[(family, glyph count)] of the fonts Chromium used to draw ``selector``'s text."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, f"nothing matches {selector}"
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return [(f["familyName"], f["glyphCount"]) for f in fonts]


@pytest.mark.parametrize("path", ["/zh/", "/zh/chapter/3"])
def test_a_chinese_heading_is_drawn_in_a_cjk_font(kpage, server, path):
    kpage.goto(server + path)
    heading = kpage.locator("h1").inner_text()
    han = sum(1 for ch in heading if "\u4e00" <= ch <= "\u9fff")
    assert han >= 2, heading
    fonts = platform_fonts(kpage, "h1")
    cjk = sum(n for family, n in fonts if "CJK" in family)
    assert cjk >= han, f"the heading {heading!r} is drawn in {fonts}"


def test_han_characters_are_one_em_wide_on_a_canvas(kpage, server):
    """Measured with the page's own Chinese font stack: each of the site's Han
    characters as wide as the font size, and different characters equally wide."""
    kpage.goto(server + "/zh/")
    widths = kpage.evaluate(
        """() => {
             const h1 = document.querySelector('h1');
             const style = getComputedStyle(h1);
             const ctx = document.createElement('canvas').getContext('2d');
             ctx.font = `${style.fontWeight} 100px ${style.fontFamily}`;
             return [...'学徒厨房旋钮'].map(ch => ctx.measureText(ch).width);
           }"""
    )
    assert all(abs(w - 100) < 1 for w in widths), widths


def test_the_bell_is_drawn_in_a_colour_emoji_font(kpage, server):
    kpage.goto(server + "/zh/chapter/2")
    kpage.evaluate(
        """() => {
             const h = [...document.querySelectorAll('h2')].find(e => e.textContent.includes('\\u{1F6CE}'));
             h.id = h.id || 'bell-heading';
             h.dataset.bell = '1';
           }"""
    )
    fonts = platform_fonts(kpage, "h2[data-bell]")
    assert any("Emoji" in family and n >= 1 for family, n in fonts), fonts
