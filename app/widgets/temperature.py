"""Chapter 7's adventurousness dial: sample names at a temperature.

State: t (temperature, 0 = never take a risk), n (how many names), seed (which
table is served). One engine call: ``engine.sample.sample`` on the shipped
model. Invented names (not in the data set) are marked in words, not colour.
"""

from engine import checkpoint, sample as sampling

from app.model_facts.limits import N_MAX, SEED_MAX, T_MAX
from app.web import i18n
from app.web.i18n import N_
from app.widgets.base import Number, Widget

T_DIAL_MAX = 2     # where the dial stops; the number box goes up to T_MAX


def sample_names(n, temperature, seed, prefix=""):
    """The one engine call behind the dial (and /api/sample's)."""
    return sampling.sample(checkpoint.default_params(), n=n, temperature=temperature, seed=seed, prefix=prefix)


class Temperature(Widget):
    def compute(self, state, lang):
        result = sample_names(state["n"], state["t"], state["seed"])
        names = [
            {"text": name, "invented": invented}
            for name, invented in zip(result.names, result.invented)
        ]
        n_invented = sum(result.invented)
        t = self.params[0].format(state["t"])
        summary = i18n.say(lang, "Adventurousness %(t)s: %(invented)s of %(n)s dishes are Xiao Ming's own inventions.",
                           t=t, invented=n_invented, n=len(names))
        return {
            "names": names,
            "n_invented": n_invented,
            "summary": summary,
            "t": t,
            "t_dial": min(state["t"], T_DIAL_MAX),
            "t_dial_max": T_DIAL_MAX,
            "t_max": T_MAX,
            "n_max": N_MAX,
            "seed_max": SEED_MAX,
            "next_seed": state["seed"] + 1 if state["seed"] < SEED_MAX else 0,
        }


TEMPERATURE = Temperature(
    name="temperature",
    chapter=7,
    title=N_("The adventurousness knob: let Xiao Ming serve"),
    height=520,
    quick=True,     # at most 50 names of at most 16 courses: about a millisecond
    params=(
        Number("t", 0.5, N_("adventurousness (temperature)"), lo=0, hi=T_MAX),
        Number("n", 10, N_("number of names"), lo=1, hi=N_MAX, integer=True),
        Number("seed", 1, N_("table (seed)"), lo=0, hi=SEED_MAX, integer=True),
    ),
)
