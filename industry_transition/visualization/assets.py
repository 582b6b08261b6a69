"""The JavaScript and CSS files the Solara page loads, served from a local folder.

Solara's page asks its own server for ``/_solara/cdn/<spec>/<file>`` (for example
``/_solara/cdn/vega@5/build/vega.min.js``); the server answers from the folder
``SOLARA_ASSETS_PROXY_CACHE_DIR/<spec>/<file>`` and, on a miss, fetches the file from a CDN.
This module fills such a folder once per user from the npm registry, with the packages and
sha512 checksums listed in ``assets.toml`` next to it, so that the app then runs without
internet. Pooch downloads and verifies each tarball (kept in the user's cache, so a rebuilt
folder downloads nothing) and unpacks it; platformdirs names the cache folder::

    from industry_transition.visualization.assets import ensure_assets, solara_environment

    env = solara_environment(ensure_assets())  # downloads ~50 MB the first time only
    subprocess.run(["solara", "run", "app.py"], env=os.environ | env)

From a shell, ``industry-transition assets [DIR]`` prepares the folder (e.g. on a machine with
internet, to copy to one without) and prints its path; ``--env`` prints the environment
variables for ``solara run``; ``--update-manifest`` regenerates ``assets.toml``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib.metadata
import importlib.resources
import importlib.util
import json
import logging
import os
import re
import shlex
import shutil
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import platformdirs
import pooch
import requests
import typer

__all__ = [
    "Asset",
    "AssetError",
    "assets_command",
    "ensure_assets",
    "default_cache_dir",
    "solara_environment",
    "required_specs",
    "required_files",
    "load_manifest",
    "manifest_hash",
]

logger = logging.getLogger(__name__)

APP_NAME = "industry-transition"
DEFAULT_REGISTRY = "https://registry.npmjs.org/"
#: Where Solara would fetch a file missing from the folder: a closed port on this machine, so
#: a miss fails quickly and locally (Solara retries 4 times, about 7 s) and never goes online.
OFFLINE_CDN = "http://127.0.0.1:9/"
#: Written last into a finished folder; holds the manifest hash.
MARKER_NAME = ".industry-transition-assets-complete"

_MANIFEST_FILE = "assets.toml"
_FIELDS = ("spec", "package", "version", "integrity")
#: Part of the manifest hash: bump it when the folder layout this module writes changes.
_LAYOUT_VERSION = 1
_TIMEOUT_SECONDS = 60.0
#: Leftover build folders of a killed process older than this are removed.
_STALE_SECONDS = 3600.0
_HELP = (
    "Check that this machine can reach the npm registry (set NPM_CONFIG_REGISTRY to use a "
    "mirror), or set INDUSTRY_TRANSITION_ASSETS_DIR to a folder prepared with "
    "`industry-transition assets DIR` on a machine that can."
)


class AssetError(RuntimeError):
    """The Solara assets could not be downloaded, verified or installed."""


@dataclass(frozen=True)
class Asset:
    """One npm package of the manifest, unpacked into the folder ``spec``."""

    spec: str
    package: str
    version: str
    integrity: str
    #: (file to create, file of the package it copies), for paths only jsDelivr serves
    aliases: tuple[tuple[str, str], ...] = ()

    def tarball_url(self, registry: str) -> str:
        """The tarball's URL in the standard npm registry layout."""
        basename = self.package.rsplit("/", 1)[-1]
        return f"{_normalize_registry(registry)}{self.package}/-/{basename}-{self.version}.tgz"

    @property
    def tarball_name(self) -> str:
        """The tarball's file name in the download cache (the scope kept, without its ``@``)."""
        return f"{self.package.lstrip('@').replace('/', '-')}-{self.version}.tgz"

    @property
    def known_hash(self) -> str:
        """The integrity as Pooch's ``known_hash`` (``sha512:<hex digest>``)."""
        return "sha512:" + _sha512_digest(self.integrity).hex()


# ----------------------------------------------------------------------------------------------
# Manifest


def _manifest_text() -> str:
    return importlib.resources.files(__package__).joinpath(_MANIFEST_FILE).read_text("utf-8")


def _split_spec(spec: str) -> tuple[str, str]:
    """``"@scope/name@1.2"`` -> ``("@scope/name", "1.2")``."""
    name, sep, version = spec.rpartition("@")
    if not sep or not name or name == "@" or not version:
        raise ValueError(f"not a package@version spec: {spec!r}")
    return name, version


_EXACT_VERSION = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_RANGE_VERSION = re.compile(r"\d+(?:\.\d+)?")
_PACKAGE_NAME = re.compile(r"(?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*")


def _version_matches(range_: str, version: str) -> bool:
    if _EXACT_VERSION.fullmatch(range_):
        return range_ == version
    if _RANGE_VERSION.fullmatch(range_):
        return re.fullmatch(r"\d+\.\d+\.\d+", version) is not None and (
            version.split(".")[: range_.count(".") + 1] == range_.split(".")
        )
    raise ValueError(f"unsupported version range {range_!r} (use 1.2.3, 1.2 or 1)")


def _is_safe_relative(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return bool(path) and not re.match(r"[A-Za-z]:|/", path) and ".." not in parts


def _parse_manifest(text: str) -> list[Asset]:
    data = tomllib.loads(text)
    assets = []
    for entry in data.get("asset", []):
        try:
            fields = {key: str(entry[key]) for key in _FIELDS}
        except KeyError as error:
            raise ValueError(f"assets manifest entry {entry!r} lacks {error}") from None
        aliases = tuple(sorted((str(k), str(v)) for k, v in entry.get("aliases", {}).items()))
        asset = Asset(**fields, aliases=aliases)
        for path in (p for pair in aliases for p in pair):
            if not _is_safe_relative(path):
                raise ValueError(f"{asset.spec}: unsafe alias path {path!r}")
        name, range_ = _split_spec(asset.spec)
        if not _PACKAGE_NAME.fullmatch(name) or name != asset.package:
            raise ValueError(f"{asset.spec}: package {asset.package!r} does not match the spec")
        if not _version_matches(range_, asset.version):
            raise ValueError(f"{asset.spec}: version {asset.version!r} does not match the spec")
        _sha512_digest(asset.integrity)  # validates
        assets.append(asset)
    specs = [asset.spec for asset in assets]
    if not assets or len(set(specs)) != len(specs):
        raise ValueError("the assets manifest is empty or lists a spec twice")
    return assets


def load_manifest() -> list[Asset]:
    """The packages listed in ``assets.toml``.

    Returns:
        One `Asset` per spec folder, in file order.
    """
    return _parse_manifest(_manifest_text())


def manifest_hash(assets: list[Asset]) -> str:
    """A 12-character hash of the manifest's entries (comments and order do not count)."""
    entries = sorted([a.spec, a.package, a.version, a.integrity, a.aliases] for a in assets)
    payload = json.dumps({"layout": _LAYOUT_VERSION, "assets": entries})
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


# ----------------------------------------------------------------------------------------------
# Public API


def cache_root() -> Path:
    """The user's cache folder of this application (platformdirs' ``user_cache_path``)."""
    return platformdirs.user_cache_path(APP_NAME)


def default_cache_dir() -> Path:
    """The per-user folder for the Solara assets.

    Returns:
        ``$INDUSTRY_TRANSITION_ASSETS_DIR`` if set; otherwise ``solara-assets-<manifest hash>``
        in `cache_root` (on Linux ``$XDG_CACHE_HOME/industry-transition``, by default
        ``~/.cache/industry-transition``), so a changed manifest gets a fresh folder.
    """
    override = os.environ.get("INDUSTRY_TRANSITION_ASSETS_DIR")
    if override:
        return Path(override).expanduser()
    return cache_root() / f"solara-assets-{manifest_hash(load_manifest())}"


def ensure_assets(
    cache_dir: Path | None = None,
    *,
    registry: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Make sure ``cache_dir`` holds every package of the manifest, downloading if needed.

    A folder whose marker file holds the current manifest hash is used as it is, without any
    network access. Otherwise Pooch downloads each tarball into ``cache_root()/npm`` (or takes
    it from there), checks its sha512 and unpacks it; the regular files of its ``package/``
    folder, less ``*.map`` files, go to a temporary sibling folder, which is renamed into
    place once complete: an interrupted run never leaves a folder that looks complete.

    Args:
        cache_dir: The folder to fill; `default_cache_dir()` if None.
        registry: The npm registry URL; else ``$NPM_CONFIG_REGISTRY`` (or
            ``$npm_config_registry``), else https://registry.npmjs.org/.
        progress: Called with a line of text per step; the module's logger if None.

    Returns:
        The complete folder, to pass to `solara_environment`.

    Raises:
        AssetError: A download failed, a tarball did not match its integrity or held an unsafe
            path, or ``cache_dir`` exists with other content.
    """
    report = progress or logger.info
    assets = load_manifest()
    digest = manifest_hash(assets)
    target = Path(cache_dir if cache_dir is not None else default_cache_dir()).expanduser()
    target = target.absolute()
    if _is_complete(target, assets, digest):
        return target
    if target.exists() and not _is_ours(target):
        raise AssetError(
            f"{target} exists but is not a Solara asset folder made by industry_transition "
            f"(no {MARKER_NAME} file); remove it or choose another folder."
        )
    registry_url = _normalize_registry(registry or _registry_from_env() or DEFAULT_REGISTRY)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(target)
    started = time.monotonic()
    build = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        total = 0
        for number, asset in enumerate(assets, start=1):
            report(f"[{number}/{len(assets)}] {asset.package} {asset.version} ({asset.spec})")
            total += _unpack(asset, registry_url, build)
        (build / MARKER_NAME).write_text(digest + "\n", encoding="utf-8")
        build.chmod(0o755)  # mkdtemp made it private; a prepared folder may be shared
        _install(build, target, assets, digest)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    elapsed = time.monotonic() - started
    report(f"Solara assets ready in {target} ({total / 1e6:.0f} MB, {elapsed:.1f} s)")
    return target


def solara_environment(cache_dir: Path) -> dict[str, str]:
    """The environment variables that make a Solara server use ``cache_dir`` and stay offline.

    Solara reads them when it is first imported, so pass them to the ``solara run`` process
    (``env=os.environ | solara_environment(...)``) or set them before importing ``solara``.

    Args:
        cache_dir: A folder returned by `ensure_assets`.

    Returns:
        ``SOLARA_ASSETS_PROXY=true`` (Solara turns its proxy off by itself inside VS Code,
        Colab or Voila, and the page would then load the files straight from the CDN
        setting); ``SOLARA_ASSETS_PROXY_CACHE_DIR``; ``SOLARA_ASSETS_CDN`` set to a closed
        local port, so a file missing from the folder fails locally instead of going online;
        ``SOLARA_TELEMETRY_MIXPANEL_ENABLE=false`` (no usage reports to mixpanel.com).
    """
    return {
        "SOLARA_ASSETS_PROXY": "true",
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(Path(cache_dir).expanduser().absolute()),
        "SOLARA_ASSETS_CDN": OFFLINE_CDN,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    }


# Files of the installed solara that name the assets a page of this app can request: the page
# template, the Font Awesome setting, Markdown (katex, mermaid), FigureAltair (vega) and
# GridDraggable (used by Mesa's SolaraViz). Other components (FigureEcharts, SqlCode,
# MarkdownEditor) load further packages, by versions only known in the browser: not covered.
_SCANNED_FILES = (
    "server/templates/solara.html.j2",
    "server/settings.py",
    "components/markdown.py",
    "widgets/vue/vegalite.vue",
    "widgets/vue/gridlayout.vue",
    "widgets/vue/gridlayout_v3.vue",
)
_REFERENCE_PATTERNS = (
    re.compile(r"\{\{\s*cdn\s*\}\}(/[^\"'\s<>]+)"),  # template: {{cdn}}/requirejs@2.3.6/...
    re.compile(r"\$\{this\.getCdn\(\)\}(/[^`\"'\s]+)"),  # vue/js: ${this.getCdn()}/vega@5/...
    re.compile(r"fontawesome_path: str = \"(/[^\"]+)\""),  # settings.py
)
_MAJOR_PLACEHOLDER = re.compile(r"\{\{\s*ipywidget_major_version\s*\}\}")


def required_files(ipywidgets_major: int | None = None) -> list[str]:
    """The ``<spec>/<file>`` paths the installed Solara's pages load through its CDN proxy.

    Found by scanning Solara's template and component sources, so the result follows a Solara
    upgrade. Both the production (``.min.js``) and development variants are listed.

    Args:
        ipywidgets_major: The ``ipywidget_major_version`` the template is rendered with;
            that of the installed ipywidgets (8 if none) if None.

    Returns:
        Sorted paths such as ``@widgetti/solara-vuetify3-app@5.2.0/dist/main8.css``.

    Raises:
        RuntimeError: Solara is not installed, or a scanned file is missing, names no asset,
            or builds an asset path at run time (the scan needs updating).
    """
    if ipywidgets_major is None:
        try:
            ipywidgets_major = int(importlib.metadata.version("ipywidgets").split(".")[0])
        except importlib.metadata.PackageNotFoundError:
            ipywidgets_major = 8
    root = _solara_dir()
    found: set[str] = set()
    for relative in _SCANNED_FILES:
        path = root / relative
        if not path.is_file():
            raise RuntimeError(f"{path} is missing: update _SCANNED_FILES in {__name__}")
        text = _MAJOR_PLACEHOLDER.sub(str(ipywidgets_major), path.read_text("utf-8"))
        references = {m.group(1) for p in _REFERENCE_PATTERNS for m in p.finditer(text)}
        if not references:
            raise RuntimeError(f"{path} names no asset any more: update {__name__}")
        for reference in references:
            if "{" in reference or "$" in reference:
                raise RuntimeError(f"{path} builds an asset path at run time: {reference}")
            found.add(reference.lstrip("/"))
    return sorted(found)


def required_specs() -> list[str]:
    """The spec folders (``vega@5``, ``requirejs@2.3.6``, ...) the installed Solara requests.

    Returns:
        Sorted folder names, to compare with the manifest after a Solara upgrade.

    Raises:
        RuntimeError: As `required_files`.
    """
    return sorted({_spec_of(path) for path in required_files()})


# ----------------------------------------------------------------------------------------------
# Helpers


def _spec_of(path: str) -> str:
    parts = path.split("/")
    return "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]


def _solara_dir() -> Path:
    spec = importlib.util.find_spec("solara")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("solara is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _registry_from_env() -> str | None:
    for name in ("NPM_CONFIG_REGISTRY", "npm_config_registry"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def _normalize_registry(registry: str) -> str:
    return registry.strip().rstrip("/") + "/"


def _sha512_digest(integrity: str) -> bytes:
    algorithm, _, encoded = integrity.strip().partition("-")
    try:
        digest = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if algorithm != "sha512" or len(digest) != hashlib.sha512().digest_size:
        raise ValueError(f"not a single sha512 integrity string: {integrity!r}")
    return digest


def _is_complete(folder: Path, assets: list[Asset], digest: str) -> bool:
    try:
        marker = (folder / MARKER_NAME).read_text("utf-8").strip()
    except OSError:
        return False
    return marker == digest and all((folder / asset.spec).is_dir() for asset in assets)


def _is_ours(folder: Path) -> bool:
    """An empty folder, or one this module made (maybe for another manifest)."""
    try:
        return (folder / MARKER_NAME).is_file() or not any(folder.iterdir())
    except NotADirectoryError:
        return False


def _remove_stale_builds(target: Path) -> None:
    """Remove the build folders a killed run left (older than ``_STALE_SECONDS``)."""
    for path in target.parent.glob(f".{target.name}.building-*"):
        try:
            if time.time() - path.stat().st_mtime > _STALE_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def _unpack(asset: Asset, registry: str, build: Path) -> int:
    """Fetch ``asset``'s tarball with Pooch and move its files into ``build/<spec>``.

    Returns:
        The bytes of the files kept.
    """
    url = asset.tarball_url(registry)
    unpacked = build / ".untar" / asset.spec
    pooch_logger = pooch.get_logger()
    level = pooch_logger.level
    pooch_logger.setLevel(logging.WARNING)  # this module reports its own progress
    try:
        pooch.retrieve(
            url,
            known_hash=asset.known_hash,
            fname=asset.tarball_name,
            path=cache_root() / "npm",
            processor=pooch.Untar(extract_dir=str(unpacked)),  # absolute: used as it is
            downloader=pooch.HTTPDownloader(
                progressbar=False, timeout=_TIMEOUT_SECONDS, headers={"User-Agent": APP_NAME}
            ),
        )
    except requests.RequestException as error:
        # requests words a refused connection in three nested layers: keep the innermost
        errno = re.search(r"\[Errno -?\d+\] [^'\")]+", str(error))
        raise AssetError(
            f"Could not download {asset.package} {asset.version} (for {asset.spec}) from "
            f"{url}: {errno.group(0) if errno else error}. {_HELP}"
        ) from error
    except tarfile.TarError as error:  # the "data" filter refused a path outside the folder
        raise AssetError(
            f"Refusing {asset.package} {asset.version} from {url}: unsafe path ({error}). {_HELP}"
        ) from error
    except ValueError as error:  # Pooch: the hash does not match
        raise AssetError(
            f"Integrity check failed for {asset.package} {asset.version} (for {asset.spec}) "
            f"downloaded from {url}: {error} The registry, or a proxy between, served other "
            f"bytes than npm published. {_HELP}"
        ) from error
    finally:
        pooch_logger.setLevel(level)
    # npm tarballs hold their files under package/: that folder becomes the spec's folder (one
    # rename, not one per file), less its links and source maps
    dest = build / asset.spec
    dest.parent.mkdir(parents=True, exist_ok=True)
    if (unpacked / "package").is_dir():
        (unpacked / "package").rename(dest)
    else:
        dest.mkdir()
    total = 0
    for folder, dirs, files in os.walk(dest):
        for name in dirs + files:
            path = Path(folder, name)
            if path.is_symlink() or (name.endswith(".map") and name in files):
                path.unlink()
            elif name in files:
                total += path.stat().st_size
    for alias, source in asset.aliases:
        if not (dest / source).is_file():
            raise AssetError(f"{asset.spec}: {source} (for alias {alias}) is missing")
        shutil.copyfile(dest / source, dest / alias)
    shutil.rmtree(unpacked)
    return total


def _install(build: Path, target: Path, assets: list[Asset], digest: str) -> None:
    """Rename the finished ``build`` folder to ``target``, replacing an outdated one."""
    shutil.rmtree(build / ".untar", ignore_errors=True)
    for _ in range(3):
        try:
            build.rename(target)  # atomic; fails if target exists (non-empty, or on Windows)
            return
        except OSError:
            if _is_complete(target, assets, digest):
                return  # another process finished first
            if target.exists():
                if not _is_ours(target):
                    raise AssetError(f"{target} exists but is not a Solara asset folder") from None
                shutil.rmtree(target, ignore_errors=True)
    raise AssetError(f"Could not move the assets into {target}: it keeps changing")


# ----------------------------------------------------------------------------------------------
# Manifest regeneration and command line


def _resolve(spec: str, registry: str) -> Asset:
    package, range_ = _split_spec(spec)
    response = requests.get(
        f"{_normalize_registry(registry)}{package.replace('/', '%2F')}",
        headers={"Accept": "application/vnd.npm.install-v1+json", "User-Agent": APP_NAME},
        timeout=_TIMEOUT_SECONDS,
    )
    response.raise_for_status()
    versions = response.json().get("versions")
    if not isinstance(versions, dict):
        raise AssetError(f"{registry} has no versions for {package}")
    matching = [v for v in versions if _version_matches(range_, v)]
    if not matching:
        raise AssetError(f"{registry} has no version of {package} matching {range_!r}")
    version = max(matching, key=lambda v: [int(x) for x in re.findall(r"\d+", v)[:3]])
    integrity = versions[version]["dist"]["integrity"]
    return Asset(spec=spec, package=package, version=version, integrity=integrity)


def update_manifest(registry: str | None = None) -> Path:
    """Rewrite ``assets.toml`` for the installed Solara's specs plus those already listed.

    Args:
        registry: The npm registry URL, as for `ensure_assets`.

    Returns:
        The path of the manifest written (in the source tree).
    """
    registry_url = registry or _registry_from_env() or DEFAULT_REGISTRY
    path = Path(__file__).with_name(_MANIFEST_FILE)
    text = path.read_text("utf-8")
    header = text[: text.index("[[asset]]")] if "[[asset]]" in text else ""
    current = {a.spec: a for a in _parse_manifest(text)}
    blocks = []
    for spec in sorted(current.keys() | set(required_specs())):
        asset = _resolve(spec, registry_url)
        block = "[[asset]]\n" + "".join(
            f"{key} = {json.dumps(getattr(asset, key))}\n" for key in _FIELDS
        )
        if spec in current and current[spec].aliases:
            pairs = ", ".join(
                f"{json.dumps(k)} = {json.dumps(v)}" for k, v in current[spec].aliases
            )
            block += f"aliases = {{ {pairs} }}\n"
        blocks.append(block)
    new_text = header + "\n".join(blocks)
    _parse_manifest(new_text)  # never write a manifest that does not load
    path.write_text(new_text, encoding="utf-8")
    return path


def assets_command(
    folder: Annotated[
        Path | None, typer.Argument(help="The folder to fill (default: the user's cache).")
    ] = None,
    registry: Annotated[
        str | None, typer.Option(help="npm registry URL (default: $NPM_CONFIG_REGISTRY).")
    ] = None,
    env: Annotated[
        bool, typer.Option("--env", help="Print `export` lines for `solara run`.")
    ] = False,
    update: Annotated[
        bool, typer.Option("--update-manifest", help="Rewrite assets.toml from the registry.")
    ] = False,
) -> None:
    """Download the app's JavaScript and CSS into a folder (to run the app offline)."""
    try:
        if update:
            typer.echo(update_manifest(registry))
            return
        ready = ensure_assets(
            folder, registry=registry, progress=lambda line: typer.echo(line, err=True)
        )
    except (AssetError, requests.RequestException) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if env:
        for key, value in solara_environment(ready).items():
            typer.echo(f"export {key}={shlex.quote(value)}")
    else:
        typer.echo(ready)
