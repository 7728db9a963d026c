"""Pinned htmx (CDN with SRI, or the same file served locally) and the stylesheet."""

import base64
import hashlib
import json
import re

import pytest
from fastapi.testclient import TestClient

from app.web import settings


def sri(data):
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


@pytest.mark.parametrize("script", list(settings.SCRIPTS.values()), ids=lambda s: s.package)
def test_pins_match_package_json_lock_and_the_npm_file(script):
    pkg = json.loads((settings.ROOT / "package.json").read_text())
    lock = json.loads((settings.ROOT / "package-lock.json").read_text())
    assert pkg["dependencies"][script.package] == script.version
    assert lock["packages"][f"node_modules/{script.package}"]["version"] == script.version
    assert script.local_path.is_file(), "run npm ci"
    assert sri(script.local_path.read_bytes()) == script.sri
    assert script.cdn_url == f"https://cdn.jsdelivr.net/npm/{script.package}@{script.version}/{script.file}"


def test_one_copy_of_htmx_2_and_nothing_else_pinned():
    assert settings.HTMX.version.startswith("2.0.")
    assert list(settings.SCRIPTS) == ["htmx"]
    pkg = json.loads((settings.ROOT / "package.json").read_text())
    assert list(pkg["dependencies"]) == ["htmx.org"]
    lock = json.loads((settings.ROOT / "package-lock.json").read_text())
    copies = [k for k in lock["packages"] if k.endswith("node_modules/htmx.org")]
    assert copies == ["node_modules/htmx.org"]


def test_pages_load_htmx_from_the_cdn_with_its_hash(client):
    html = client.get("/en/chapter/7").text
    tag = f'<script src="{settings.HTMX.cdn_url}" integrity="{settings.HTMX.sri}" crossorigin="anonymous" defer></script>'
    assert tag in html
    assert "/static/vendor/" not in html
    assert client.get(settings.HTMX.local_url).status_code == 404  # not served in CDN mode


def test_local_mode_serves_the_same_file(fixture_site, monkeypatch):
    from app.main import create_app
    from app.pages.site import Site

    monkeypatch.setenv("KITCHEN_HTMX", "local")
    site = Site(library=fixture_site.library, facts=fixture_site.facts, htmx=settings.htmx_mode())
    with TestClient(create_app(site)) as local:
        html = local.get("/zh/chapter/7").text
        assert f'<script src="{settings.HTMX.local_url}" integrity="{settings.HTMX.sri}" crossorigin="anonymous" defer></script>' in html
        assert "cdn.jsdelivr.net" not in html
        r = local.get(settings.HTMX.local_url)
        assert r.status_code == 200
        assert sri(r.content) == settings.HTMX.sri
        assert "javascript" in r.headers["content-type"]
        assert f"?v={settings.HTMX.version}" in settings.HTMX.local_url
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"  # its address holds its version


def test_bad_htmx_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("KITCHEN_HTMX", "maybe")
    with pytest.raises(settings.SettingsError, match="KITCHEN_HTMX must be 'cdn' or 'local'"):
        settings.htmx_mode()


def test_static_files_are_served_with_content_hashes(client):
    html = client.get("/zh/").text
    for path in ("css/kitchen.css", "js/kitchen.js", "favicon.svg"):
        m = re.search(rf'/static/{re.escape(path)}\?v=([0-9a-f]{{10}})', html)
        assert m, path
        r = client.get(f"/static/{path}?v={m.group(1)}")
        assert r.status_code == 200
        assert hashlib.sha256(r.content).hexdigest()[:10] == m.group(1)


def test_stylesheet_defines_the_shared_colours_in_light_and_dark_and_print():
    css = (settings.STATIC_DIR / "css" / "kitchen.css").read_text()
    blocks = re.findall(r":root\s*\{([^}]*)\}", css)
    assert len(blocks) >= 3  # light, dark, print
    light, dark = blocks[0], blocks[1]
    for name in ("--ink", "--paper", "--muted", "--accent", "--accent-2", "--line", "--card"):
        assert re.search(rf"{name}\s*:", light), name
        assert re.search(rf"{name}\s*:", dark), name
    assert "@media (prefers-color-scheme: dark)" in css
    assert "@media print" in css
    assert ":focus-visible" in css
    assert "PingFang SC" in css and "Noto Sans CJK SC" in css
    assert re.search(r"--measure:\s*40em", css)


def test_no_inline_script_or_event_handler_in_templates():
    for path in settings.TEMPLATES_DIR.rglob("*.html"):
        text = path.read_text()
        # the one script without src is structured data (JSON-LD), which is never run
        assert not re.search(r'<script(?![^>]*\bsrc=)(?! type="application/ld\+json")', text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
