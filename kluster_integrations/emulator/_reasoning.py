"""How the emulator's reasoning models think out loud.

Models the catalog flags with the ``reasoning`` capability (DeepSeek-R1, Qwen3, Magistral)
answer as they do on kluster.ai: a deterministic ``<think>...</think>`` block, then the
answer, all in ``content`` (streamed word by word, so the tags arrive glued to words and
split from their blocks). Scripted replies (``queue_replies``) are sent exactly as queued.

``Settings.reasoning_field = "reasoning_content"`` (or ``"reasoning"``) makes the emulator
send a leading think block in that field instead, as some OpenAI-compatible servers do.

Example::

    >>> think_block({"messages": [{"role": "user", "content": "Why is the sky blue?"}]})
    '<think>The user asks: "Why is the sky blue?". I will answer in one sentence.</think>\\n\\n'
    >>> move_to_field("<think>hm</think>\\n\\nBlue.")
    ('hm', 'Blue.')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kluster_integrations.core.contract import ModelInfo
from kluster_integrations.emulator._replies import message_text

_LEADING_BLOCK = re.compile(r"\s*<think>(.*?)(?:</think>\s*|$)", re.DOTALL)


def think_block(body: Mapping[str, Any]) -> str:
    """The thinking a reasoning model writes before answering ``body``'s last user turn."""
    users = [
        m for m in body.get("messages") or () if isinstance(m, Mapping) and m.get("role") == "user"
    ]
    asked = " ".join(message_text(users[-1].get("content")).split())[:120] if users else ""
    return f'<think>The user asks: "{asked}". I will answer in one sentence.</think>\n\n'


def with_thinking(info: ModelInfo, body: Mapping[str, Any], answer: str) -> str:
    """``answer`` as ``info``'s model writes it: after a think block if it reasons."""
    return think_block(body) + answer if info.supports("reasoning") else answer


def move_to_field(text: str) -> tuple[str | None, str]:
    """A leading think block of ``text`` as separate reasoning, and the rest.

    The emulator's own reading, independent of the package's splitter it tests; an
    unclosed block (cut by the token budget) is all reasoning.
    """
    match = _LEADING_BLOCK.match(text)
    if match is None:
        return None, text
    return match.group(1), text[match.end() :]
