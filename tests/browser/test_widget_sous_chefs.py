"""sous-chefs in a real browser: picking a course with the arrow keys, typing a name, and without JavaScript."""

from playwright.sync_api import expect

from tests.browser.helpers import query, ready, text_boxes, twin


def chosen_row(page):
    """Per sous-chef, the shares of the chosen course as drawn (data-w of each bar)."""
    heads = page.locator("#w-sous-chefs figure.head")
    return [
        [float(x) for x in heads.nth(h).locator("li.look").evaluate_all("els => els.map(e => e.dataset.w)")]
        for h in range(heads.count())
    ]


def shares(server, name, pos):
    """Per sous-chef, the shares of the chosen course for a state: from the twin."""
    return [[look["w"] for look in head["looks"]] for head in twin(server, "sous-chefs", name=name, pos=str(pos))["heads"]]


def test_arrow_keys_pick_a_course_and_typing_a_name_redraws_the_grids(kpage, server):
    kpage.goto(server + "/en/chapter/3")
    ready(kpage)
    summary = kpage.locator("#sous-chefs-out .inside-summary")
    expect(summary).to_have_text("Chosen: ‘m’, order tag 3. Looking back, it can see 4 courses, itself included.")
    assert chosen_row(kpage) == shares(server, "emma", 3)
    sel = kpage.locator("#w-sous-chefs svg.heat rect.sel").first
    assert sel.get_attribute("y") == "4"

    # the keyboard: the chosen course's radio takes the focus, the arrow moves the choice
    kpage.locator("#sous-chefs-pos-3").focus()
    kpage.keyboard.press("ArrowLeft")
    expect(summary).to_contain_text("order tag 2.")
    expect(kpage.locator("#sous-chefs-pos-2")).to_be_focused()
    assert kpage.locator("#w-sous-chefs svg.heat rect.sel").first.get_attribute("y") == "3"
    assert chosen_row(kpage) == shares(server, "emma", 2)
    for h in range(4):
        expect(kpage.locator("#w-sous-chefs figure.head").nth(h).locator(".row-total")).to_have_text("Together: 100.0%")
    assert query(kpage)["sous-chefs.pos"] == "2"

    # a longer name: more courses to pick from, bigger grids, the engine's weights
    kpage.locator("#sous-chefs-name").fill("olivia")
    expect(kpage.locator("#sous-chefs-courses input[type=radio]")).to_have_count(7)
    expect(kpage.locator("#w-sous-chefs svg.heat").first).to_have_attribute("viewBox", "0 0 8 8")
    expect(kpage.locator("#w-sous-chefs svg.heat").first.locator("rect.cell")).to_have_count(28)
    expect(summary).to_contain_text("Chosen: ‘l’, order tag 2.")
    assert chosen_row(kpage) == shares(server, "olivia", 2)
    assert query(kpage)["sous-chefs.name"] == "olivia"
    kpage.locator("label[for=sous-chefs-pos-6]").click()
    expect(summary).to_contain_text("‘a’, order tag 6.")
    assert chosen_row(kpage) == shares(server, "olivia", 6)
    assert kpage.watch.problems == [], kpage.watch.problems


def test_without_javascript_the_form_reloads_the_chapter(nojs_page, server):
    nojs_page.goto(server + "/zh/chapter/3")
    nojs_page.locator("#sous-chefs-name").fill("ava")
    nojs_page.locator("label[for=sous-chefs-pos-1]").click()
    nojs_page.locator("#w-sous-chefs button[type=submit]").click()
    nojs_page.wait_for_url("**/zh/chapter/3?**")
    q = query(nojs_page)
    assert q["sous-chefs.name"] == "ava" and q["sous-chefs.pos"] == "1"
    expect(nojs_page.locator("#sous-chefs-out .inside-summary")).to_have_text("选中的是 1 号位的“a”：它回头能看见 2 道菜（包括它自己）。")
    assert nojs_page.watch.problems == [], nojs_page.watch.problems


def test_a_bad_name_shows_a_message_and_a_good_one_brings_the_grids_back(kpage, server):
    kpage.goto(server + "/zh/chapter/3")
    ready(kpage)
    kpage.locator("#sous-chefs-name").fill("em1")
    expect(kpage.locator("#sous-chefs-out .widget-error")).to_have_text("名字只能用字母 a–z，最多 15 个。")
    expect(kpage.locator("#w-sous-chefs svg.heat")).to_have_count(0)
    kpage.locator("#sous-chefs-name").fill("emily")
    expect(kpage.locator("#w-sous-chefs svg.heat")).to_have_count(4)
    expect(kpage.locator("#sous-chefs-courses input[type=radio]")).to_have_count(6)
    expect(kpage.locator("#sous-chefs-name")).to_be_focused()  # typing was never interrupted
    problems = [p for p in kpage.watch.problems if not (p.startswith("HTTP 422") or "422" in p and p.startswith("console:"))]
    assert problems == [], kpage.watch.problems


def test_the_grid_labels_are_text_sized_on_a_phone_and_on_a_wide_screen(kpage, server):
    # the grids scale with the page; their course labels must not scale into headlines
    for width, name in ((360, "emma"), (1280, "emma"), (1280, "christopher")):
        kpage.set_viewport_size({"width": width, "height": 900})
        kpage.goto(server + f"/en/chapter/3?sous-chefs.name={name}")
        ready(kpage)
        sizes = [box[0] for box in text_boxes(kpage, "#sous-chefs-out svg text")]
        assert len(sizes) >= 4 * 2 * (len(name) + 1)
        assert 10 <= min(sizes) and max(sizes) <= 16, (width, name, min(sizes), max(sizes))
    assert kpage.watch.problems == []
