"""`peacepulse web` as a real process, and `peacepulse staff link` giving a link that works."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import aiohttp

from tests.bots.test_run_process import CLI, clean_env
from tests.bots.web.conftest import form_fields


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        assert process.poll() is None, "peacepulse web stopped"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)  # polling for the port, not standing in for an assertion
    raise AssertionError("peacepulse web did not start listening")


def test_staff_link_signs_in_to_a_running_workspace(tmp_path: Path) -> None:
    port = _free_port()
    env = clean_env(
        PEACEPULSE_DATA_DIR=str(tmp_path),
        PEACEPULSE_SECRET_KEY="web-process-test-secret-0123456789",
        PEACEPULSE_WEB_PORT=str(port),
        PEACEPULSE_WEB_URL=f"http://127.0.0.1:{port}",
    )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    refused = cli("staff", "link", "--user", "77")
    assert refused.returncode == 2 and "has no staff role" in refused.stderr
    assert cli("staff", "add", "--user", "77", "--role", "mediator").returncode == 0
    link = cli("staff", "link", "--user", "77").stdout.strip()
    assert re.fullmatch(rf"http://127\.0\.0\.1:{port}/sign-in/[A-Za-z0-9_-]{{22}}", link), link

    process = subprocess.Popen([*CLI, "web"], env=env, stderr=subprocess.PIPE)
    try:
        _wait_for(port, process, time.monotonic() + 60)
        asyncio.run(_sign_in(link, port))
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors.decode()
    audit = cli("audit").stdout
    assert "web_link" in audit and "web_sign_in" in audit


async def _sign_in(link: str, port: int) -> None:
    """Open the link, press the button; the same form again is refused."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        async with browser.get(link) as page:
            fields = form_fields(await page.text())
        async with browser.post(f"http://127.0.0.1:{port}/sign-in", data=fields) as home:
            assert home.status == 200
            assert "/polls/agenda" in await home.text()
        async with browser.post(f"http://127.0.0.1:{port}/sign-in", data=fields) as again:
            assert again.status == 403  # used once
