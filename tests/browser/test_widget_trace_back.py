"""trace-back in a real browser: stepping with the keyboard, tracing a real knob, and without JavaScript."""

import math
from urllib.parse import urlsplit

from playwright.sync_api import expect
from tests.browser.helpers import api, query, ready


def test_stepping_with_the_arrow_keys_cooks_then_traces_back(kpage, server):
    kpage.goto(server + "/en/chapter/5")
    ready(kpage)
    pos = kpage.locator("#trace-back-steps .tb-pos")
    expect(pos).to_have_text("Step 1 of 7")
    expect(kpage.locator("#trace-back-steps .tb-keys")).to_be_visible()  # the script offers the keys
    graph = kpage.locator("#trace-back-graph")
    graph.focus()
    values = []
    for k in range(2, 8):
        kpage.keyboard.press("ArrowRight")
        expect(pos).to_have_text(f"Step {k} of 7")
        # the keyboard stays on the drawing after each swap
        expect(kpage.locator("#trace-back-graph")).to_be_focused()
        values.append(kpage.locator("#trace-back-steps .tb-node-value").all_text_contents())
    assert values[0] == ["2", "3", "6", "?"]      # blend: 2 × 3 = 6
    assert values[1] == ["2", "3", "6", "8"]      # mix: 6 + 2 = 8
    expect(kpage.locator("#trace-back-say")).to_have_text("Salt's influence is 4, sugar's is 2.")
    grads = kpage.locator("#trace-back-steps [data-grad]")
    assert [grads.nth(i).get_attribute("data-grad") for i in range(grads.count())] == ["4", "2", "1", "1"]
    assert query(kpage)["trace-back.step"] == "6"
    kpage.keyboard.press("ArrowLeft")
    expect(pos).to_have_text("Step 6 of 7")
    assert query(kpage)["trace-back.step"] == "5"
    # the buttons work from the keyboard too, and keep the focus
    kpage.locator("#trace-back-next").focus()
    kpage.keyboard.press("Enter")
    expect(pos).to_have_text("Step 7 of 7")
    expect(kpage.locator("#trace-back-next")).to_be_focused()
    expect(kpage.locator("#trace-back-next")).to_have_text("Start over")
    assert kpage.watch.problems == [], kpage.watch.problems


def test_presses_faster_than_the_answers_are_all_counted(kpage, server):
    kpage.goto(server + "/en/chapter/5")
    ready(kpage)
    pos = kpage.locator("#trace-back-steps .tb-pos")
    expect(pos).to_have_text("Step 1 of 7")
    kpage.locator("#trace-back-graph").focus()
    for _ in range(6):                      # no pause: most answers are still on their way
        kpage.keyboard.press("ArrowRight")
    expect(pos).to_have_text("Step 7 of 7")
    kpage.wait_for_function("() => new URLSearchParams(location.search).get('trace-back.step') === '6'")
    for _ in range(3):
        kpage.keyboard.press("ArrowLeft")
    expect(pos).to_have_text("Step 4 of 7")
    kpage.keyboard.press("ArrowRight")
    expect(pos).to_have_text("Step 5 of 7")
    assert kpage.watch.problems == [], kpage.watch.problems


def test_what_the_reader_opened_stays_open_as_they_step(kpage, server):
    kpage.goto(server + "/en/chapter/5")
    ready(kpage)
    table = kpage.locator("#w-trace-back details.tb-table")
    card = kpage.locator("#w-trace-back details.tb-card").nth(1)
    table.locator("summary").click()
    card.locator("summary").click()
    kpage.locator("#trace-back-graph").focus()
    kpage.keyboard.press("ArrowRight")
    expect(kpage.locator("#trace-back-steps .tb-pos")).to_have_text("Step 2 of 7")
    assert kpage.evaluate("document.querySelector('#w-trace-back details.tb-table').open")
    assert kpage.evaluate("document.querySelectorAll('#w-trace-back details.tb-card')[1].open")
    assert not kpage.evaluate("document.querySelectorAll('#w-trace-back details.tb-card')[0].open")
    assert kpage.watch.problems == [], kpage.watch.problems


def test_tracing_a_real_knob_updates_to_the_engines_gradient(kpage, server):
    kpage.goto(server + "/zh/chapter/5")
    ready(kpage)
    influence = kpage.locator("#trace-back-out .tb-arrive [data-influence]")
    first = influence.get_attribute("data-influence")
    kpage.locator("#trace-back-name").fill("sophia")
    kpage.locator("#trace-back-station").select_option("lm_head")
    kpage.locator("#trace-back-row").fill("19")
    kpage.locator("#trace-back-col").fill("4")
    kpage.locator("#trace-back-out form.tb-pick button[type=submit]").click()
    expect(kpage.locator("#trace-back-out .tb-knob")).to_contain_text("出菜口给“s”投票时，读卡上第 4 个数")
    raw = float(influence.get_attribute("data-influence"))
    assert str(raw) != first
    data = api(server, "/api/knobs?name=sophia")
    index = 688 + 18 * 16 + 3
    assert raw == data["influence"][index]
    assert math.isclose(float(influence.inner_text()), raw, rel_tol=1e-3)
    q = query(kpage)
    assert (q["trace-back.name"], q["trace-back.station"], q["trace-back.row"], q["trace-back.col"]) == ("sophia", "lm_head", "19", "4")
    chips = kpage.locator("#trace-back-out .tb-path li").all_inner_texts()
    assert chips[0] == "分数" and chips[1] == "出菜口投票"
    assert kpage.watch.problems == [], kpage.watch.problems


def test_without_javascript_the_buttons_reload_the_chapter(nojs_page, server):
    page = nojs_page
    page.goto(server + "/en/chapter/5?trace-back.step=3")
    expect(page.locator("#trace-back-steps .tb-pos")).to_have_text("Step 4 of 7")
    page.locator("#trace-back-next").click()
    page.wait_for_load_state()
    expect(page.locator("#trace-back-steps .tb-pos")).to_have_text("Step 5 of 7")
    assert query(page)["trace-back.step"] == "4"
    assert urlsplit(page.url).path == "/en/chapter/5"
    page.locator("#trace-back-prev").click()
    page.wait_for_load_state()
    expect(page.locator("#trace-back-steps .tb-pos")).to_have_text("Step 4 of 7")
    assert page.watch.problems == [], page.watch.problems


def test_the_station_pickers_button_stays_inside_its_form(kpage, server):
    # the real-kitchen picker and the same fields offered to fix a refused state
    for width in (360, 800, 1280):
        kpage.set_viewport_size({"width": width, "height": 900})
        for state in ("trace-back.station=attn_wk&trace-back.row=2", "trace-back.station=attn_wk&trace-back.row=99"):
            kpage.goto(server + "/en/chapter/5?" + state)
            edges = kpage.evaluate("""() => { const f = document.querySelector('#w-trace-back .tb-pick, #w-trace-back .tb-fix');
                const b = f.querySelector('.field-actions .button').getBoundingClientRect(), r = f.getBoundingClientRect();
                return [r.left, r.right, b.left, b.right]; }""")
            assert edges[0] <= edges[2] and edges[3] <= edges[1] + 0.5, (width, state, edges)
