"""Make the published asv site self-contained: serve its JavaScript and CSS from ``html/vendor``.

``asv publish`` writes an ``index.html`` that loads jQuery, flot, bootstrap, md5 and stupidtable
from public CDNs. A site that needs third parties to render breaks offline, behind a proxy, in
CI (the browser test) and whenever a CDN changes; so after every publish:

    asv publish && python tools/site_vendor.py html

fetches the same packages (``npm pack``: the npm registry is the source these CDNs mirror),
copies the files into ``html/vendor/<package>/`` and points the tags there. Where the local
file is byte-identical to the CDN's, the ``integrity`` hash is kept (the browser still verifies
it); where npm ships only an unminified build (flot 0.8.3) or no identical version (stupidtable
1.0.1 -> stupid-table-plugin 1.1.3), the hash is dropped because it would not match.
Running it again on a vendored site changes nothing.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VENDOR = "vendor"


@dataclass(frozen=True)
class Asset:
    """Where one CDN URL's content lives in an npm package."""

    package: str  # name@version
    path: str  # inside the package tarball (without the leading "package/")


# CDN URL (as asv 0.6 writes it) -> npm source. jsdelivr "/npm/<pkg>@<ver>/<path>" URLs map
# directly and need no entry.
KNOWN = {
    "https://code.jquery.com/jquery-3.3.1.min.js": Asset("jquery@3.3.1", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js": Asset(
        "flot@0.8.3", "jquery.flot.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js": Asset(
        "flot@0.8.3", "jquery.flot.time.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.selection.min.js": Asset(
        "flot@0.8.3", "jquery.flot.selection.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.categories.min.js": Asset(
        "flot@0.8.3", "jquery.flot.categories.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js": Asset(
        "stupid-table-plugin@1.1.3", "stupidtable.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js": Asset(
        "blueimp-md5@2.19.0", "js/md5.min.js"
    ),
}
# Files a vendored stylesheet refers to relatively (bootstrap's glyph font).
COMPANIONS = {
    "bootstrap@3.1.1": [
        f"dist/fonts/glyphicons-halflings-regular.{ext}" for ext in ("eot", "svg", "ttf", "woff")
    ],
}
JSDELIVR_NPM = re.compile(r"^https://cdn\.jsdelivr\.net/npm/((?:@[^/]+/)?[^/@]+@[^/]+)/(.+)$")
TAG = re.compile(r"<(script|link)\b[^>]*?(?:src|href)=\"(https://[^\"]+)\"[^>]*>")


def asset_for(url: str) -> Asset | None:
    if url in KNOWN:
        return KNOWN[url]
    match = JSDELIVR_NPM.match(url)
    return Asset(match.group(1), match.group(2)) if match else None


def sri(data: bytes, algorithm: str) -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


class NpmPackages:
    """npm tarballs fetched once into a scratch directory."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._tarballs: dict[str, Path] = {}

    def read(self, package: str, path: str) -> bytes:
        tarball = self._tarballs.get(package)
        if tarball is None:
            out = (
                subprocess.run(
                    ["npm", "pack", package, "--silent", "--pack-destination", str(self.workdir)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            tarball = self._tarballs[package] = self.workdir / out
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(f"package/{path}")
            if member is None:
                raise FileNotFoundError(f"{package} has no {path}")
            return member.read()


def _rewrite_tag(tag: str, url: str, local: str, data: bytes) -> str:
    tag = tag.replace(url, local)
    integrity = re.search(r'\sintegrity="([^"]+)"', tag)
    if integrity:
        algorithm = integrity.group(1).split("-", 1)[0]
        if sri(data, algorithm) != integrity.group(1):
            tag = tag.replace(integrity.group(0), "")
            tag = re.sub(r'\scrossorigin="[^"]*"', "", tag)
    return tag


def vendor_page(page: Path, packages: NpmPackages) -> list[str]:
    """Rewrite one HTML page in place; return the URLs it vendored."""
    html = page.read_text(encoding="utf-8")
    vendored: list[str] = []

    def replace(match: re.Match[str]) -> str:
        tag, url = match.group(0), match.group(2)
        asset = asset_for(url)
        if asset is None:
            return tag
        data = packages.read(asset.package, asset.path)
        local = f"{VENDOR}/{asset.package}/{asset.path}"
        target = page.parent / local
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        for companion in COMPANIONS.get(asset.package, []):
            extra = page.parent / VENDOR / asset.package / companion
            extra.parent.mkdir(parents=True, exist_ok=True)
            extra.write_bytes(packages.read(asset.package, companion))
        vendored.append(url)
        return _rewrite_tag(tag, url, local, data)

    new_html = TAG.sub(replace, html)
    if new_html != html:
        page.write_text(new_html, encoding="utf-8")
    return vendored


def remote_references(html_dir: Path) -> list[str]:
    """URLs of scripts and stylesheets the site still loads from elsewhere."""
    found = []
    for page in sorted(html_dir.glob("*.html")):
        found += [m.group(2) for m in TAG.finditer(page.read_text(encoding="utf-8"))]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", type=Path, nargs="?", default=Path("html"))
    args = parser.parse_args(argv)
    pages = sorted(args.html_dir.glob("*.html"))
    if not pages:
        print(f"site_vendor: no HTML pages in {args.html_dir} (run asv publish first)")
        return 2
    with tempfile.TemporaryDirectory(prefix="site-vendor-") as tmp:
        packages = NpmPackages(Path(tmp))
        total = sum(len(vendor_page(page, packages)) for page in pages)
    left = remote_references(args.html_dir)
    print(f"site_vendor: {total} references vendored into {args.html_dir / VENDOR}")
    if left:
        print("site_vendor: still remote: " + ", ".join(left))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
