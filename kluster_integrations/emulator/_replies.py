"""Deterministic answers: chat text, JSON for a schema, and embedding vectors.

The same request always gets the same answer, so tests and notebooks are repeatable:

- a prompt that carries a JSON schema (``core.tools.schema_instruction``) gets an
  example value that validates against it;
- a question asked over some context (retrieval-augmented prompts) gets the context
  sentence sharing most words with it;
- anything else gets a short reply that quotes the last user message;
- embeddings are hashed bags of words, L2-normalised, so texts sharing words are close.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from kluster_integrations.core.contract import EMBEDDING_DIMENSIONS
from kluster_integrations.core.tools import find_schema

_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_STOPWORDS = frozenset(
    "the a an and or of to in on for is are was were be with what which who how does do "
    "this that it its as at by from about given query answer context information".split()
)


def message_text(content: Any) -> str:
    """The text of a message's content (string or list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return ""


def chat_reply(body: Mapping[str, Any]) -> str:
    """The emulator's answer to a chat request with no scripted reply queued."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    texts = [message_text(m.get("content")) for m in messages]
    schema_reply = reply_for_schema(texts)
    if schema_reply is not None:
        return schema_reply
    user_texts = [t for m, t in zip(messages, texts, strict=True) if m.get("role") == "user"]
    question = _question(user_texts[-1] if user_texts else (texts[-1] if texts else ""))
    sentence = _best_sentence(question, texts)
    if sentence:
        return sentence
    quoted = " ".join(question.split())[:160]
    return f'Emulated reply from {body.get("model")}: you said "{quoted}".'


def reply_for_schema(texts: Sequence[str]) -> str | None:
    """JSON that validates against the first schema a text asks for, or ``None``."""
    for text in texts:
        schema = find_schema(text)
        if schema is not None:
            return json.dumps(example_for_schema(schema, schema))
    return None


def _question(text: str) -> str:
    for marker in ("Query:", "Question:"):
        if marker in text:
            return text.rsplit(marker, 1)[1].split("Answer:", 1)[0].strip()
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 2}


def _best_sentence(question: str, texts: Sequence[str]) -> str | None:
    wanted = _words(question)
    best, best_score = None, 1
    for text in texts:
        for sentence in _SENTENCE_END.split(text):
            sentence = sentence.strip()
            if not sentence or question in sentence or sentence in question:
                continue
            score = len(wanted & _words(sentence))
            if score > best_score:
                best, best_score = sentence, score
    return best


def example_for_schema(
    schema: Mapping[str, Any], root: Mapping[str, Any], name: str = "value", depth: int = 0
) -> Any:
    """A value that validates against ``schema`` (``$ref`` resolved against ``root``)."""
    if depth > 8:
        return None
    if "$ref" in schema:
        target: Any = root
        for part in str(schema["$ref"]).lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        return example_for_schema(target, root, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key) or () if o.get("type") != "null"]
        if options:
            return example_for_schema(options[0], root, name, depth + 1)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        props = schema.get("properties") or {}
        return {key: example_for_schema(sub, root, key, depth + 1) for key, sub in props.items()}
    if kind == "array":
        item = example_for_schema(schema.get("items") or {}, root, name, depth + 1)
        return [item] * max(1, int(schema.get("minItems", 1)))
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return float(max(1, schema.get("minimum", 1)))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if schema.get("format") == "date":
        return "2025-01-01"
    return f"example {name}"


def embed_text(text: str) -> list[float]:
    """A 1024-dimensional unit vector: a hashed bag of the text's words."""
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for word in _WORD.findall(text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        slot = int.from_bytes(digest[:4], "little") % EMBEDDING_DIMENSIONS
        vector[slot] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0:
        vector[0] = 1.0
        return vector
    return [v / norm for v in vector]


def count_tokens(text: str) -> int:
    """A rough token count (words and punctuation), good enough for usage figures."""
    return len(re.findall(r"\w+|[^\w\s]", text))
