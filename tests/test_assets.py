"""The Solara asset folder: manifest coverage, download checks, safe unpacking, atomic install."""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import importlib.util
import io
import re
import socket
import tarfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from industry_transition.cli import app
from industry_transition.visualization import assets
from industry_transition.visualization.assets import (
    MARKER_NAME,
    Asset,
    AssetError,
    ensure_assets,
    solara_environment,
)

needs_solara = pytest.mark.skipif(
    importlib.util.find_spec("solara") is None, reason="solara (the app extra) is not installed"
)


# ----------------------------------------------------------------------------------------------
# A fake registry: tarballs in a folder, served over HTTP on this machine


def make_tarball(files: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buffer.getvalue()


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class FakeRegistry:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        root.mkdir()
        self.manifest: list[Asset] = []
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
        )
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        monkeypatch.setattr(assets, "load_manifest", lambda: list(self.manifest))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def publish(
        self,
        spec: str,
        files: dict[str, bytes],
        *,
        version: str | None = None,
        integrity: str | None = None,
        aliases: tuple[tuple[str, str], ...] = (),
        symlinks: dict[str, str] | None = None,
    ) -> Asset:
        package, _, spec_version = spec.rpartition("@")
        version = version or spec_version
        data = make_tarball(files, symlinks=symlinks)
        asset = Asset(spec, package, version, integrity or integrity_of(data), aliases)
        path = self.root / package / "-" / f"{package.rsplit('/', 1)[-1]}-{version}.tgz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.manifest.append(asset)
        return asset


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRegistry]:
    for name in ("INDUSTRY_TRANSITION_ASSETS_DIR", "NPM_CONFIG_REGISTRY", "npm_config_registry"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # the tarballs' cache
    fake = FakeRegistry(tmp_path / "registry", monkeypatch)
    yield fake
    fake.stop()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


def publish_two(registry: FakeRegistry) -> None:
    registry.publish(
        "@scope/app@1.0.0",
        {
            "package/package.json": b"{}",
            "package/dist/app.min.js": b"app();",
            "package/dist/app.min.js.map": b"{}",
        },
    )
    registry.publish("lib@2", {"package/build/lib.js": b"lib();"}, version="2.1.0")


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# ----------------------------------------------------------------------------------------------
# The real manifest


@needs_solara
def test_manifest_lists_exactly_the_specs_solara_requests() -> None:
    manifest = sorted(asset.spec for asset in assets.load_manifest())
    assert manifest == assets.required_specs()


def test_manifest_entries_are_exact_versions_with_sha512() -> None:
    entries = assets.load_manifest()
    assert len(entries) >= 9
    for asset in entries:
        assert re.fullmatch(r"\d+\.\d+\.\d+(-[\w.]+)?", asset.version), asset
        assert asset.spec.startswith(asset.package + "@")
        assert len(base64.b64decode(asset.integrity.removeprefix("sha512-"))) == 64
        assert re.fullmatch(r"sha512:[0-9a-f]{128}", asset.known_hash)
    vega = {asset.spec: asset.version for asset in entries}
    assert vega["vega@5"].startswith("5.")
    assert vega["vega-lite@5"].startswith("5.")
    assert vega["vega-embed@6"].startswith("6.")


@needs_solara
def test_required_files_follow_the_template() -> None:
    files = assets.required_files(ipywidgets_major=8)
    assert "@widgetti/solara-vuetify3-app@5.2.0/dist/solara-vuetify-app8.min.js" in files
    assert "@widgetti/solara-vuetify-app@10.1.1/dist/main8.css" in files
    assert "font-awesome@4.5.0/css/font-awesome.min.css" in files
    assert "vega-lite@5/build/vega-lite.min.js" in files
    assert "requirejs@2.3.6/require.js" in files
    assert "main7.css" in " ".join(assets.required_files(ipywidgets_major=7))


def test_manifest_rejects_inconsistent_entries() -> None:
    good = 'spec = "vega@5"\npackage = "vega"\nintegrity = "sha512-' + "A" * 86 + '=="\n'
    assets._parse_manifest('[[asset]]\nversion = "5.1.0"\n' + good)
    for version in ("6.0.0", "5.1.0-rc.1"):
        with pytest.raises(ValueError, match="does not match"):
            assets._parse_manifest(f'[[asset]]\nversion = "{version}"\n' + good)
    with pytest.raises(ValueError, match="sha512"):
        assets._parse_manifest('[[asset]]\nversion = "5.1.0"\n' + good.replace("sha512", "sha1"))


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("INDUSTRY_TRANSITION_ASSETS_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = assets.default_cache_dir()
    digest = assets.manifest_hash(assets.load_manifest())
    assert folder == tmp_path / "industry-transition" / f"solara-assets-{digest}"
    assert len(digest) == 12
    changed = [*assets.load_manifest()[1:]]
    assert assets.manifest_hash(changed) != digest

    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert assets.default_cache_dir().parent == tmp_path / "home" / ".cache" / "industry-transition"

    monkeypatch.setenv("INDUSTRY_TRANSITION_ASSETS_DIR", str(tmp_path / "prepared"))
    assert assets.default_cache_dir() == tmp_path / "prepared"


def test_solara_environment_points_at_the_folder_and_stays_offline(tmp_path: Path) -> None:
    env = solara_environment(tmp_path)
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path)
    assert env["SOLARA_ASSETS_PROXY"] == "true"
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"


# ----------------------------------------------------------------------------------------------
# Download, check, unpack, install


def test_ensure_assets_unpacks_each_package_into_its_spec_folder(
    registry: FakeRegistry, tmp_path: Path
) -> None:
    publish_two(registry)
    messages: list[str] = []
    folder = ensure_assets(tmp_path / "cache", registry=registry.url, progress=messages.append)
    assert folder == tmp_path / "cache"
    app_dir = folder / "@scope" / "app@1.0.0"
    assert (app_dir / "dist" / "app.min.js").read_bytes() == b"app();"
    assert (app_dir / "package.json").is_file()
    assert not (app_dir / "dist" / "app.min.js.map").exists()  # maps are skipped
    assert not (app_dir / "package").exists()  # first path component stripped
    assert (folder / "lib@2" / "build" / "lib.js").is_file()
    assert (folder / MARKER_NAME).read_text().strip() == assets.manifest_hash(registry.manifest)
    assert sorted(p.name for p in folder.iterdir()) == sorted(["@scope", "lib@2", MARKER_NAME])
    assert leftovers(tmp_path) == []
    assert any("lib" in message for message in messages)


def test_second_call_downloads_nothing(
    registry: FakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_two(registry)
    folder = ensure_assets(tmp_path / "cache", registry=registry.url)

    def no_network(url: str, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"downloaded {url}")

    monkeypatch.setattr(assets.pooch, "retrieve", no_network)
    assert ensure_assets(tmp_path / "cache", registry=closed_port_url()) == folder


def test_a_deleted_folder_is_rebuilt_offline_from_the_cached_tarballs(
    registry: FakeRegistry, tmp_path: Path
) -> None:
    publish_two(registry)
    first = ensure_assets(tmp_path / "cache", registry=registry.url)
    registry.stop()
    again = ensure_assets(tmp_path / "other", registry=registry.url)
    assert (again / "lib@2" / "build" / "lib.js").read_bytes() == b"lib();"
    assert (first / MARKER_NAME).read_text() == (again / MARKER_NAME).read_text()


def test_registry_comes_from_npm_config_registry(
    registry: FakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_two(registry)
    monkeypatch.setenv("npm_config_registry", registry.url)
    assert (ensure_assets(tmp_path / "cache") / "lib@2" / "build" / "lib.js").is_file()


def test_aliases_copy_a_file(registry: FakeRegistry, tmp_path: Path) -> None:
    registry.publish(
        "requirejs@2.3.6",
        {"package/require.js": b"var requirejs;"},
        aliases=(("require.min.js", "require.js"),),
    )
    folder = ensure_assets(tmp_path / "cache", registry=registry.url)
    assert (folder / "requirejs@2.3.6" / "require.min.js").read_bytes() == b"var requirejs;"


def test_tampered_tarball_is_rejected(registry: FakeRegistry, tmp_path: Path) -> None:
    registry.publish(
        "lib@1.0.0",
        {"package/lib.js": b"evil();"},
        integrity=integrity_of(make_tarball({"package/lib.js": b"lib();"})),
    )
    with pytest.raises(AssetError, match="Integrity check failed for lib 1.0.0") as error:
        ensure_assets(tmp_path / "cache", registry=registry.url)
    assert "/lib/-/lib-1.0.0.tgz" in str(error.value)
    assert "INDUSTRY_TRANSITION_ASSETS_DIR" in str(error.value)
    assert not (tmp_path / "cache").exists()
    assert leftovers(tmp_path) == []
    assert not list((tmp_path / "xdg").rglob("*.tgz"))  # nothing unverified is kept


def test_unreachable_registry_names_package_url_and_remedy(
    registry: FakeRegistry, tmp_path: Path
) -> None:
    publish_two(registry)
    url = closed_port_url()
    with pytest.raises(AssetError) as error:
        ensure_assets(tmp_path / "cache", registry=url)
    message = str(error.value)
    assert "Could not download @scope/app 1.0.0" in message
    assert url + "@scope/app/-/app-1.0.0.tgz" in message
    assert "npm registry" in message
    assert "INDUSTRY_TRANSITION_ASSETS_DIR" in message
    assert not (tmp_path / "cache").exists()


def test_missing_tarball_is_an_asset_error(registry: FakeRegistry, tmp_path: Path) -> None:
    publish_two(registry)
    registry.manifest.append(Asset("gone@1.0.0", "gone", "1.0.0", registry.manifest[0].integrity))
    with pytest.raises(AssetError, match=r"Could not download gone 1\.0\.0.*404"):
        ensure_assets(tmp_path / "cache", registry=registry.url)
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("name", ["package/../../evil.js", "package/dist/../../../evil.js"])
def test_path_traversal_is_refused(registry: FakeRegistry, tmp_path: Path, name: str) -> None:
    registry.publish("lib@1.0.0", {"package/lib.js": b"lib();", name: b"evil();"})
    with pytest.raises(AssetError, match="unsafe path"):
        ensure_assets(tmp_path / "cache" / "assets", registry=registry.url)
    assert not list(tmp_path.rglob("evil.js"))
    assert not (tmp_path / "cache" / "assets").exists()


def test_absolute_paths_stay_inside_and_are_not_installed(
    registry: FakeRegistry, tmp_path: Path
) -> None:
    registry.publish("lib@1.0.0", {"package/lib.js": b"lib();", "/etc/evil.js": b"evil();"})
    folder = ensure_assets(tmp_path / "cache", registry=registry.url)
    assert sorted(p.name for p in (folder / "lib@1.0.0").iterdir()) == ["lib.js"]
    assert not list(tmp_path.rglob("evil.js"))


@pytest.mark.parametrize("target", ["/etc/passwd", "../../.."])
def test_links_out_of_the_package_are_refused(
    registry: FakeRegistry, tmp_path: Path, target: str
) -> None:
    registry.publish("lib@1.0.0", {"package/lib.js": b"lib();"}, symlinks={"package/x": target})
    with pytest.raises(AssetError, match="unsafe path"):
        ensure_assets(tmp_path / "cache", registry=registry.url)
    assert not (tmp_path / "cache").exists()


def test_links_inside_the_package_are_not_installed(registry: FakeRegistry, tmp_path: Path) -> None:
    registry.publish(
        "lib@1.0.0", {"package/lib.js": b"lib();"}, symlinks={"package/alias.js": "lib.js"}
    )
    folder = ensure_assets(tmp_path / "cache", registry=registry.url)
    assert sorted(p.name for p in (folder / "lib@1.0.0").iterdir()) == ["lib.js"]


def test_interrupted_build_leaves_nothing_that_looks_complete(
    registry: FakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_two(registry)
    unpack = assets._unpack
    calls = 0

    def crash_on_second(*args: object, **kwargs: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return unpack(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(assets, "_unpack", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        ensure_assets(tmp_path / "cache", registry=registry.url)
    assert not (tmp_path / "cache").exists()
    assert not list(tmp_path.rglob(MARKER_NAME))
    assert leftovers(tmp_path) == []

    monkeypatch.setattr(assets, "_unpack", unpack)
    assert (ensure_assets(tmp_path / "cache", registry=registry.url) / MARKER_NAME).is_file()


def test_killed_build_is_ignored_and_cleaned_up(
    registry: FakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_two(registry)
    killed = tmp_path / ".cache.building-abc"  # what a SIGKILL mid-download leaves
    (killed / "lib@2").mkdir(parents=True)
    monkeypatch.setattr(assets, "_STALE_SECONDS", -1.0)
    folder = ensure_assets(tmp_path / "cache", registry=registry.url)
    assert (folder / MARKER_NAME).is_file()
    assert leftovers(tmp_path) == []


def test_outdated_folder_is_replaced(registry: FakeRegistry, tmp_path: Path) -> None:
    publish_two(registry)
    old = tmp_path / "cache"
    (old / "lib@1").mkdir(parents=True)
    (old / MARKER_NAME).write_text("0123456789ab\n")
    ensure_assets(old, registry=registry.url)
    assert not (old / "lib@1").exists()
    assert (old / "lib@2" / "build" / "lib.js").is_file()
    assert leftovers(tmp_path) == []


def test_foreign_folder_is_left_alone(registry: FakeRegistry, tmp_path: Path) -> None:
    publish_two(registry)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("keep me")
    with pytest.raises(AssetError, match="not a Solara asset folder"):
        ensure_assets(tmp_path / "mine", registry=registry.url)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "keep me"


# ----------------------------------------------------------------------------------------------
# The command: industry-transition assets


def test_assets_command_prepares_the_folder_and_prints_its_environment(
    registry: FakeRegistry, tmp_path: Path
) -> None:
    publish_two(registry)
    runner = CliRunner()
    result = runner.invoke(app, ["assets", str(tmp_path / "ready"), "--registry", registry.url])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(tmp_path / "ready")
    assert (tmp_path / "ready" / MARKER_NAME).is_file()
    result = runner.invoke(app, ["assets", str(tmp_path / "ready"), "--env"])
    assert result.exit_code == 0, result.output
    assert f"export SOLARA_ASSETS_PROXY_CACHE_DIR={tmp_path / 'ready'}" in result.stdout
    assert "export SOLARA_ASSETS_CDN=http://127.0.0.1:9/" in result.stdout


def test_assets_command_fails_with_one_clear_line(registry: FakeRegistry, tmp_path: Path) -> None:
    publish_two(registry)
    result = CliRunner().invoke(
        app, ["assets", str(tmp_path / "x"), "--registry", closed_port_url()]
    )
    assert result.exit_code == 1
    *progress, last = result.stderr.strip().splitlines()
    assert progress == ["[1/2] @scope/app 1.0.0 (@scope/app@1.0.0)"]
    assert last.startswith("error: Could not download @scope/app 1.0.0")
    assert "INDUSTRY_TRANSITION_ASSETS_DIR" in result.stderr


# ----------------------------------------------------------------------------------------------
# The real thing (runs by default; skipped when the npm registry cannot be reached)


def registry_reachable() -> str | None:
    url = assets._registry_from_env() or assets.DEFAULT_REGISTRY
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/-/ping", timeout=10):
            return None
    except urllib.error.HTTPError:
        return None  # it answered
    except OSError as error:
        return f"npm registry {url} unreachable: {error}"


@pytest.mark.network
@needs_solara
def test_real_manifest_provides_every_file_solara_loads(tmp_path: Path) -> None:
    reason = registry_reachable()
    if reason:
        pytest.skip(reason)
    folder = ensure_assets(tmp_path / "assets")
    missing = [f for f in assets.required_files() if not (folder / f).is_file()]
    assert missing == []
    assert not list(folder.rglob("*.map"))
    # fonts and images that the stylesheets load must be there too, and none from elsewhere
    for css in (f for f in assets.required_files() if f.endswith(".css")):
        text = (folder / css).read_text(errors="replace")
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", text):
            if ref.startswith("data:"):
                continue
            assert not re.match(r"(https?:)?//", ref), f"{css} loads {ref} from the internet"
            assert (folder / css).parent.joinpath(re.split(r"[?#]", ref)[0]).is_file(), ref
