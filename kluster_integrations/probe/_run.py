"""Send the probes with the openai SDK and judge each answer against the contract.

Example::

    client = OpenAI(base_url="https://api.kluster.ai/v1", api_key=...)
    report = run_probe(client)
    print(report.to_text())
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx
import openai

from kluster_integrations.core.contract import VERIFY_ENDPOINT
from kluster_integrations.core.contract import _api as contract
from kluster_integrations.core.errors import KlusterError, MalformedResponseError
from kluster_integrations.core.verify import VerifyResult, verify_answer_of
from kluster_integrations.probe._plan import MAX_COMPLETION_TOKENS, PROBE_MODEL, Probe, plan
from kluster_integrations.probe._prices import price_checks
from kluster_integrations.probe._report import Check, ProbeReport, Status

_DETAIL_CHARS = 200


class ProbeAborted(KlusterError):
    """The key was refused or the baseline request failed: nothing else can be judged."""


def _message(err: openai.APIStatusError) -> str:
    body = err.body
    if isinstance(body, dict):
        body = body.get("message", body)
    return f"HTTP {err.status_code}: {body}"[:_DETAIL_CHARS]


def _send(client: openai.OpenAI, probe: Probe) -> tuple[Any, int]:
    """The answer (a completion, the stream's usage flag, or an embeddings response) and
    the tokens it cost."""
    body = dict(probe.body)
    if probe.endpoint == "verify":
        path = VERIFY_ENDPOINT.removeprefix("/v1")
        result = verify_answer_of(client.post(path, body=body, cast_to=httpx.Response))
        return result, result.usage.total_tokens
    if probe.endpoint == "embeddings":
        inputs = body.pop("input")
        response = client.embeddings.create(model=probe.model, input=inputs, extra_body=body)
        return response, response.usage.total_tokens if response.usage else 0
    request: dict[str, Any] = {
        "model": probe.model,
        "messages": body.pop("messages"),
        "max_completion_tokens": MAX_COMPLETION_TOKENS,
    }
    if not body.pop("stream", False):
        answer = client.chat.completions.create(**request, extra_body=body)
        return answer, answer.usage.total_tokens if answer.usage else 0
    usage = None
    for chunk in client.chat.completions.create(**request, stream=True, extra_body=body):
        usage = chunk.usage or usage
    return usage is not None, usage.total_tokens if usage is not None else 0


def _judge_accepted(probe: Probe, answer: Any) -> tuple[str, Status, str]:
    if probe.rule == "usage in streams":
        observed = "usage sent" if answer else "no usage"
        if contract.STREAM_USAGE is None:
            return observed, "note", "contract.STREAM_USAGE is None: not documented"
        status: Status = "ok" if answer == contract.STREAM_USAGE else "drift"
        return observed, status, f"contract.STREAM_USAGE = {contract.STREAM_USAGE}"
    if isinstance(answer, VerifyResult):
        if probe.body.get("return_search_results"):
            found = len(answer.search_results)
            return f"{found} search results", "ok" if found else "note", ""
        return "verdict read", "ok" if probe.expected == "accepted" else "drift", ""
    if probe.rule == "embedding dimensions":
        size = len(answer.data[0].embedding)
        status = "ok" if size == contract.EMBEDDING_DIMENSIONS else "drift"
        return f"{size} dimensions", status, ""
    if probe.expected is None:
        return "accepted", "note", "no contract rule for this yet"
    return "accepted", "ok" if probe.expected == "accepted" else "drift", ""


def check(client: openai.OpenAI, probe: Probe) -> Check:
    """Send one probe (unless it is ``untested``) and compare the answer with the contract."""

    def result(observed: str, status: Status, detail: str = "", tokens: int = 0) -> Check:
        return Check(
            probe.rule,
            probe.model,
            probe.expected,
            observed,
            status,
            detail or probe.source,
            tokens,
        )

    if probe.expected is None and not probe.body:
        return result(
            "not sent", "untested", f"the probe has no test value for this rule ({probe.source})"
        )
    try:
        answer, tokens = _send(client, probe)
    except (openai.AuthenticationError, openai.PermissionDeniedError) as err:
        raise ProbeAborted(f"the API key was refused ({_message(err)})") from err
    except openai.NotFoundError as err:
        unknown = "this endpoint" if probe.endpoint == "verify" else "this catalog model"
        return result("not found", "drift", f"the API does not know {unknown}: {_message(err)}")
    except (openai.BadRequestError, openai.UnprocessableEntityError) as err:
        if probe.expected is None:
            return result("refused", "note", _message(err))
        return result("refused", "ok" if probe.expected == "refused" else "drift", _message(err))
    except openai.APIStatusError as err:
        return result("error", "error", _message(err))
    except openai.APIError as err:  # connection failures, error events inside a stream
        return result("error", "error", f"{type(err).__name__}: {err}"[:_DETAIL_CHARS])
    except MalformedResponseError as err:  # a Verify answer of another shape
        return result("malformed answer", "drift", err.detail[:_DETAIL_CHARS])
    observed, status, detail = _judge_accepted(probe, answer)
    return result(observed, status, detail, tokens)


def run_probe(
    client: openai.OpenAI, *, model: str = PROBE_MODEL, models: Iterable[str] | None = None
) -> ProbeReport:
    """Run every probe of ``plan(model, models)``, then compare the live prices with the
    built-in table (``_prices``); stops after a failed baseline or a refused key, with
    ``report.aborted`` saying why."""
    report = ProbeReport(str(client.base_url).rstrip("/"))
    for probe in plan(model, models):
        try:
            found = check(client, probe)
        except ProbeAborted as err:
            report.aborted = str(err)
            break
        report.checks.append(found)
        if probe.rule == "baseline" and found.status != "ok":
            report.aborted = (
                f"the minimal request to {probe.model} was not accepted "
                f"({found.detail}); check the key, the URL and the model"
            )
            break
    if report.aborted is None:
        report.checks.extend(price_checks(client))
    return report
