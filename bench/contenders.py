"""How each HTTP contender is started: the atlas (cache off or on), tipg 1.6.1 and nginx."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from atlas.front import worker_count as atlas_worker_count
from bench.procs import ContenderFailed, Server, ServerSet

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
TIPG_VERSION = "1.6.1"
# uvicorn[standard] brings uvloop and httptools, as a production tipg would run.
TIPG_PACKAGES = (f"tipg=={TIPG_VERSION}", "uvicorn[standard]")


def worker_count() -> int:
    """The atlas's gunicorn worker count (atlas/front.py); every contender gets the same."""
    return atlas_worker_count()


def atlas_url_path(layer_id: str, z: int, x: int, y: int) -> str:
    """The atlas's tile URL path (also the nginx path of the dumped tile)."""
    return f"/tiles/{layer_id}/{z}/{x}/{y}.pbf"


def tipg_url_path(layer_id: str, fields: tuple[str, ...], z: int, x: int, y: int) -> str:
    """tipg's tile URL with the same geometry column and the same attributes as the atlas's tiles."""
    props = ",".join(("fid", *fields))
    return (
        f"/collections/layerdata.{layer_id}/tiles/WebMercatorQuad/{z}/{x}/{y}?geom-column=geom_3857&properties={props}"
    )


def start_atlas(
    servers: ServerSet,
    name: str,
    port: int,
    cache_mb: int | None,
    database_url: str,
    logs: Path,
    checkout: Path = ROOT,
) -> Server:
    """Run `python -m atlas serve` (as `make run`) from `checkout` on the port; cache_mb None = default cache."""
    env = dict(os.environ, ATLAS_PORT=str(port), ATLAS_DATABASE_URL=database_url)
    env.pop("ATLAS_TILE_CACHE_MB", None)
    env.pop("PYTHONPATH", None)  # the checkout's own packages, not another one's
    if cache_mb is not None:
        env["ATLAS_TILE_CACHE_MB"] = str(cache_mb)
    server = servers.add(Server(name, port, logs / f"{name}.log"))
    server.start([sys.executable, "-m", "atlas", "serve"], env, checkout)
    server.wait_ready("/healthz")
    return server


def ensure_tipg_venv(venv: Path) -> Path:
    """Create var/bench/tipg-venv with tipg 1.6.1 from PyPI unless it is already there."""
    stamp = venv / f".installed-tipg-{TIPG_VERSION}"
    if stamp.exists():
        return venv
    print(f"Installing tipg {TIPG_VERSION} into {venv.relative_to(ROOT)} (once) ...", flush=True)
    try:
        python3 = shutil.which("python3") or os.path.join(sys.base_prefix, "bin", "python3")
        subprocess.run([python3, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, *TIPG_PACKAGES], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ContenderFailed(f"could not install tipg {TIPG_VERSION}: {exc}") from exc
    stamp.touch()
    return venv


def start_tipg(
    servers: ServerSet, port: int, database_url: str, layer_ids: list[str], venv: Path, logs: Path
) -> Server:
    """Run tipg through bench/tipg_env.sh with as many uvicorn workers as the atlas has."""
    tables = ",".join(f'"layerdata.{layer_id}"' for layer_id in layer_ids)
    env = dict(
        os.environ,
        TIPG_VENV=str(venv),
        TIPG_PORT=str(port),
        TIPG_WORKERS=str(worker_count()),
        DATABASE_URL=database_url,
        TIPG_DB_TABLES=f"[{tables}]",
    )
    server = servers.add(Server("tipg", port, logs / "tipg.log"))
    # Its own working directory, so tipg reads no stray .env file.
    workdir = venv.parent
    server.start(["bash", str(BENCH_DIR / "tipg_env.sh")], env, workdir)
    server.wait_ready("/healthz", timeout_s=300)
    return server


def write_nginx_conf(prefix: Path, port: int, root: Path) -> Path:
    """Fill bench/nginx.conf.template for this run; returns the config file under `prefix`."""
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    text = (BENCH_DIR / "nginx.conf.template").read_text(encoding="utf-8")
    for key, value in {"@WORKERS@": str(worker_count()), "@PREFIX@": str(prefix), "@PORT@": str(port)}.items():
        text = text.replace(key, value)
    conf = prefix / "nginx.conf"
    conf.write_text(text.replace("@ROOT@", str(root)), encoding="utf-8")
    return conf


def start_nginx(servers: ServerSet, port: int, prefix: Path, root: Path, logs: Path) -> Server:
    """Run our own nginx (not daemonised) serving `root` on 127.0.0.1:port."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise ContenderFailed("nginx is not installed (ATLAS_WITH_BENCH_TOOLS=1 scripts/system-packages.sh)")
    conf = write_nginx_conf(prefix, port, root)
    check = subprocess.run(
        [nginx, "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        raise ContenderFailed(f"nginx refused its config: {check.stderr.strip().splitlines()[-1:]}")
    server = servers.add(Server("nginx", port, logs / "nginx.log"))
    server.start([nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")], os.environ, prefix)
    server.wait_ready("/tiles/")
    return server
