"""knob-wall in a real browser: tasting lights the wall, the keyboard picks a knob, turning it moves the score."""

from playwright.sync_api import expect

from engine.tokenizer import VOCAB
from tests.browser.helpers import api, query, ready


def strengths(page):
    """knob number -> the colour strength the grid draws it with."""
    return page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('#w-knob-wall .kw-grid button'))
            .map(b => [b.value, parseFloat(b.style.getPropertyValue('--v'))]))"""
    )


def colour(page, knob):
    return page.evaluate(
        "k => getComputedStyle(document.querySelector(`#w-knob-wall .kw-grid button[value='${k}']`)).backgroundColor", knob
    )


def test_tasting_a_name_lights_up_the_wall(kpage, server):
    kpage.goto(server + "/en/chapter/5")
    ready(kpage)
    before = strengths(kpage)
    assert len(before) == 432
    card_b = colour(kpage, 16)  # 'b', number 1: set away from 0, so coloured
    kpage.locator("#knob-wall-name").fill("olivia")
    kpage.locator("#w-knob-wall .kw-taste button[value=influence]").click()
    expect(kpage.locator("#knob-wall-out .kw-summary")).to_contain_text("Xiao Ming tasted olivia")
    after = strengths(kpage)
    assert after != before
    # letters not in the name: their cards take no blame and go dark
    for i, v in after.items():
        letter = int(i) // 16
        if letter < 26 and VOCAB[letter] not in "olivia":
            assert v == 0, (i, v)
    assert any(v != 0 for v in after.values())
    assert colour(kpage, 16) != card_b
    q = query(kpage)
    assert q["knob-wall.name"] == "olivia" and q["knob-wall.view"] == "influence"
    # the overview now tells how the influence is shared between the stations
    expect(kpage.locator(".kw-station").first).to_contain_text("influence")
    assert kpage.watch.problems == [], kpage.watch.problems


def test_keyboard_picks_a_knob_and_turning_it_changes_the_score(kpage, server):
    kpage.goto(server + "/en/chapter/5?knob-wall.name=emma")
    ready(kpage)
    grid = kpage.locator("#w-knob-wall .kw-grid")
    # one tab stop for the whole grid
    assert grid.locator("button[tabindex='0']").count() == 1
    grid.locator("button").first.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowDown", "ArrowDown", "ArrowDown"):
        kpage.keyboard.press(key)
    assert kpage.evaluate("document.activeElement.value") == str(2 + 4 * 16)  # 'e', number 3
    kpage.keyboard.press("Enter")
    inspector = kpage.locator("#knob-wall-inspect")
    expect(inspector.locator("h3")).to_have_text("Knob #66")
    expect(inspector).to_contain_text("flavour card of 'e', number 3")
    # the keyboard is still on the chosen knob after the swap
    kpage.wait_for_function("() => document.activeElement && document.activeElement.value === '66'")
    assert query(kpage)["knob-wall.knob"] == "66"
    data = api(server, "/api/knobs?name=emma&knob=66")
    assert float(inspector.locator("[data-influence]").get_attribute("data-influence")) == data["knob"]["influence"]

    # turn it: the score and the vote move, live
    number = kpage.locator("#knob-wall-set-num")
    expect(number).to_be_visible()
    number.fill("0.9")
    after = inspector.locator("[data-after]")
    expect(after).to_be_visible()
    turned = api(server, "/api/knobs?name=emma&knob=66&set=0.9")
    assert float(after.get_attribute("data-after")) == turned["turn"]["loss_after"]
    assert float(inspector.locator("[data-before]").get_attribute("data-before")) == turned["turn"]["loss_before"]
    assert turned["turn"]["loss_after"] != turned["turn"]["loss_before"]
    kpage.wait_for_function("() => location.search.includes('knob-wall.set=0.9')")
    first = after.inner_text()
    number.fill("-0.9")
    expect(after).not_to_have_text(first)
    again = api(server, "/api/knobs?name=emma&knob=66&set=-0.9")
    assert float(after.get_attribute("data-after")) == again["turn"]["loss_after"]
    # the shared model did not move
    assert api(server, "/api/knobs?name=emma")["settings"][66] == data["knob"]["setting"]
    assert kpage.watch.problems == [], kpage.watch.problems


def test_a_knob_the_keyboard_rests_on_is_shown_and_read_out(kpage, server):
    kpage.goto(server + "/zh/chapter/5?knob-wall.name=emma&knob-wall.view=influence")
    ready(kpage)
    grid = kpage.locator("#w-knob-wall .kw-grid")
    grid.locator("button").first.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown"):
        kpage.keyboard.press(key)
    # no Enter: resting on knob 18 ('b', number 3) is enough
    inspector = kpage.locator("#knob-wall-inspect")
    expect(inspector.locator("h3")).to_have_text("旋钮 #18")
    data = api(server, "/api/knobs?name=emma&knob=18")
    expect(inspector.locator(".kw-label strong")).to_have_text(data["knob"]["label_zh"])
    assert float(inspector.locator("[data-influence]").get_attribute("data-influence")) == data["knob"]["influence"]
    assert float(inspector.locator("[data-setting]").get_attribute("data-setting")) == data["knob"]["setting"]
    # read out for a listener, and the keyboard never left the grid
    expect(kpage.locator("#knob-wall-peek")).to_contain_text(data["knob"]["label_zh"] + "：拧在 ")
    assert kpage.evaluate("document.activeElement.value") == "18"
    assert grid.locator("button.sel").count() == 1 and grid.locator("button.sel").get_attribute("value") == "18"
    kpage.wait_for_function("() => location.search.includes('knob-wall.knob=18')")
    # moving on shows the next one
    kpage.keyboard.press("ArrowRight")
    expect(inspector.locator("h3")).to_have_text("旋钮 #19")
    assert kpage.evaluate("document.activeElement.value") == "19"
    assert kpage.watch.problems == [], kpage.watch.problems


def test_zooming_into_a_station_and_choosing_a_knob_without_javascript(nojs_page, server):
    page = nojs_page
    page.goto(server + "/zh/chapter/5")
    page.locator(".kw-station", has_text="出菜口投票").click()
    page.wait_for_load_state()
    assert query(page)["knob-wall.station"] == "lm_head"
    expect(page.locator("#knob-wall-zoom h3")).to_contain_text("出菜口投票")
    page.locator("#w-knob-wall .kw-grid button[value='700']").click()
    page.wait_for_load_state()
    assert query(page)["knob-wall.knob"] == "700"
    expect(page.locator("#knob-wall-inspect h3")).to_have_text("旋钮 #700")
    page.locator("#knob-wall-set").fill("0.5")
    page.locator("#knob-wall-inspect .kw-turn button.button").click()
    page.wait_for_load_state()
    assert query(page)["knob-wall.set"] == "0.5"
    expect(page.locator("#knob-wall-inspect [data-after]")).to_be_visible()
    assert page.watch.problems == [], page.watch.problems
