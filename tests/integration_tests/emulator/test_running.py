"""The three ways to run the emulator: CLI process, context manager, pytest plugin."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import openai
import pytest

from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL
from kluster_integrations.emulator._server import KlusterEmulator

HELLO = [{"role": "user", "content": "hi"}]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_context_manager_starts_and_stops():
    with KlusterEmulator() as emulator:
        url = emulator.base_url
        openai.OpenAI(base_url=url, api_key="k").models.list()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/models", timeout=1)
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.base_url


def test_command_line_server_and_control_api(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kluster_integrations.emulator",
            "--port",
            str(port),
            "--api-key",
            "secret",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/v1/models", timeout=0.5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        httpx.post(f"{base}/_emulator/replies", json={"replies": ["from the CLI"]})
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="secret", max_retries=0)
        reply = client.chat.completions.create(model=DEFAULT_CHAT_MODEL, messages=HELLO)
        assert reply.choices[0].message.content == "from the CLI"
        httpx.post(f"{base}/_emulator/faults", json={"faults": [{"status": 503}]})
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model=DEFAULT_CHAT_MODEL, messages=HELLO)
        log = httpx.get(f"{base}/_emulator/requests").json()
        assert [
            entry["body"]["messages"] for entry in log if entry["path"].endswith("completions")
        ] == [HELLO, HELLO]
        httpx.post(f"{base}/_emulator/reset")
        assert httpx.get(f"{base}/_emulator/requests").json() == []
    finally:
        process.terminate()
        process.wait(timeout=10)


PLUGIN_USER_TESTS = """
import openai

def test_dirty(kluster_emulator):
    kluster_emulator.queue_replies("left over")
    kluster_emulator.add_fault(status=500)
    kluster_emulator.settings.latency = 0.01
    kluster_emulator.settings.stream_usage = False
    kluster_emulator.settings.extra_models.add("me/dedicated")
    openai.OpenAI(base_url=kluster_emulator.base_url, api_key="k").models.list()

def test_clean(kluster_emulator):
    assert kluster_emulator.requests == []
    assert kluster_emulator.state.next_reply() is None
    assert kluster_emulator.state.take_fault("/v1/chat/completions") is None
    s = kluster_emulator.settings
    assert (s.latency, s.stream_usage, s.extra_models) == (0.0, True, set())
"""


def test_plugin_fixture_gives_each_test_a_clean_emulator(pytester):
    pytester.makepyfile(PLUGIN_USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-q")
    result.assert_outcomes(passed=2)


def test_env_fixture_points_the_variables_at_the_emulator(kluster_env):
    import os

    assert os.environ["KLUSTER_BASE_URL"] == kluster_env.base_url
    assert os.environ["KLUSTER_API_KEY"]


def test_plugin_loads_without_the_emulator_extra(pytester, monkeypatch):
    """pytest loads the plugin in every environment with this package, [emulator] or not."""
    blocker = pytester.mkdir("blocker")
    (blocker / "sitecustomize.py").write_text(
        "import sys\nsys.modules['uvicorn'] = None\nsys.modules['starlette'] = None\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(blocker))
    pytester.makepyfile("""
        import pytest

        def test_plain():
            import kluster_integrations
            assert kluster_integrations.sanitize_request

        def test_fixture_says_what_to_install(kluster_emulator):
            pass
    """)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1, errors=1)
    assert "pip install 'kluster-integrations[emulator]'" in result.stdout.str()
