"""Building whole pages: the story's HTML around its widgets, in one language.

``Site`` is made once at start-up. It holds the rendered content, the model's
facts and every page already rendered in its starting state, so a page asked
for without a query is served straight from memory. A page with a query is
assembled from the same rendered prose and the widgets in the asked state.
"""

import functools
from dataclasses import dataclass, field
from urllib.parse import urlencode

from app.model_facts import facts as facts_mod
from app.pages import embed, share
from app.story import content
from app.web import i18n, settings, templating
from app.widgets import view
from app.web.i18n import N_

NOT_FOUND_TITLE = N_("That dish is not on the menu")
NOT_FOUND = N_("There is no page at this address. Perhaps a letter slipped.")


@dataclass
class Rendered:
    html: str
    status: int = 200
    oembed: str = None    # the page's oEmbed address (with BASE markers), for its Link header

    @functools.cached_property
    def body(self):
        """The page as UTF-8 bytes, encoded once."""
        return self.html.encode("utf-8")


@dataclass
class Site:
    library: content.Library
    facts: facts_mod.Facts
    htmx: str                                 # "cdn" or "local"
    cache: dict = field(default_factory=dict)  # (lang, slug) -> Rendered

    # --- helpers for templates ---------------------------------------------------
    def scripts(self, page=None):
        """The pinned scripts a page loads: htmx (widgets' own scripts are their assets).
        Fetched in CORS mode wherever they come from: an embed in a sandboxed iframe has
        an opaque origin, and the browser checks a hash only on a CORS answer (app/web/cors.py)."""
        out = []
        for s in settings.SCRIPTS.values():
            src = s.local_url if self.htmx == "local" else s.cdn_url
            out.append({"src": src, "integrity": s.sri, "crossorigin": "anonymous"})
        return out

    def widget_assets(self, page=None):
        """The widgets' own stylesheets and scripts for a page, each once, in page order."""
        css, js = [], []
        if page is not None:
            for inst, _ in page.widgets:
                for path in inst.widget.assets:
                    url = templating.asset(path)
                    bucket = css if path.endswith(".css") else js
                    if url not in bucket:
                        bucket.append(url)
        return {"css": css, "js": js}

    def toc(self, lang):
        items = []
        for slug in content.PAGES[1:]:
            page = self.library.get(lang, slug)
            if page is None:
                continue
            n = page.chapter
            label = i18n.say(lang, "Chapter %(n)s", n=n) if n else i18n.say(lang, content.SECTIONS[slug])
            items.append({"slug": slug, "href": page.path, "label": label, "title": page.title, "summary": page.summary})
        return items

    def neighbours(self, lang, slug):
        """Previous and next page in reading order (cover, chapters, ending)."""
        if slug not in content.READING_ORDER:
            return None, None
        present = [s for s in content.READING_ORDER if s == "index" or self.library.get(lang, s)]
        i = present.index(slug) if slug in present else -1
        prev = present[i - 1] if i > 0 else None
        nxt = present[i + 1] if 0 <= i < len(present) - 1 else None
        return self._link(lang, prev), self._link(lang, nxt)

    def _link(self, lang, slug):
        if slug is None:
            return None
        page = self.library.get(lang, slug)
        title = page.title if page else i18n.say(lang, i18n.SITE_NAME)
        if slug == "index":
            label = i18n.say(lang, "Cover")
        elif slug.startswith("chapter-"):
            label = i18n.say(lang, "Chapter %(n)s", n=content.chapter_number(slug))
        else:
            label = i18n.say(lang, content.SECTIONS[slug])
        return {"href": content.page_path(lang, slug), "label": label, "title": title}

    # --- pages ------------------------------------------------------------------------
    def exists(self, lang, slug):
        """Whether the story has this page: the cover always, the others once written."""
        return slug == "index" or self.library.get(lang, slug) is not None

    def pages_in_order(self):
        """(lang, slug) of every page the story has, in reading order, one language after the other."""
        return [(lang, slug) for lang in settings.LANGS for slug in content.PAGES if self.exists(lang, slug)]

    def alternates(self, lang, slug):
        """The page's versions, for hreflang: its own, its twin's (if written), and
        x-default, the first of the site's languages (Chinese) that has it. Paths, not addresses."""
        alternates = [{"hreflang": x, "href": content.page_path(x, slug)}
                      for x in settings.LANGS if x == lang or self.exists(x, slug)]
        default_lang = alternates[0]["hreflang"]   # the first of the site's languages that has it
        alternates.append({"hreflang": "x-default", "href": content.page_path(default_lang, slug)})
        return alternates

    def page(self, lang, slug, query_pairs=()):
        """A page in ``lang``; None when it does not exist. Status 422 if a widget's
        state in the query is invalid (the page still shows, with the message)."""
        page = self.library.get(lang, slug)
        if page is None and slug != "index":
            return None
        if not query_pairs:
            key = (lang, slug)
            if key not in self.cache:
                self.cache[key] = self._render(lang, slug, page, [])
            return self.cache[key]
        return self._render(lang, slug, page, list(query_pairs))

    def _render(self, lang, slug, page, query_pairs):
        other = i18n.other(lang)
        ok = True
        body = []
        if page is not None:
            for seg in page.segments:
                if isinstance(seg, str):
                    body.append(seg)
                else:
                    html, state = embed.render_with_control(seg, lang, query_pairs, action=page.path)
                    ok = ok and state is not None
                    body.append(html)
        query = urlencode(view.carried(query_pairs))   # the state some widget reads, bounded
        suffix = f"?{query}" if query else ""
        twin = self.library.get(other, slug)
        twin_href = (content.page_path(other, slug) if self.exists(other, slug) else f"/{other}/") + (
            suffix if twin else ""
        )
        # absolute addresses (BASE is written over by the site's address, see app/pages/embed.py)
        alternates = [{"hreflang": a["hreflang"], "href": embed.BASE + a["href"]} for a in self.alternates(lang, slug)]
        prev, nxt = self.neighbours(lang, slug)
        oembed = embed.oembed_href(page.path + suffix) if (page is not None and page.chapter and page.widgets) else None
        title = page.title if page else i18n.say(lang, i18n.SITE_NAME)
        summary = page.summary if page else i18n.say(lang, i18n.TAGLINE)
        html = templating.render(
            "page.html",
            lang,
            page=page,
            slug=slug,
            chapter=page.chapter if page else None,
            title=title,
            full_title=title if slug == "index" else f"{title} · {i18n.say(lang, i18n.SITE_NAME)}",
            description=summary,
            og_type="website" if slug == "index" else "article",
            locale=i18n.locale(lang),
            other_locales=[i18n.locale(x) for x in settings.LANGS if x != lang],
            section_name=i18n.say(lang, content.SECTIONS[slug]) if slug in content.SECTIONS else None,
            switch={"lang": other, "name": i18n.say(other, "English"),
                    "label": i18n.say(other, "Read this page in English")},
            body="".join(body),
            toc=self.toc(lang) if slug == "index" else [],
            footer_toc=self.toc(lang),
            prev=prev,
            next=nxt,
            twin_href=twin_href,
            alternates=alternates,
            canonical=embed.BASE + content.page_path(lang, slug),  # the page, whatever its widgets' state
            og_url=embed.BASE + content.page_path(lang, slug) + suffix,  # a shared state previews as itself
            share=share.head(self, lang, slug, query_pairs),
            scripts=self.scripts(page),
            widget_assets=self.widget_assets(page),
            oembed=oembed,
            model_line=i18n.say(lang, "Every number on these pages comes from the running model: %(n_params)s knobs, %(n_names)s menus.", 
                n_params=i18n.integer(self.facts.n_params), n_names=i18n.integer(self.facts.n_names)
            ),
        )
        return Rendered(html=html, status=200 if ok else 422, oembed=oembed)

    def not_found(self):
        if "404" not in self.cache:
            langs = settings.LANGS   # every language at once: the address names none
            first = langs[0]
            html = templating.render(
                "not_found.html",
                first,
                sections=[{
                    "lang": x,
                    "title": i18n.say(x, NOT_FOUND_TITLE),
                    "message": i18n.say(x, NOT_FOUND),
                    "back": i18n.say(x, "Back to the cover: %(site)s", site=i18n.say(x, i18n.SITE_NAME)),
                    "skip": i18n.say(x, "Skip to content"),
                } for x in langs],
                title=i18n.say(first, NOT_FOUND_TITLE),
                full_title=" · ".join(i18n.say(x, "Page not found") for x in langs),
                description=" ".join(i18n.say(x, NOT_FOUND) for x in langs),
                alternates=[],
                og_type="website",
                locale=i18n.locale(first),
                other_locales=[i18n.locale(x) for x in langs[1:]],
                scripts=[],
            )
            self.cache["404"] = Rendered(html=html, status=404)
        return self.cache["404"]

    def warm(self):
        """Render every page once in its starting state (fails fast on a bad template)."""
        for lang in settings.LANGS:
            for slug in content.PAGES:
                self.page(lang, slug)
        self.not_found()


def build(content_dir=settings.CONTENT_DIR, templates_dir=settings.TEMPLATES_DIR, figure_context=None):
    """Everything a server needs, made once; raises ContentError naming file and line."""
    f = facts_mod.build()
    library = content.load(content_dir, templates_dir, f, figure_context)
    site = Site(library=library, facts=f, htmx=settings.htmx_mode())
    site.warm()
    return site
