"""For search engines: ``/robots.txt`` and ``/sitemap.xml``.

Every widget state has its own address, so the site has as many addresses as
there are states. Crawlers are pointed at the pages themselves: the sitemap
lists every page of the story in each language, with its twin in the other
(hreflang alternates, as the pages' own ``<link rel="alternate">`` do), and
robots.txt keeps them out of the widget fragments, the JSON API and the embed
pages, which are pieces of the pages, not pages to find. The pages' canonical
link drops the widget state for the same reason.

Addresses are absolute: ``KITCHEN_PUBLIC_URL`` if set, else the request's own
scheme and host (``embed.base_url``).
"""

from xml.sax.saxutils import quoteattr, escape

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from app.pages import embed
from app.story import content

router = APIRouter(include_in_schema=False)

NOT_FOR_CRAWLERS = ("/api/", "/embed/", "/oembed", "/zh/widget/", "/en/widget/")


@router.get("/robots.txt")
def robots(request: Request):
    base = embed.base_url(request.scope)
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in NOT_FOR_CRAWLERS]
    lines += ["", f"Sitemap: {base}/sitemap.xml", ""]
    return PlainTextResponse("\n".join(lines))


@router.get("/sitemap.xml")
def sitemap(request: Request):
    base = embed.base_url(request.scope)
    site = request.app.state.site
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for lang, slug in site.pages_in_order():
        out.append(f"  <url><loc>{escape(base + content.page_path(lang, slug))}</loc>")
        for alt in site.alternates(lang, slug):
            out.append(f'    <xhtml:link rel="alternate" hreflang={quoteattr(alt["hreflang"])} '
                       f'href={quoteattr(base + alt["href"])}/>')
        out.append("  </url>")
    out.append("</urlset>\n")
    return Response("\n".join(out), media_type="application/xml")
