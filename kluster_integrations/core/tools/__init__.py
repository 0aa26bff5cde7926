"""Tools and structured output: native tool calls on the tool models, tools and JSON
schemas written into the prompt on the others (an explicit ``response_format`` too), and
the replies read back in linear time.

Example::

    from kluster_integrations.core.tools import plan_request
    request, capabilities, plan = plan_request(payload, mode="auto")
"""

from kluster_integrations.core.tools._calling import (
    PromptedTools,
    ToolCallingMode,
    check_mode,
    model_capabilities,
    plan_request,
    with_system_text,
)
from kluster_integrations.core.tools._protocol import (
    TOOLS_HEADING,
    ParsedCall,
    ParsedReply,
    ReplyStream,
    ToolChoice,
    ToolSpec,
    choice_in_prompt,
    choice_rule,
    normalize_tool_choice,
    parse_bare_arguments,
    parse_tool_reply,
    tools_instruction,
)
from kluster_integrations.core.tools._replies import (
    CORRECTION,
    ChunkMaker,
    PromptedStream,
    as_tool_completion,
    read_reply,
    retry_body,
)
from kluster_integrations.core.tools._reply_reader import (
    ENVELOPE_KEY,
)
from kluster_integrations.core.tools._response_format import (
    AnswerSchema,
    answer_schema_of,
    take_response_format,
)
from kluster_integrations.core.tools._structured import (
    SCHEMA_HEADING,
    extract_json,
    find_schema,
    schema_instruction,
)

__all__ = [
    "CORRECTION",
    "ENVELOPE_KEY",
    "SCHEMA_HEADING",
    "TOOLS_HEADING",
    "AnswerSchema",
    "ChunkMaker",
    "ParsedCall",
    "ParsedReply",
    "PromptedStream",
    "PromptedTools",
    "ReplyStream",
    "ToolCallingMode",
    "ToolChoice",
    "ToolSpec",
    "answer_schema_of",
    "as_tool_completion",
    "check_mode",
    "choice_in_prompt",
    "choice_rule",
    "extract_json",
    "find_schema",
    "model_capabilities",
    "normalize_tool_choice",
    "parse_bare_arguments",
    "parse_tool_reply",
    "plan_request",
    "read_reply",
    "retry_body",
    "schema_instruction",
    "take_response_format",
    "tools_instruction",
    "with_system_text",
]
