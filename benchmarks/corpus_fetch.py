"""Fetch the corpus: download each pinned archive from PyPI, check its sha256, unpack it.

Only PyPI is contacted: its JSON API gives the download address of the pinned file name.
Archives are unpacked as data (zip or tar extraction only; no setup.py, no build backend,
nothing from the package is run). Members with absolute paths, ``..`` parts or links are
skipped, and only source and configuration files are kept (front-end bundles, images and
binaries are of no use to apilint and make up most of some wheels).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from corpus_apps import App, Archive

PYPI_JSON = "https://pypi.org/pypi/{package}/json"
TIMEOUT = 300

# What apilint reads: Python, OpenAPI specs (connexion), project and tool configuration.
KEEP_SUFFIXES = frozenset({".py", ".pyi", ".yaml", ".yml", ".json", ".toml", ".cfg", ".ini"})
KEEP_NAMES = frozenset({".gitignore", ".apilint.yaml"})
# A marker written last: an app folder without it is a half-finished unpack and is redone.
DONE_MARKER = ".corpus-unpacked"


class FetchError(Exception):
    """A download failed, or a file does not match its pinned hash."""


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_url(archive: Archive) -> str:
    """The address PyPI serves the pinned file from."""
    url = PYPI_JSON.format(package=archive.package)
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        project = json.load(response)
    for entry in project.get("releases", {}).get(archive.version, []):
        if entry.get("filename") == archive.filename:
            # Mirrors may answer with addresses relative to the JSON page.
            return urllib.parse.urljoin(url, str(entry["url"]))
    raise FetchError(f"{archive.pin}: PyPI lists no file {archive.filename}")


def ensure_archive(archive: Archive, downloads: Path, offline: bool) -> Path:
    """The verified archive in ``downloads``, fetched when missing (never when ``offline``)."""
    target = downloads / archive.filename
    if not target.is_file():
        if offline:
            raise FetchError(f"{archive.pin}: {target} is not cached (run once without --no-download)")
        downloads.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        with urllib.request.urlopen(download_url(archive), timeout=TIMEOUT) as response, partial.open("wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
        partial.replace(target)
    actual = sha256_of(target)
    if actual != archive.sha256:
        raise FetchError(f"{archive.pin}: {target.name} has sha256 {actual}, pinned {archive.sha256}")
    return target


def _safe_member(name: str) -> PurePosixPath | None:
    """The relative path to write a member to, or None when it is unsafe or not wanted."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    if path.suffix not in KEEP_SUFFIXES and path.name not in KEEP_NAMES:
        return None
    return path


def _zip_members(source: Path) -> Iterator[tuple[PurePosixPath, bytes]]:
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
            path = _safe_member(info.filename)
            if path is not None and not info.is_dir() and not is_link:
                yield path, archive.read(info)


def _tar_members(source: Path) -> Iterator[tuple[PurePosixPath, bytes]]:
    with tarfile.open(source, "r:*") as archive:
        for member in archive:
            path = _safe_member(member.name)
            if path is None or not member.isreg():
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                yield path, handle.read()


def unpack(source: Path, dest: Path) -> int:
    """Write the wanted members of a wheel or sdist under ``dest``; return how many."""
    members = _zip_members(source) if source.suffix in (".whl", ".zip") else _tar_members(source)
    count = 0
    for path, data in members:
        out = dest.joinpath(*path.parts)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        count += 1
    return count


def ensure_app(app: App, work_dir: Path, offline: bool) -> Path:
    """The app's unpacked folder under ``work_dir/apps``, downloading and unpacking as needed.

    The marker records the pinned archives, so a changed pin unpacks the app again.
    """
    root = work_dir / "apps" / app.name
    stamp = "\n".join(f"{a.filename} {a.sha256}" for a in app.archives) + "\n"
    marker = root / DONE_MARKER
    if marker.is_file() and marker.read_text() == stamp:
        return root
    archives = [ensure_archive(a, work_dir / "downloads", offline) for a in app.archives]
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for archive in archives:
        unpack(archive, root)
    marker.write_text(stamp)
    return root
