"""The interface's words live in the message catalogs, complete in every language.

A message the code or a template says without a translation in some language,
a catalog entry nothing says, or a translation naming values its message does
not give fails here (`make catalogs` brings the catalogs in step; then fill
in what it lists). Templates and widgets hold no language choice of their own.
"""

import re

from app.web import catalogs, i18n, settings, templating

ROOT = settings.ROOT

# an inline choice between two languages: `"…" if zh else "…"`, `lang == "zh"`, `zh = lang …`
# or words kept in a dictionary by language, `{"zh": "…", "en": "…"}`
CHOICE_RE = re.compile(r"""\bif zh\b|\bzh = lang\b|lang ?[!=]= ?["'](?:zh|en)["']|["'](?:zh|en)["']: ?[f]?["']""")


def sources():
    for pattern in ("templates/**/*.html", "templates/**/*.svg", "app/**/*.py"):
        for path in sorted(ROOT.glob(pattern)):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_every_message_has_a_translation_in_every_language_and_every_entry_is_used():
    assert catalogs.problems() == []


def test_the_catalog_check_catches_a_missing_translation_and_an_unused_entry(monkeypatch):
    found = catalogs.extract()
    assert ("Cover", None) in found and ("Copy", None) in found   # read from the templates and the Python
    monkeypatch.setattr(catalogs, "extract", lambda: {**found, ("A message nobody translated", None): ["app/x.py"]})
    lines = catalogs.problems()
    assert any("missing 'A message nobody translated'" in line for line in lines)
    smaller = dict(found)
    smaller.pop(next(iter(smaller)))
    monkeypatch.setattr(catalogs, "extract", lambda: smaller)
    assert any("nothing uses it" in line for line in catalogs.problems())


def test_the_choice_detector_sees_the_ways_words_were_chosen():
    for text in ('{{ "上菜" if zh else "Serve" }}', '{% set zh = lang == "zh" %}', 'if lang == "en":',
                 'BUSY = {"zh": "厨房正忙", "en": "busy"}'):
        assert CHOICE_RE.search(text), text
    assert not CHOICE_RE.search('{{ _("Serve") }} {{ lang }} settings.LANGS')


def test_no_template_or_module_chooses_its_words_inline():
    choosing = sorted(name for name, text in sources() if CHOICE_RE.search(text))
    assert choosing == [], f"words chosen inline by language in {choosing}: say them from the catalogs"


def test_plural_forms_follow_each_language():
    assert i18n.say_n("en", "Running time %(length)s, %(num)s scene.", "Running time %(length)s, %(num)s scenes.",
                      1, length="60 s") == "Running time 60 s, 1 scene."
    assert i18n.say_n("en", "Running time %(length)s, %(num)s scene.", "Running time %(length)s, %(num)s scenes.",
                      15, length="7 min") == "Running time 7 min, 15 scenes."
    assert i18n.say_n("zh", "Running time %(length)s, %(num)s scene.", "Running time %(length)s, %(num)s scenes.",
                      1, length="60 秒") == "全长 60 秒，共 1 个场景。"


def test_a_template_says_its_words_in_the_language_it_is_rendered_in():
    template = "{{ _('Cover') }} · {{ _('Chapter %(n)s', n=3) }} · {{ _('Back to the cover: %(site)s', site='<b>') }}"
    zh = templating.env("zh").from_string(template).render()
    en = templating.env("en").from_string(template).render()
    assert zh == "封面 · 第 3 章 · 回到封面：&lt;b&gt;"      # values are escaped, the message is kept
    assert en == "Cover · Chapter 3 · Back to the cover: &lt;b&gt;"


def test_a_message_without_values_is_translated_once_when_its_template_is_compiled():
    zh = templating.env("zh")
    source = "<b>{{ _('Cover') }}</b>{{ _('Chapter %(n)s', n=3) }}{{ x._('Cover') }}"
    code = zh.compile(source, raw=True)
    assert "<b>封面</b>" in code                       # a constant of the compiled template
    assert "'Chapter %(n)s'" in code                  # a message with values is still said as it is rendered
    assert "'Cover'" in code                          # an attribute that happens to be called _ is left alone

    class Other:
        def _(self, text):
            return text.upper()

    assert zh.from_string(source).render(x=Other()) == "<b>封面</b>第 3 章COVER"
    assert templating.env("en").from_string(source).render(x=Other()) == "<b>Cover</b>Chapter 3COVER"


def test_no_template_calls_a_dicts_own_methods():
    """The environments read a dict's key before its attributes (``templating.Environment``):
    a template calling ``d.items()`` would find a key named "items" first."""
    methods = "|".join(m for m in dir(dict) if not m.startswith("_"))
    calls = re.compile(r"\.(%s)\(" % methods)
    found = [f"{path.relative_to(settings.TEMPLATES_DIR)}: {m.group(0)}"
             for path in sorted(settings.TEMPLATES_DIR.rglob("*")) if path.suffix in (".html", ".svg", ".xml")
             for m in calls.finditer(path.read_text(encoding="utf-8"))]
    assert found == []
    assert templating.env("en").from_string("{{ d.text }} {{ d.items is defined }}").render(d={"text": "emma"}) == "emma True"


def test_numbers_are_formatted_in_one_place():
    assert i18n.integer(32033) == "32,033"
    assert i18n.percent(0.256) == "26%"
    assert i18n.decimal(2.3456, 2) == "2.35"
    assert i18n.join(["a", "b"], "zh") == "a、b"
    assert i18n.join(["a", "b"], "en") == "a, b"


SAYING = {"say": 1, "markup": 1, "say_n": 1, "N_": 0, "Message": 0}   # the function and where its message is


def test_every_message_said_in_python_reaches_the_catalogs():
    """The extractor cannot see a message inside an f-string, nor one built at run time: such a
    message would never be translated. Every message the code says is a literal it found."""
    import ast
    found = {m[0] if isinstance(m, tuple) else m for m, _context in catalogs.extract()}
    missed = []
    for name, text in sources():
        if not name.endswith(".py") or name in ("app/web/catalogs.py", "app/web/i18n.py"):
            continue
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if func not in SAYING or len(node.args) <= SAYING[func]:
                continue
            arg = node.args[SAYING[func]]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                if arg.value not in found:
                    missed.append(f"{name}:{node.lineno}: {arg.value!r} is not in the extracted messages")
            elif isinstance(arg, ast.JoinedStr):
                missed.append(f"{name}:{node.lineno}: an f-string as a message")
    assert missed == []
