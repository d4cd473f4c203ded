"""Running Debian's nginx with the shipped template: render, wrap, check, start, stop.

``render_template`` does what the official nginx image's entrypoint does with envsubst,
limited to the template's documented variables: ``${NAME}`` and ``$NAME`` of those names
are replaced, everything else (nginx's own ``$host``, ``$uri``) is left as it is.
``NginxFront.start`` writes a minimal ``nginx.conf`` around the rendered file (pid, logs
and temp paths in its own directory, ``daemon off``) and runs nginx in its own process
group, killed with it at ``stop()``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from tests.support.server import free_port
from tests.support.tools import require_tool

ROOT: Final = Path(__file__).resolve().parents[2]
TEMPLATE: Final = ROOT / "deploy" / "nginx" / "templates" / "streamfleet.conf.template"
TEMPLATE_VARIABLES: Final = (
    "STREAMFLEET_API_UPSTREAM",
    "STREAMFLEET_MEDIA_ROOT",
    "NGINX_SERVER_NAME",
    "NGINX_HTTP_PORT",
    "NGINX_HTTPS_PORT",
    "NGINX_TLS_CERT",
    "NGINX_TLS_KEY",
    "STREAMFLEET_PLAYBACK_SIGNING",
    "STREAMFLEET_PLAYBACK_SECRET",
)
_ENVSUBST_RE: Final = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
NGINX_START_TIMEOUT_S: Final = 30.0
NGINX_STOP_TIMEOUT_S: Final = 10.0
OPENSSL_TIMEOUT_S: Final = 60
POLL_INTERVAL_S: Final = 0.05


def render_template(text: str, values: Mapping[str, str]) -> str:
    """envsubst with a variable list: only names in ``values`` are replaced."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return values[name] if name in values else match.group(0)

    return _ENVSUBST_RE.sub(substitute, text)


def template_names(text: str) -> set[str]:
    """Every ``$NAME``/``${NAME}`` in upper case: what an environment could substitute."""
    names = {m.group(1) or m.group(2) for m in _ENVSUBST_RE.finditer(text)}
    return {n for n in names if n.isupper()}


def self_signed_certificate(openssl: str, directory: Path) -> tuple[Path, Path]:
    """An RSA certificate for 127.0.0.1 and localhost that is its own CA."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True, capture_output=True, timeout=OPENSSL_TIMEOUT_S,
    )  # fmt: skip
    return cert, key


def front_values(
    data_dir: Path,
    upstream_port: int,
    cert: Path,
    key: Path,
    *,
    playback_signing: bool = False,
    playback_secret: str = "",
) -> dict[str, str]:
    """Every template variable for nginx on free loopback ports in front of ``upstream_port``."""
    values = {
        "STREAMFLEET_API_UPSTREAM": f"127.0.0.1:{upstream_port}",
        "STREAMFLEET_MEDIA_ROOT": str(data_dir.resolve()),
        "NGINX_SERVER_NAME": "localhost 127.0.0.1",
        "NGINX_HTTP_PORT": str(free_port()),
        "NGINX_HTTPS_PORT": str(free_port()),
        "NGINX_TLS_CERT": str(cert),
        "NGINX_TLS_KEY": str(key),
        "STREAMFLEET_PLAYBACK_SIGNING": "on" if playback_signing else "off",
        "STREAMFLEET_PLAYBACK_SECRET": playback_secret,
    }
    assert set(values) == set(TEMPLATE_VARIABLES)
    return values


def nginx_in(
    directory: Path,
    data_dir: Path,
    upstream_port: int,
    *,
    playback_signing: bool = False,
    playback_secret: str = "",
) -> NginxFront:
    """The template rendered and wrapped in ``directory`` with a fresh self-signed certificate."""
    nginx = require_tool("nginx", "the Debian package nginx")
    openssl = require_tool("openssl", "the Debian package openssl")
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_certificate(openssl, directory)
    values = front_values(
        data_dir,
        upstream_port,
        cert,
        key,
        playback_signing=playback_signing,
        playback_secret=playback_secret,
    )
    front = NginxFront(nginx, directory, values)
    front.write()
    return front


def main_config(directory: Path, rendered: Path) -> str:
    """The minimal main context around the rendered template (inside ``http {}``)."""
    temp = directory / "temp"
    temp.mkdir(exist_ok=True)
    # A root master switches workers to `nobody`, who cannot read pytest's tmp_path.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {temp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\n"
        "worker_processes 1;\n"
        f"pid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        f"    access_log {directory / 'access.log'};\n"
        f"{temp_paths}\n"
        f"    include {rendered};\n"
        "}\n"
    )


@dataclass
class NginxFront:
    """A rendered template in front of ``upstream``; ``start()`` runs nginx, ``stop()`` ends it."""

    nginx: str
    directory: Path
    values: dict[str, str]
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def config(self) -> Path:
        return self.directory / "nginx.conf"

    @property
    def https_port(self) -> int:
        return int(self.values["NGINX_HTTPS_PORT"])

    @property
    def http_port(self) -> int:
        return int(self.values["NGINX_HTTP_PORT"])

    @property
    def ready_port(self) -> int:
        """The port ``start()`` waits for."""
        return self.https_port

    def write(self) -> None:
        rendered = self.directory / "streamfleet.conf"
        rendered.write_text(render_template(TEMPLATE.read_text(), self.values))
        self.config.write_text(main_config(self.directory, rendered))

    def command(self, *args: str) -> list[str]:
        return [
            self.nginx,
            "-p", str(self.directory),
            "-e", str(self.directory / "error.log"),
            "-c", str(self.config),
            *args,
        ]  # fmt: skip

    def check(self) -> subprocess.CompletedProcess[str]:
        """``nginx -t`` on the written configuration."""
        return subprocess.run(
            self.command("-t"), capture_output=True, text=True, timeout=NGINX_START_TIMEOUT_S
        )

    def error_log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> None:
        with (self.directory / "nginx.stderr").open("wb") as err:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        deadline = time.monotonic() + NGINX_START_TIMEOUT_S
        while not _accepts(self.ready_port):
            if self.process.poll() is not None:
                raise AssertionError(f"nginx exited {self.process.returncode}:\n{self.error_log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"nginx not listening after {NGINX_START_TIMEOUT_S} s")
            time.sleep(POLL_INTERVAL_S)

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(NGINX_STOP_TIMEOUT_S)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(NGINX_STOP_TIMEOUT_S)


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0
