"""tools/site_vendor.py: CDN tags become local files; integrity kept only where it still holds."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import sys
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[3]


def _load_tool():
    spec = importlib.util.spec_from_file_location("site_vendor", ROOT / "tools" / "site_vendor.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["site_vendor"] = module
    spec.loader.exec_module(module)
    return module


site_vendor = _load_tool()

JQUERY = b"/*! jquery */"
FLOT = b"/* flot, unminified */"


def _sha(data: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()


class FakePackages:
    """Stands in for the npm registry: package files from a dict."""

    files: ClassVar[dict[tuple[str, str], bytes]] = {
        ("jquery@3.3.1", "dist/jquery.min.js"): JQUERY,
        ("flot@0.8.3", "jquery.flot.js"): FLOT,
        ("bootstrap@3.1.1", "dist/css/bootstrap.min.css"): b"body{}",
        **{
            ("bootstrap@3.1.1", f"dist/fonts/glyphicons-halflings-regular.{e}"): b"font"
            for e in ("eot", "svg", "ttf", "woff")
        },
    }

    def read(self, package: str, path: str) -> bytes:
        return self.files[(package, path)]


PAGE = f"""<html><head>
<script src="https://code.jquery.com/jquery-3.3.1.min.js" integrity="{_sha(JQUERY)}" crossorigin="anonymous"></script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js" integrity="{_sha(b"minified")}" crossorigin="anonymous" referrerpolicy="no-referrer"></script>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css">
<script src="asv.js"></script>
</head><body><a href="https://github.com/airspeed-velocity/asv/">asv</a></body></html>
"""  # noqa: E501


def test_vendors_every_cdn_tag_and_keeps_only_valid_integrity(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text(PAGE)
    vendored = site_vendor.vendor_page(page, FakePackages())
    assert len(vendored) == 3
    html = page.read_text()
    assert site_vendor.remote_references(tmp_path) == []
    assert f'src="vendor/jquery@3.3.1/dist/jquery.min.js" integrity="{_sha(JQUERY)}"' in html
    flot_tag = next(line for line in html.splitlines() if "jquery.flot.js" in line)
    assert "integrity" not in flot_tag and "crossorigin" not in flot_tag
    assert (tmp_path / "vendor/flot@0.8.3/jquery.flot.js").read_bytes() == FLOT
    fonts = tmp_path / "vendor/bootstrap@3.1.1/dist/fonts"
    assert (fonts / "glyphicons-halflings-regular.woff").exists()
    assert 'href="https://github.com/airspeed-velocity/asv/"' in html  # links are not assets


def test_running_twice_changes_nothing(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text(PAGE)
    site_vendor.vendor_page(page, FakePackages())
    once = page.read_text()
    assert site_vendor.vendor_page(page, FakePackages()) == []
    assert page.read_text() == once


def test_jsdelivr_npm_urls_map_to_their_package() -> None:
    asset = site_vendor.asset_for(
        "https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js"
    )
    assert asset == site_vendor.Asset("flot-orderbars@1.0.0", "js/jquery.flot.orderBars.js")
    assert site_vendor.asset_for("https://example.invalid/x.js") is None
