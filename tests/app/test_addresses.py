"""The addresses the site writes: a query string is urlencode's, written sooner."""

import random
import string
from urllib.parse import urlencode

from app.web import addresses


def test_a_query_string_is_exactly_what_urlencode_writes():
    rng = random.Random(7)
    letters = string.printable + "éü中文%&=+#~ "
    assert addresses.query([("temperature.t", "0.7"), ("keep", "temperature")]) == "temperature.t=0.7&keep=temperature"
    for _ in range(5000):
        pairs = [("".join(rng.choice(letters) for _ in range(rng.randrange(0, 9))),
                  "".join(rng.choice(letters) for _ in range(rng.randrange(0, 9)))) for _ in range(rng.randrange(0, 5))]
        assert addresses.query(pairs) == urlencode(pairs), pairs
    assert addresses.query([("n", 10), ("seed", None)]) == urlencode([("n", 10), ("seed", None)])


def test_a_page_is_found_by_its_address_in_its_language(client):
    library = client.app.state.site.library
    for (lang, slug), page in library.pages.items():
        assert library.at(lang, page.path) is page
    assert library.at("en", "/nowhere") is None
    zh = next(p for (lang, _), p in library.pages.items() if lang == "zh")
    assert library.at("en", zh.path) is None
