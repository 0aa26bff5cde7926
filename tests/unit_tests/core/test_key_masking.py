"""Key masking without a server: every echo form, keys with characters the forms treat
specially, base64 at any alignment, texts cut inside a key, and the log filter.

The emulator tests (tests/integration_tests/reliability/test_secrets.py) drive the same
forms through the adapters over HTTP; here the edge cases of the masking itself.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kluster_integrations.core.transport import (
    GuardedTransport,
    GuardOptions,
    KeyMaskingFilter,
    mask_key,
    masked_start,
)
from kluster_integrations.core.transport import _key_masking as key_masking
from kluster_integrations.emulator._hostile import KEY_ECHOES

KEYS = [
    "kl-0f3e5d7c9b1a2b4c6d8e",
    'kl/SECRET+5f0e=1d2c"3b4a/9e8d',
    "kl%41SECRET\\5f0e%zz1d2c'3b4a",  # % and \ as written, a % that decodes, a quote
    "+/+/+/+/+/+/+/+/",
]


def pieces_of(key: str, size: int = 8) -> list[str]:
    """Every ``size``-character piece of ``key`` and of its echoes: none may survive."""
    forms = [key, *(echo(key) for echo in KEY_ECHOES.values())]
    return [form[i : i + size] for form in forms for i in range(len(form) - size + 1)]


def assert_masked(text: str, key: str) -> None:
    shown = [piece for piece in pieces_of(key) if piece in text]
    assert not shown, (text, shown)


@pytest.mark.parametrize("form", KEY_ECHOES)
@pytest.mark.parametrize("key", KEYS)
def test_every_echo_form_is_masked(key: str, form: str) -> None:
    echoed = KEY_ECHOES[form](key)
    text = f'{{"message": "bad key {echoed}", "again": "{echoed}"}}'
    masked = mask_key(text, key)
    assert masked == '{"message": "bad key ***", "again": "***"}'


@pytest.mark.parametrize("key", KEYS)
def test_escapes_doubled_by_a_repr_are_masked(key: str) -> None:
    for echo in KEY_ECHOES.values():
        shown = repr([echo(key).encode()])
        assert mask_key(shown, key) in ("[b'***']", '[b"***"]')  # repr picks the quotes


@pytest.mark.parametrize("key", KEYS)
def test_exact_encodings_of_keys_with_percent_and_backslash(key: str) -> None:
    for echoed in (json.dumps(key), urllib.parse.quote_plus(key), repr(key)):
        assert mask_key(f"<{echoed}>", key).strip("<>\"'") == "***"


@pytest.mark.parametrize("user", ["", "a", "ab", "abc", "apikey", "someone@example.com"])
def test_basic_credentials_with_any_user_are_masked_whole(user: str) -> None:
    for key in KEYS:
        token = base64.b64encode(f"{user}:{key}".encode()).decode()
        urlsafe = base64.urlsafe_b64encode(f"{user}:{key}".encode()).decode()
        assert mask_key(f"Authorization: Basic {token}.", key) == "Authorization: Basic ***."
        assert mask_key(f"token={urlsafe}&x=1", key) == "token=***&x=1"


def test_text_without_the_key_is_returned_as_it_is() -> None:
    text = '{"error": {"message": "Invalid API key: \\u0041\\/ %41 QUJD"}}'
    assert mask_key(text, KEYS[0]) is text


def test_short_keys_and_short_base64_are_left_alone() -> None:
    assert mask_key("abc abc", "abc") == "abc abc"
    # a 6-character key has too few base64 characters of its own to be recognised there
    token = base64.b64encode(b"u:abcdef").decode()
    assert mask_key(f"abcdef {token}", "abcdef") == f"*** {token}"


@pytest.mark.parametrize("key", KEYS[:2])
def test_an_excerpt_never_shows_part_of_a_key_cut_at_its_end(key: str) -> None:
    for echoed in (key, KEY_ECHOES["json_unicode"](key), KEY_ECHOES["basic_user"](key)):
        for before in range(0, 140, 3):
            text = "x" * before + echoed + " y" * 200
            assert_masked(masked_start(text, key, 120), key)
        # many keys before one that the window cuts: masking shortens what precedes it
        text = (echoed + " ") * 20 + echoed
        assert_masked(masked_start(text, key, 120), key)


@pytest.mark.parametrize("key", KEYS[:2])
def test_a_text_cut_inside_a_key_drops_the_piece(key: str) -> None:
    text = "start " + KEY_ECHOES["url_every_char"](key) + " " + key
    for end in range(len(text) + 1):
        assert_masked(mask_key(text[:end], key, cut=True), key)


def test_an_error_body_cut_at_the_read_limit_does_not_show_the_key_it_cuts() -> None:
    key = KEYS[1]
    body = b'{"error": {"message": "' + b"x" * 64 * 1024 + key.encode() + b'"}}'
    cut_at = body.index(key.encode()) + 20  # the guard stops reading after this piece
    pieces = [body[:cut_at], body[cut_at:]]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, stream=_Pieces(pieces))

    client = httpx.Client(transport=GuardedTransport(httpx.MockTransport(answer), GuardOptions()))
    response = client.get("http://kluster.test/v1/x", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401 and len(response.text) > 60_000
    assert_masked(response.text, key)


class _Pieces(httpx.SyncByteStream):
    def __init__(self, pieces: list[bytes]) -> None:
        self._pieces = pieces

    def __iter__(self) -> Iterator[bytes]:
        yield from self._pieces


def test_error_headers_are_masked() -> None:
    key = KEYS[1]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401, headers={"X-Echo": KEY_ECHOES["json_unicode"](key)}, json={"error": "no"}
        )

    client = httpx.Client(transport=GuardedTransport(httpx.MockTransport(answer), GuardOptions()))
    response = client.get("http://kluster.test/v1/x", headers={"Authorization": f"Bearer {key}"})
    assert response.headers["x-echo"] == "***"


def test_remembered_keys_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(key_masking, "_remembered", ())
    for i in range(40):
        key_masking.remember_key(f"key-number-{i:04d}")
    kept = key_masking.remembered_keys()
    assert len(kept) == key_masking._REMEMBERED_LIMIT and kept[-1] == "key-number-0039"


def record_of(msg: str, *args: object, exc_info: Any = None) -> logging.LogRecord:
    return logging.LogRecord("httpcore.http11", logging.DEBUG, "f.py", 1, msg, args, exc_info)


def test_log_filter_masks_message_and_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    key = KEYS[1]
    monkeypatch.setattr(key_masking, "_remembered", (key,))
    echoed = KEY_ECHOES["json_slash"](key)
    record = record_of("headers=%r", [(b"x-echo", echoed.encode())])
    assert KeyMaskingFilter().filter(record) is True
    assert record.getMessage() == "headers=[(b'x-echo', b'***')]"
    try:
        raise ValueError(f"bad key {KEY_ECHOES['base64'](key)}")
    except ValueError as error:
        record = record_of("failed", exc_info=(ValueError, error, error.__traceback__))
    KeyMaskingFilter().filter(record)
    assert record.exc_text and "bad key ***" in record.exc_text
    assert_masked(logging.Formatter().format(record), key)


def test_log_filter_leaves_other_records_and_broken_ones_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(key_masking, "_remembered", (KEYS[0],))
    record = record_of("sent %s in %d ms", "POST", 12)
    assert KeyMaskingFilter().filter(record) and record.args == ("POST", 12)
    broken = record_of("two %s %s", "only one")
    assert KeyMaskingFilter().filter(broken)  # the handler reports the bad format, as usual
    try:
        raise ValueError("no key here")
    except ValueError as error:
        failed = record_of("failed", exc_info=(ValueError, error, error.__traceback__))
    assert KeyMaskingFilter().filter(failed)
    assert failed.exc_text is None  # left to the handler's own formatter
