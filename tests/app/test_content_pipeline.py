"""The content pipeline on small made-up files: blocks, placeholders and the
errors that stop start-up, each naming file and line."""

import math
import textwrap

import pytest

from app.model_facts import facts
from app.story import content
from app.web import i18n
from engine import checkpoint, data, model

HEAD = "---\ntitle: T\nsummary: S\n---\n"


def write(tmp_path, files, figures=None):
    for rel, text in files.items():
        path = tmp_path / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    tdir = tmp_path / "templates"
    (tdir / "figures").mkdir(parents=True, exist_ok=True)
    for name, svg in (figures or {}).items():
        (tdir / "figures" / f"{name}.svg").write_text(svg, encoding="utf-8")
    return tmp_path / "content", tdir


def load(tmp_path, files, figures=None, figure_context=None):
    cdir, tdir = write(tmp_path, files, figures)
    return content.load(cdir, tdir, figure_context=figure_context or (lambda n, l: {}))


def error_of(tmp_path, files, figures=None):
    with pytest.raises(content.ContentError) as info:
        load(tmp_path, files, figures)
    return str(info.value)


def test_placeholders_are_filled_from_the_engine_per_language(tmp_path):
    body = "{{n_params}} | {{n_names}} | {{loss:1}} | {{loss:1000}} | {{samples:3}} | {{sample:2}} | {{params_in:wte}} | {{mean_loss:901-1000}} | {{uniform_loss}} | {{lr}} | {{n_invented}} | {{vocab_size}} | {{train_steps}}\n"
    lib = load(tmp_path, {"zh/index.md": HEAD + body, "en/index.md": HEAD + body})
    log = checkpoint.default_log()
    ref = checkpoint.reference_samples()
    known = data.known_names()
    expected = [
        f"{model.N_PARAMS:,}",
        f"{len(data.load_names()):,}",
        f"{log[0]:.2f}",
        f"{log[999]:.2f}",
        None,
        ref[1],
        f"{27 * 16:,}",
        f"{sum(log[900:1000]) / 100:.2f}",
        f"{math.log(27):.2f}",
        "0.01",
        str(sum(s not in known for s in ref)),
        "27",
        "1,000",
    ]
    for lang, joiner in (("zh", "、"), ("en", ", ")):
        html = "".join(s for s in lib.get(lang, "index").segments if isinstance(s, str))
        cells = html.split("<p>", 1)[1].split("</p>", 1)[0].split(" | ")
        expected[4] = joiner.join(ref[:3])
        assert cells == expected
    assert expected[0] == "4,192" and expected[1] == "32,033"
    assert lib.get("zh", "index").placeholders[:3] == ["n_params", "n_names", "loss:1"]


def test_invented_names_are_the_samples_missing_from_the_book_and_the_temperature_is_the_engines(tmp_path):
    ref = checkpoint.reference_samples()
    known = data.known_names()
    made_up = [s for s in ref if s not in known]
    assert 2 <= len(made_up) < len(ref)           # the story leans on some of both
    n = len(made_up)
    body = " | ".join(f"{{{{invented:{k}}}}}" for k in range(1, n + 1)) + " | {{sample_temperature}}\n"
    lib = load(tmp_path, {"zh/index.md": HEAD + body, "en/index.md": HEAD + body})
    html = "".join(s for s in lib.get("en", "index").segments if isinstance(s, str))
    cells = html.split("<p>", 1)[1].split("</p>", 1)[0].split(" | ")
    assert cells == made_up + [f"{checkpoint.REFERENCE_TEMPERATURE:g}"]
    assert all(name not in known for name in cells[:-1]) and cells[-1] == "0.5"
    # one past the last invented name stops start-up, naming the place
    err = error_of(tmp_path / "past", {"en/chapter-7.md": HEAD + f"\n{{{{invented:{n + 1}}}}}\n"})
    assert "en/chapter-7.md:6:" in err and f"from 1 to {n}" in err


@pytest.mark.parametrize(
    "bad, message",
    [
        ("{{nope}}", "unknown placeholder"),
        ("{{n_params:3}}", "takes no argument"),
        ("{{loss:0}}", "{{loss:N}}"),
        ("{{loss:1001}}", "{{loss:N}}"),
        ("{{loss}}", "{{loss:N}}"),
        ("{{samples:21}}", "{{samples:N}}"),
        ("{{sample:0}}", "{{sample:K}}"),
        ("{{invented:0}}", "{{invented:K}}"),
        ("{{invented:21}}", "{{invented:K}}"),
        ("{{sample_temperature:1}}", "takes no argument"),
        ("{{params_in:wxyz}}", "params_in"),
        ("{{mean_loss:10-5}}", "mean_loss"),
        ("{{mean_loss:7}}", "mean_loss"),
        ("{{n_params", "not closed"),
        ("{{ }}", "unknown placeholder"),
    ],
)
def test_unknown_or_bad_placeholder_names_file_and_line(tmp_path, bad, message):
    err = error_of(tmp_path, {"en/chapter-2.md": HEAD + "\nfine line\n\nhere " + bad + " it is\n"})
    assert "en/chapter-2.md:8:" in err
    assert message in err


def test_unknown_widget_names_file_and_line(tmp_path):
    err = error_of(tmp_path, {"zh/chapter-3.md": HEAD + "\n::: widget sous-chefs\n\n::: widget souschef t=1\n"})
    assert "zh/chapter-3.md:8:" in err and "unknown widget 'souschef'" in err


def test_widget_arguments_are_checked_at_start_up(tmp_path):
    err = error_of(tmp_path, {"en/chapter-7.md": HEAD + "\n::: widget temperature t=9\n"})
    assert "en/chapter-7.md:6:" in err and "temperature" in err
    err = error_of(tmp_path, {"en/chapter-7.md": HEAD + "\n::: widget temperature heat=1\n"})
    assert "en/chapter-7.md:6:" in err and "no argument 'heat'" in err
    err = error_of(tmp_path, {"en/chapter-7.md": HEAD + "\n::: widget temperature t\n"})
    assert "en/chapter-7.md:6:" in err and "key=value" in err
    err = error_of(tmp_path, {"en/chapter-7.md": HEAD + "\n::: widget\n"})
    assert "en/chapter-7.md:6:" in err


def test_missing_figure_template_names_file_and_line(tmp_path):
    err = error_of(tmp_path, {"zh/chapter-1.md": HEAD + '\n::: figure kitchen alt="厨房"\n说明\n:::\n'})
    assert "zh/chapter-1.md:6:" in err and "templates/figures/kitchen.svg" in err


def test_figure_needs_alt_text_and_renders_its_context(tmp_path):
    err = error_of(tmp_path, {"zh/chapter-1.md": HEAD + "\n::: figure k\n说明\n:::\n"}, {"k": "<svg></svg>"})
    assert "zh/chapter-1.md:6:" in err and "alt" in err
    lib = load(
        tmp_path / "b",
        {"en/chapter-1.md": HEAD + '\n::: figure k alt="A {{n_params}}-knob wall"\nThe *caption*.\n:::\n'},
        {"k": "<svg><text>{{ lang }} {{ extra }} {{ alt }}</text></svg>"},
        figure_context=lambda name, lang: {"extra": f"ctx-{name}"},
    )
    page = lib.get("en", "chapter-1")
    html = "".join(page.segments)
    assert "<svg><text>en ctx-k A 4,192-knob wall</text></svg>" in html
    assert 'aria-label="A 4,192-knob wall"' in html
    assert "<figcaption>\n<p>The <em>caption</em>.</p>\n</figcaption>" in html
    assert page.figures == ["k"]


def test_a_figure_that_fails_to_render_names_file_and_line(tmp_path):
    err = error_of(tmp_path, {"en/chapter-1.md": HEAD + '\n::: figure k alt="x"\n:::\n'}, {"k": "<svg>{{ missing }}</svg>"})
    assert "en/chapter-1.md:6:" in err and "does not render" in err


@pytest.mark.parametrize(
    "body, line, message",
    [
        ("::: recipe\n", 6, "unknown block"),
        ('::: figure k alt="x"\ncaption\n', 6, "never closed"),
        (":::\n", 6, "closing :::"),
        ("::: summary\n::: summary\n:::\n", 7, "inside the summary"),
        ("::: summary\n::: widget temperature\n:::\n", 7, "cannot sit inside"),
    ],
)
def test_block_structure_errors(tmp_path, body, line, message):
    err = error_of(tmp_path, {"en/chapter-4.md": HEAD + "\n" + body}, {"k": "<svg></svg>"})
    assert f"en/chapter-4.md:{line}:" in err and message in err


def test_front_matter_is_required_and_checked(tmp_path):
    err = error_of(tmp_path, {"en/ending.md": "No front matter here.\n"})
    assert "en/ending.md:1:" in err and "title" in err
    err = error_of(tmp_path, {"en/ending.md": "---\ntitle: T\nauthor: me\n---\n"})
    assert "en/ending.md:3:" in err and "author" in err


def test_unknown_page_file_stops_start_up_but_readme_is_skipped(tmp_path):
    err = error_of(tmp_path, {"en/chapter-9.md": HEAD})
    assert "chapter-9.md:1:" in err and "not a page" in err
    lib = load(tmp_path / "b", {"README.md": "# guide {{nope}}\n", "en/README.md": "{{nope}}", "en/ending.md": HEAD})
    assert list(lib.pages) == [("en", "ending")]


def test_code_fences_may_show_blocks_literally(tmp_path):
    lib = load(tmp_path, {"en/chapter-2.md": HEAD + "\n```\n::: widget nonsense\n:::\n```\n"})
    html = "".join(s for s in lib.get("en", "chapter-2").segments if isinstance(s, str))
    assert "::: widget nonsense" in html


def test_segments_split_prose_and_widgets_in_order(tmp_path):
    lib = load(
        tmp_path,
        {"zh/chapter-7.md": HEAD + "\n## 一\n\n前\n\n::: widget notebook\n\n中\n\n::: widget temperature n=3\n\n::: widget temperature\n\n## 二\n\n后\n"},
    )
    page = lib.get("zh", "chapter-7")
    kinds = ["w:" + s.ns if not isinstance(s, str) else "html" for s in page.segments]
    assert kinds == ["html", "w:notebook", "html", "w:temperature", "w:temperature-2", "html"]
    assert [(i.ns, line) for i, line in page.widgets] == [("notebook", 10), ("temperature", 14), ("temperature-2", 16)]
    assert page.widgets[1][0].args == {"n": "3"}
    assert lib.order[("zh", "chapter-7")] == ["notebook", "temperature", "temperature"]
    assert page.sections == 2
    assert '<h2 id="section-2">二</h2>' in "".join(s for s in page.segments if isinstance(s, str))


def test_raw_html_from_our_own_files_passes_through(tmp_path):
    lib = load(tmp_path, {"en/ending.md": HEAD + '\n<aside class="note">kept</aside>\n'})
    assert '<aside class="note">kept</aside>' in lib.get("en", "ending").segments[0]


def test_facts_formatting():
    assert i18n.integer(4192) == "4,192"
    assert i18n.decimal(3.3660, 2) == "3.37"
    assert i18n.join(["a", "b"], "zh") == "a、b"
    assert i18n.join(["a", "b"], "en") == "a, b"
