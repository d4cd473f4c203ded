"""Contender (c): Debian's nginx with libnginx-mod-rtmp writing HLS for N RTMP streams.

The peer a product is compared to. nginx runs with its own prefix, config, pid
and logs in the scratch directory (never the system nginx) and is skipped with
a reason when nginx or the RTMP module is not installed.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

from bench.binaries import nginx_path, rtmp_module_path
from bench.contenders.base import Contender, ContenderFailed, ContenderUnavailable, RunContext
from bench.feeders import rtmp_push_url
from bench.ports import LOOPBACK, free_tcp_port
from bench.process_group import Child, spawn
from bench.results import NGINX

LISTEN_TIMEOUT_S = 10.0
POLL_S = 0.05


def nginx_conf(
    prefix: Path, module: Path, port: int, segment_seconds: float, list_size: int, as_root: bool
) -> str:
    """The whole nginx.conf: one worker, RTMP on loopback, HLS nested per stream."""
    user = "user root;\n" if as_root else ""
    playlist_s = segment_seconds * list_size
    return f"""daemon off;
master_process on;
worker_processes 1;
{user}pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
load_module {module};

events {{
    worker_connections 1024;
}}

rtmp {{
    server {{
        listen {LOOPBACK}:{port};
        chunk_size 4096;
        application live {{
            live on;
            record off;
            hls on;
            hls_path {prefix / "hls"};
            hls_nested on;
            hls_fragment {segment_seconds:g}s;
            hls_playlist_length {playlist_s:g}s;
        }}
    }}
}}
"""


def stream_name(index: int) -> str:
    return f"ch{index:02d}"


class NginxRtmp(Contender):
    name = NGINX
    feed_kind = "rtmp"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self._port = free_tcp_port()
        self._prefix = ctx.work_dir / "nginx"
        self._child: Child | None = None

    def check(self) -> None:
        if nginx_path() is None:
            raise ContenderUnavailable(
                "nginx is not installed (apt-get install nginx libnginx-mod-rtmp)"
            )
        if rtmp_module_path() is None:
            raise ContenderUnavailable(
                "ngx_rtmp_module.so not found in /usr/share/nginx/modules or "
                "/usr/lib/nginx/modules (apt-get install libnginx-mod-rtmp)"
            )

    async def prepare(self) -> None:
        nginx, module = nginx_path(), rtmp_module_path()
        assert nginx is not None
        assert module is not None
        (self._prefix / "hls").mkdir(parents=True, exist_ok=True)
        conf = self._prefix / "nginx.conf"
        conf.write_text(
            nginx_conf(
                self._prefix,
                module,
                self._port,
                self.segment_seconds,
                self.list_size,
                as_root=os.geteuid() == 0,
            )
        )
        error_log = self._prefix / "error.log"
        self._child = spawn(
            [nginx, "-p", f"{self._prefix}/", "-c", str(conf), "-e", str(error_log)],
            name="nginx",
            log_path=self._prefix / "stderr.log",
        )
        deadline = time.monotonic() + LISTEN_TIMEOUT_S
        while not _accepts(self._port):
            if not self._child.alive() or time.monotonic() > deadline:
                raise ContenderFailed(f"nginx did not listen on {self._port}: {_tail(error_log)}")
            await asyncio.sleep(POLL_S)

    def feed_targets(self) -> list[str]:
        return [rtmp_push_url(self._port, stream_name(i)) for i in range(self.ctx.channels)]

    async def launch(self) -> None:
        """Nothing to start: nginx serves every stream the feeders publish."""

    def playlist_paths(self) -> dict[str, Path]:
        hls = self._prefix / "hls"
        return {
            stream_name(i): hls / stream_name(i) / "index.m3u8" for i in range(self.ctx.channels)
        }

    def root_pids(self) -> list[int]:
        return [self._child.pid] if self._child is not None else []

    async def stop(self) -> None:
        if self._child is not None:
            self._child.stop()
            self._child = None


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def _tail(path: Path, lines: int = 3) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "no error log"
