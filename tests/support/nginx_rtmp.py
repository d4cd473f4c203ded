"""Debian's nginx with ``deploy/nginx/rtmp.conf.template``: RTMP push ingest on loopback.

``rtmp_front`` renders the template (``nginx.render_template``) for a streamfleet on
``upstream_port`` and wraps it in a main configuration that loads Debian's RTMP module
(libnginx-mod-rtmp) and has no ``http {}`` at all; ``RtmpFront`` starts and stops it as
``NginxFront`` does, waiting for the RTMP port.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest

from tests.support.nginx import ROOT, NginxFront, render_template
from tests.support.server import free_port
from tests.support.tools import require_tool

RTMP_TEMPLATE: Final = ROOT / "deploy" / "nginx" / "rtmp.conf.template"
RTMP_TEMPLATE_VARIABLES: Final = (
    "NGINX_RTMP_PORT",
    "STREAMFLEET_RTMP_APP",
    "STREAMFLEET_API_UPSTREAM",
    "STREAMFLEET_RTMP_HOOK_SECRET",
    "NGINX_RTMP_PLAY_ALLOW",
)
RTMP_MODULE_PATHS: Final = (
    Path("/usr/lib/nginx/modules/ngx_rtmp_module.so"),
    Path("/usr/share/nginx/modules/ngx_rtmp_module.so"),
)
APP: Final = "live"


def rtmp_module() -> Path:
    """Debian's RTMP module, or the test is skipped (failed under CI) naming the package."""
    for path in RTMP_MODULE_PATHS:
        if path.exists():
            return path
    message = "nginx's RTMP module is missing (the Debian package libnginx-mod-rtmp)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def rtmp_values(upstream_port: int, hook_secret: str) -> dict[str, str]:
    """Every variable of the RTMP template: a free loopback port in front of ``upstream_port``."""
    values = {
        "NGINX_RTMP_PORT": str(free_port()),
        "STREAMFLEET_RTMP_APP": APP,
        "STREAMFLEET_API_UPSTREAM": f"127.0.0.1:{upstream_port}",
        "STREAMFLEET_RTMP_HOOK_SECRET": hook_secret,
        "NGINX_RTMP_PLAY_ALLOW": "127.0.0.1",
    }
    assert set(values) == set(RTMP_TEMPLATE_VARIABLES)
    return values


def rtmp_main_config(directory: Path, rendered: Path, module: Path) -> str:
    """The main context: the module, the process paths, and the rendered ``rtmp {}``."""
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    return (
        f"load_module {module};\n"
        f"{user}daemon off;\n"
        "worker_processes 1;\n"
        f"pid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} notice;\n"
        "events { worker_connections 256; }\n"
        f"include {rendered};\n"
    )


@dataclass
class RtmpFront(NginxFront):
    """nginx-rtmp from the shipped template; ``publish_base`` is what publishers push to."""

    module: Path = RTMP_MODULE_PATHS[0]

    @property
    def rtmp_port(self) -> int:
        return int(self.values["NGINX_RTMP_PORT"])

    @property
    def ready_port(self) -> int:
        return self.rtmp_port

    @property
    def publish_base(self) -> str:
        return f"rtmp://127.0.0.1:{self.rtmp_port}/{self.values['STREAMFLEET_RTMP_APP']}"

    def write(self) -> None:
        rendered = self.directory / "rtmp.conf"
        rendered.write_text(render_template(RTMP_TEMPLATE.read_text(), self.values))
        self.config.write_text(rtmp_main_config(self.directory, rendered, self.module))


def rtmp_front(directory: Path, values: dict[str, str]) -> RtmpFront:
    """The RTMP template rendered with ``values`` and wrapped in ``directory`` (not started)."""
    nginx = require_tool("nginx", "the Debian package nginx")
    directory.mkdir(parents=True, exist_ok=True)
    front = RtmpFront(nginx, directory, values, module=rtmp_module())
    front.write()
    return front


def serve_env(values: dict[str, str]) -> dict[str, str]:
    """streamfleet's settings for the nginx-rtmp ``values`` describe: the hook's secret, where
    its FFmpeg pulls pushes from, and the publish URLs it shows."""
    port = values["NGINX_RTMP_PORT"]
    return {
        "STREAMFLEET_RTMP_HOOK_SECRET": values["STREAMFLEET_RTMP_HOOK_SECRET"],
        "STREAMFLEET_RTMP_APP": values["STREAMFLEET_RTMP_APP"],
        "STREAMFLEET_RTMP_PULL_URL": f"rtmp://127.0.0.1:{port}/{values['STREAMFLEET_RTMP_APP']}",
        "STREAMFLEET_RTMP_PUBLIC_PORT": port,
        "STREAMFLEET_PUBLIC_HOST": "127.0.0.1",
    }


def add_rtmp(front: NginxFront, values: dict[str, str]) -> str:
    """The RTMP template rendered with ``values`` beside ``front``'s written configuration, in
    one nginx as the image runs them: the module loaded first, the ``rtmp {}`` block in the
    main context after ``http {}``. Returns where publishers push (``rtmp://…/<app>``)."""
    rendered = front.directory / "rtmp.conf"
    rendered.write_text(render_template(RTMP_TEMPLATE.read_text(), values))
    main = front.config.read_text()
    front.config.write_text(f"load_module {rtmp_module()};\n{main}include {rendered};\n")
    return f"rtmp://127.0.0.1:{values['NGINX_RTMP_PORT']}/{values['STREAMFLEET_RTMP_APP']}"
