"""The video scripts: scenes with narration, what is on screen, and running times.

``content/{zh,en}/video.md`` holds the scripts (a long one and a short one) as
``::: scene`` blocks, the narration inside::

    ::: scene script=short seconds=12 screen="figure:trace"
    食客放下筷子：太咸了。
    :::

``screen`` is what the viewer sees: ``figure:NAME`` (a drawing of the story,
linked to the page that carries it), ``widget:NAME key=value ...`` (a widget
in a given state, linked to that state on its chapter page; the state is
checked at start-up like any ``::: widget`` line) or ``page:SLUG``.

A scene's start and end are added up from the scenes before it, and
``::: runtime NAME`` prints a script's whole running time: the lengths are
written once, in the scenes, and never typed twice.
"""

import html
import re
import shlex
from dataclasses import dataclass, field
from urllib.parse import urlencode

from app.web import i18n

SCRIPT_RE = re.compile(r"^[a-z][a-z0-9-]*$")
MAX_SECONDS = 600


@dataclass
class Scene:
    script: str
    seconds: int
    screen: str            # as written
    kind: str              # figure, widget or page
    target: str            # figure name, widget name or page slug
    args: dict = field(default_factory=dict)   # widget state
    line: int = 0
    start: int = 0         # seconds from the start of its script, filled in by ``place``
    number: int = 0        # 1-based, within its script


def parse_scene(parts, args, widget_check):
    """A Scene from a ``::: scene`` line's key=value arguments; raises ValueError."""
    if parts:
        raise ValueError("'::: scene' takes only key=value arguments: script, seconds, screen")
    unknown = set(args) - {"script", "seconds", "screen"}
    if unknown:
        raise ValueError(f"unknown scene argument(s) {', '.join(sorted(unknown))} (known: script, seconds, screen)")
    script = args.get("script", "")
    if not SCRIPT_RE.match(script):
        raise ValueError("a scene needs script=NAME (e.g. script=long)")
    seconds = args.get("seconds", "")
    if not re.fullmatch(r"[0-9]+", seconds) or not 1 <= int(seconds) <= MAX_SECONDS:
        raise ValueError(f"a scene needs seconds=N, a whole number from 1 to {MAX_SECONDS}")
    screen = args.get("screen", "").strip()
    kind, _, rest = screen.partition(":")
    if kind not in ("figure", "widget", "page") or not rest.strip():
        raise ValueError('a scene needs screen="figure:NAME", "widget:NAME key=value ..." or "page:SLUG"')
    bits = shlex.split(rest)
    target, state = bits[0], {}
    for bit in bits[1:]:
        key, eq, value = bit.partition("=")
        if not eq:
            raise ValueError(f"the widget state on screen is key=value, got {bit!r}")
        state[key] = value
    if kind != "widget" and state:
        raise ValueError(f"only a widget on screen takes a state, got {rest!r}")
    if kind == "widget":
        widget_check(target, state)
    return Scene(script=script, seconds=int(seconds), screen=screen, kind=kind, target=target, args=state)


def place(scenes):
    """Number the scenes and set each one's start, script by script.
    Returns (script -> total seconds, script -> number of scenes)."""
    totals, counts = {}, {}
    for scene in scenes:
        scene.start = totals.get(scene.script, 0)
        counts[scene.script] = scene.number = counts.get(scene.script, 0) + 1
        totals[scene.script] = scene.start + scene.seconds
    return totals, counts


def clock(seconds):
    return f"{seconds // 60}:{seconds % 60:02d}"


def length(seconds, lang):
    """A running time in words: 6 分 5 秒 / 6 min 5 s / 60 秒 / 60 s."""
    m, s = divmod(seconds, 60)
    if not m:
        return i18n.say(lang, "%(s)s s", s=s)
    if not s:
        return i18n.say(lang, "%(m)s min", m=m)
    return i18n.say(lang, "%(m)s min %(s)s s", m=m, s=s)


def screen_link(scene, lang, where):
    """(href, text, state) of what is on screen; ``where`` finds pages, figures, widget
    homes and titles. ``state`` is a widget's starting state as its address writes it."""
    if scene.kind == "figure":
        page, alt = where.figure(lang, scene.target)
        return f"{page.path}#figure-{scene.target}", alt, ""
    if scene.kind == "page":
        return (*where.page(lang, scene.target), "")
    page, title = where.widget(lang, scene.target)
    query = urlencode([(f"{scene.target}.{k}", v) for k, v in scene.args.items()])
    href = f"{page.path}{'?' + query if query else ''}#w-{scene.target}"
    return href, title, " ".join(f"{k}={v}" for k, v in scene.args.items())


def scene_html(scene, lang, href, text, state=""):
    """(opening, closing) HTML of one scene; the narration goes between."""
    e = html.escape
    end = scene.start + scene.seconds
    head = i18n.say(lang, "Scene %(n)s", n=scene.number)
    on_screen = i18n.say(lang, "On screen: ")
    narration = i18n.say(lang, "Narration: ")
    opening = (
        f'<section class="scene" id="scene-{scene.script}-{scene.number}" data-seconds="{scene.seconds}">\n'
        f'<h3 class="scene-head">{e(head)} '
        f'<span class="scene-time"><time datetime="PT{scene.start}S">{clock(scene.start)}</time>–'
        f'<time datetime="PT{end}S">{clock(end)}</time> · {e(length(scene.seconds, lang))}</span></h3>\n'
        f'<p class="scene-screen"><span class="scene-label">{e(on_screen)}</span>'
        f'<a href="{e(href)}">{e(text)}</a>{" <code>" + e(state) + "</code>" if state else ""}</p>\n'
        f'<div class="scene-narration"><span class="scene-label">{e(narration)}</span>\n'
    )
    return opening, "</div>\n</section>\n"


def runtime_html(script, totals, counts, lang):
    total = totals[script]
    words = i18n.say_n(lang, "Running time %(length)s, %(num)s scene.", "Running time %(length)s, %(num)s scenes.",
                       counts[script], length=length(total, lang))
    return (f'<p class="runtime" data-script="{html.escape(script)}" data-seconds="{total}">'
            f'{html.escape(words)}</p>\n')
