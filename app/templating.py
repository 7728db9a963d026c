"""The Jinja environments: pages and partials (HTML), figures (inline SVG)."""

import functools
import hashlib

import jinja2

from app import settings


@functools.lru_cache(maxsize=None)
def env(templates_dir=settings.TEMPLATES_DIR):
    """Pages and partials. Undefined names are errors, so a typo fails a test."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(["html", "svg", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates are read once; a change needs a restart, like the content
    )
    environment.globals["asset"] = asset
    environment.globals["icon"] = icon
    return environment


@functools.lru_cache(maxsize=None)
def asset(path):
    """URL of a file under static/, with a short content hash so it can be cached long."""
    digest = hashlib.sha256((settings.STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def render(template, **context):
    return env().get_template(template).render(**context)


def icon(size):
    """URL of the site's icon drawn at ``size`` pixels (app/share.py), versioned like an asset."""
    from app import share

    return share.icon_url(size)
