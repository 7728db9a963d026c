"""Checks every widget's route tests share."""

import html


def assert_refused(client, name, chapter, query, zh, en):
    """A bad state of widget ``name`` is refused the same way in both languages.

    The fragment is a 422 whose alert says ``zh`` or ``en`` in the page's
    language, with the widget and its form still there so the reader can fix
    it; the chapter page with the same state (each key namespaced) is a 422
    that says it too.
    """
    for lang, message in (("zh", zh), ("en", en)):
        r = client.get(f"/{lang}/widget/{name}?{query}")
        assert r.status_code == 422, (lang, query)
        assert 'class="widget-error" role="alert"' in r.text
        message = html.unescape(message)
        assert message in html.unescape(r.text), (lang, query)
        assert f'id="w-{name}"' in r.text and "<form" in r.text
        namespaced = "&".join(f"{name}.{part}" for part in query.split("&"))
        page = client.get(f"/{lang}/chapter/{chapter}?{namespaced}")
        assert page.status_code == 422, (lang, query)
        assert message in html.unescape(page.text) and "<h1>" in page.text
