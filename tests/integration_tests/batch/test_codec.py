"""The batch engine driven through a ``BatchCodec`` alone, with no framework and no model
class: each input goes over the wire as the request the codec made for it, and each answer
comes back as what the codec reads from it."""

from __future__ import annotations

import openai
import pytest

from kluster_integrations.core.batch_api import BatchCodec, asubmit_inputs, attach, submit_inputs
from kluster_integrations.core.contract import DEFAULT_CHAT_MODEL
from kluster_integrations.core.errors import BatchInputError
from kluster_integrations.emulator._batch_runner import BATCH_LINE_HEADER
from kluster_integrations.emulator._server import EMULATOR_API_KEY

FAST = {"poll_interval": 0.01, "progress": False}


def ask(text: str) -> dict:
    if not isinstance(text, str):
        raise BatchInputError(f"{text!r} is not a text", "Pass texts.")
    return {"model": DEFAULT_CHAT_MODEL, "messages": [{"role": "user", "content": text}]}


def reply(body: dict, custom_id: str) -> tuple[str, str, str]:
    return custom_id, body["id"], body["choices"][0]["message"]["content"]


CODEC = BatchCodec(request_for=ask, result_from=reply)


def clients(emulator) -> tuple[openai.OpenAI, openai.AsyncOpenAI]:
    options = {"base_url": emulator.base_url, "api_key": EMULATOR_API_KEY, "max_retries": 0}
    return openai.OpenAI(**options), openai.AsyncOpenAI(**options)


def ran(emulator) -> list[dict]:
    """The chat requests the emulator's batch runner made, one per batch line."""
    return [r.body for r in emulator.requests if BATCH_LINE_HEADER in r.headers]


def test_each_input_is_sent_as_its_request_and_read_back_as_its_result(
    kluster_env, kluster_batches
):
    client, async_client = clients(kluster_env)
    job = submit_inputs(client, iter(["one", "two"]), CODEC, async_client=async_client)
    job.wait(**FAST)

    assert ran(kluster_env) == [ask("one"), ask("two")]
    results = job.results()
    assert [(custom_id, text[-6:]) for custom_id, _, text in results] == [
        ("request-0", '"one".'),
        ("request-1", '"two".'),
    ]
    assert all(answer_id.startswith("chatcmpl") for _, answer_id, _ in results)
    assert attach(client, job.id, convert=CODEC.result_from).results() == results


async def test_async_submit_goes_through_the_codec(kluster_env, kluster_batches):
    client, async_client = clients(kluster_env)
    job = await asubmit_inputs(client, async_client, ["three"], CODEC)
    await job.async_wait(**FAST)
    assert ran(kluster_env) == [ask("three")]
    assert [text[-8:] for _, _, text in await job.aresults()] == ['"three".']


def test_an_input_the_codec_refuses_stops_the_job_before_anything_is_sent(
    kluster_env, kluster_batches
):
    client, _ = clients(kluster_env)
    with pytest.raises(BatchInputError, match="42 is not a text"):
        submit_inputs(client, ["fine", 42], CODEC)
    assert kluster_env.requests == []
