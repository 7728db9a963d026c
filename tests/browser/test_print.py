"""Print: chapter 3 printed to PDF by the browser, in both languages, leaves no page
mostly blank (its tall drawing used to jump to page 2 and leave page 1 three
quarters empty); the Embed disclosure and the controls do not print; a link out of
the book prints its address.

Pages are drawn to greyscale images with poppler's pdftoppm (`make test`
installs poppler-utils) and measured row by row."""

import shutil
import subprocess

import pytest

DPI = 30
INK = 200            # a pixel darker than this is ink
MOST = 0.5           # no blank stretch may take half a page or more (the last page may end early)


def pages_of(pdf_path, tmp_path):
    """Each page as (width, height, rows of grey bytes)."""
    assert shutil.which("pdftoppm"), "pdftoppm is missing: `make test` installs Debian's poppler-utils"
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-gray", "-r", str(DPI), str(pdf_path), str(prefix)], check=True, timeout=120)
    out = []
    for f in sorted(tmp_path.glob("page-*.pgm"), key=lambda p: int(p.stem.split("-")[-1])):
        magic, size, depth, pixels = f.read_bytes().split(b"\n", 3)
        assert magic == b"P5" and depth == b"255"
        w, h = map(int, size.split())
        out.append((w, h, [pixels[i * w:(i + 1) * w] for i in range(h)]))
    return out


def longest_blank(rows):
    """The longest run of rows with no ink, between the first and the bottom of the page's
    text area (the page's margins are not counted)."""
    inked = [i for i, row in enumerate(rows) if min(row) < INK]
    if not inked:
        return len(rows)
    top = inked[0]
    bottom = len(rows) - top  # the bottom margin is about as tall as the top one
    gaps = [b - a for a, b in zip(inked, inked[1:])] + [max(0, bottom - inked[-1])]
    return max(gaps)


def printed(browser, server, path, tmp_path):
    """(the PDF, its text, the words of the page's first drawing)."""
    page = browser.new_page()
    try:
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        drawing = page.evaluate("""() => {
            const svg = document.querySelector('.figure-art svg');
            return svg ? [...svg.querySelectorAll('text')].map(t => t.textContent.trim()).filter(Boolean) : [];
        }""")
        pdf = tmp_path / "out.pdf"
        page.pdf(path=str(pdf), format="A4")
    finally:
        page.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return pdf, text, drawing


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chapter_3_prints_with_no_page_mostly_empty(browser, server, lang, tmp_path):
    pdf, text, drawing = printed(browser, server, f"/{lang}/chapter/3", tmp_path)
    pages = pages_of(pdf, tmp_path)
    assert len(pages) >= 3
    for n, (w, h, rows) in enumerate(pages[:-1], start=1):
        blank = longest_blank(rows) / h
        assert blank < MOST, f"page {n} of {len(pages)} is {blank:.0%} blank"
    # the drawing is printed, all of its words on one page
    for n in range(1, len(pages) + 1):
        one = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
                             capture_output=True, text=True, check=True).stdout
        if "".join(drawing[0].split()) in "".join(one.split()):
            break
    else:
        raise AssertionError(f"the drawing's {drawing[0]!r} is on no page")
    flat = "".join(one.split())
    assert all("".join(word.split()) in flat for word in drawing), (n, drawing)
    # the Embed disclosure and the controls are not printed
    assert "<iframe" not in text and "embed-host.js" not in text
    assert ("嵌入代码" if lang == "zh" else "Embed code") not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_link_out_of_the_book_prints_its_address(browser, server, lang, tmp_path):
    _, text, _ = printed(browser, server, f"/{lang}/ending", tmp_path)
    assert "karpathy.github.io/2026/02/12/microgpt" in "".join(text.split())
