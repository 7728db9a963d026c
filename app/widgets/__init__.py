"""The widget registry: DESIGN.md's sixteen widgets.

Adding a widget takes four pieces, each small:

1. ``app/widgets/<name>.py``: a ``Widget`` subclass with its ``params`` (typed
   query keys with bounds and defaults) and ``compute(state, lang)``, which
   makes one engine call and returns display-ready context.
2. ``templates/widgets/_<name>.html``: the partial. Its root element has the
   stable id ``w-{{ w.ns }}``; the form and output follow the temperature
   partial (see app/README.md).
3. One line in ``BUILT`` below.
4. Where DESIGN.md lists one, a JSON route in ``app/api/routes.py``.

The chapter page, the fragment route ``/{lang}/widget/{name}`` and the embed
page all render the same partial through ``app.widgets.view``.
"""

from app.widgets.base import InputError, Letters, Number, Param, Widget  # noqa: F401
from app.widgets.temperature import TEMPERATURE

# name -> home chapter, exactly as DESIGN.md lists them
NAMES = {
    "recipe-book": 1,
    "tokenizer": 2,
    "flavor-cards": 2,
    "sous-chefs": 3,
    "prep-room": 3,
    "next-dish": 3,
    "kitchen-map": 3,
    "scorecard": 4,
    "guess": 4,
    "trace-back": 5,
    "knob-wall": 5,
    "practice": 6,
    "temperature": 7,
    "sampling": 7,
    "notebook": 7,
    "michelin": 8,
}

from app.widgets.recipe_book import RECIPE_BOOK  # noqa: E402
from app.widgets.tokenizer import TOKENIZER  # noqa: E402
from app.widgets.flavor_cards import FLAVOR_CARDS  # noqa: E402
from app.widgets.sous_chefs import SOUS_CHEFS  # noqa: E402
from app.widgets.prep_room import PREP_ROOM  # noqa: E402
from app.widgets.next_dish import NEXT_DISH  # noqa: E402
from app.widgets.scorecard import SCORECARD  # noqa: E402
from app.widgets.trace_back import TRACE_BACK  # noqa: E402
from app.widgets.knob_wall import KNOB_WALL  # noqa: E402
from app.widgets.practice import PRACTICE  # noqa: E402
from app.widgets.notebook import NOTEBOOK  # noqa: E402
from app.widgets.michelin import MICHELIN  # noqa: E402
from app.widgets.kitchen_map import KITCHEN_MAP  # noqa: E402
from app.widgets.guess import GUESS  # noqa: E402
from app.widgets.sampling import SAMPLING  # noqa: E402

# every widget, in reading order
BUILT = {w.name: w for w in (RECIPE_BOOK, TOKENIZER, FLAVOR_CARDS, SOUS_CHEFS, PREP_ROOM, NEXT_DISH, KITCHEN_MAP,
                             SCORECARD, GUESS, TRACE_BACK, KNOB_WALL, PRACTICE, TEMPERATURE, SAMPLING, NOTEBOOK,
                             MICHELIN)}

assert set(BUILT) == set(NAMES), "every widget DESIGN.md names is built, and no other"
assert all(BUILT[n].chapter == c for n, c in NAMES.items()), "each widget knows its home chapter"
assert all(w.title for w in BUILT.values()), "each widget has its title in its record (nothing is read back from HTML)"


def get(name):
    """The widget called ``name``, or None."""
    return BUILT.get(name)
