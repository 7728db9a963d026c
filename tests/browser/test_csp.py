"""The security policy in a real browser: every page, both languages, with the
pinned htmx loaded and the dial moved, reports no policy violation."""

import pytest

from tests.browser.helpers import story_paths


PATHS = story_paths()

REPORT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
});
"""

@pytest.mark.parametrize("path", PATHS)
def test_no_policy_violation(kpage, server, path):
    kpage.add_init_script(REPORT)
    response = kpage.goto(server + path)
    assert response.status == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    kpage.wait_for_function("() => window.htmx !== undefined")
    kpage.wait_for_load_state("networkidle")
    assert kpage.evaluate("window.__csp") == []
    assert [p for p in kpage.watch.problems if "Content Security Policy" in p or "Refused" in p] == []


def test_a_violation_would_be_seen(kpage, server):
    """The listener works: an inline script the page did not send is refused and reported."""
    kpage.add_init_script(REPORT)
    kpage.goto(server + "/en/chapter/7")
    kpage.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                              document.head.appendChild(s); }""")
    kpage.wait_for_function("() => window.__csp.length > 0")
    assert kpage.evaluate("window.__ran") is None
    assert any("script-src" in v for v in kpage.evaluate("window.__csp"))


def test_moving_the_dial_stays_within_the_policy(kpage, server):
    kpage.add_init_script(REPORT)
    kpage.goto(server + "/zh/chapter/7")
    dial = kpage.locator("#temperature-t")
    dial.focus()
    before = kpage.locator("#temperature-out").inner_text()
    for _ in range(3):
        kpage.keyboard.press("ArrowRight")
    kpage.wait_for_function(f"() => document.querySelector('#temperature-out').innerText !== {before!r}")
    kpage.wait_for_load_state("networkidle")
    assert kpage.evaluate("window.__csp") == []
