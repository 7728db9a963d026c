"""Checks every widget's route tests share.

What a widget computes (its numbers, names, orders, and the message for a bad
value) is read from its JSON twin, ``/api/widget/{name}``: ``twin`` and
``twin_refusal``. The HTML is checked only for how it shows that data.
"""

import html
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

from markupsafe import escape


def twin(client, widget, lang="en", query=None, /, **params):
    """The data ``widget``'s partial renders in ``lang`` for the query (a dict of bare
    or namespaced keys, and/or keyword arguments), from its JSON twin."""
    r = client.get(f"/api/widget/{widget}", params={**(query or {}), **params, "lang": lang})
    assert r.status_code == 200, (widget, lang, r.text[:300])
    return r.json()["data"]


def twin_refusal(client, name, query, lang):
    """The message the twin gives, in ``lang``, for the bad state ``query`` (a query string)."""
    r = client.get(f"/api/widget/{name}?{query}&lang={lang}")
    assert r.status_code == 422, (name, lang, query, r.text[:300])
    (detail,) = r.json()["detail"]
    return detail["msg"]


def shown(text):
    """``text`` as a partial writes it into the HTML."""
    return str(escape(text))


def assert_refused(client, name, chapter, query, zh, en):
    """A bad state of widget ``name`` is refused the same way in both languages.

    The twin is a 422 whose message says ``zh`` or ``en`` in that language. The
    fragment is a 422 whose alert shows that message, with the widget and its form
    still there so the reader can fix it; the chapter page with the same state
    (each key namespaced) is a 422 that shows it too.
    """
    for lang, message in (("zh", zh), ("en", en)):
        said = twin_refusal(client, name, query, lang)
        assert html.unescape(message) in said, (lang, query, said)
        r = client.get(f"/{lang}/widget/{name}?{query}")
        assert r.status_code == 422, (lang, query)
        assert 'class="widget-error" role="alert"' in r.text
        assert html.unescape(said) in html.unescape(r.text), (lang, query)
        assert f'id="w-{name}"' in r.text and "<form" in r.text
        namespaced = "&".join(f"{name}.{part}" for part in query.split("&"))
        page = client.get(f"/{lang}/chapter/{chapter}?{namespaced}")
        assert page.status_code == 422, (lang, query)
        assert html.unescape(said) in html.unescape(page.text) and "<h1>" in page.text


class _Form(HTMLParser):
    """The action and the fields a browser sends for the first form in some HTML."""

    def __init__(self, button):
        super().__init__()
        self.button = button      # (name, value) of the submit button pressed, if it has a name
        self.action = None
        self.fields = []
        self._select = None
        self._done = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        if tag == "form" and self.action is None:
            self.action = a.get("action", "")
        elif tag == "input" and "name" in a and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            if kind in ("submit", "button", "image", "reset"):
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and "name" in a:
            self._select = [a["name"], None, None]
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in a:
                self._select[2] = value

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, first, chosen = self._select
            self.fields.append((name, chosen if chosen is not None else first))
            self._select = None
        elif tag == "form" and self.action is not None:
            self._done = True


def submit_without_js(client, page_url, form_html, button=None):
    """What a browser without JavaScript does when the reader sends the form in
    ``form_html`` on the page at ``page_url`` (pressing ``button``, a (name, value) pair,
    if given): a GET of the form's action with its fields and the page as Referer.
    The answer is a 303 to the page in its new state; returns that address's query as
    (key, value) pairs and the page it answers."""
    form = _Form(button)
    form.feed(form_html)
    fields = form.fields + ([button] if button else [])
    action = form.action.split("#", 1)[0]
    r = client.get(action + "?" + urlencode(fields), headers={"Referer": "http://testserver" + page_url},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["cache-control"] == "no-store", r.status_code
    location = r.headers["location"]
    assert location.startswith(action + "?") and "keep=" not in location
    return parse_qsl(urlsplit(location).query, keep_blank_values=True), client.get(location)
