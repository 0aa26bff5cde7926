"""Keep the API key out of the DEBUG logs of the libraries the adapters call.

At DEBUG level ``openai._base_client`` logs each answer's headers and ``httpcore`` the raw
header list, so a server or proxy that echoes the key in a header would put it in the logs.
``install_log_masking()``, run when the package builds its HTTP clients
(``core.transport``), adds one ``KeyMaskingFilter`` to the loggers of openai, httpx and
httpcore. It masks (``core.transport``) the keys ``resolve_api_key`` returned and the key
of the request under way, in the message and in a logged traceback.

A logger's filter runs only for records that pass its level check, so with DEBUG off it
costs nothing (``benchmarks/masking.py`` measures it). It sees the records of the loggers it
is added to, not of their children, hence the list of logger names.

Example::

    remember_key("kl-0123456789")
    install_log_masking()
    logging.getLogger("httpcore.http11").debug("headers: %s", "kl-0123456789")
    # logged as "headers: ***"
"""

from __future__ import annotations

import logging
import threading

from kluster_integrations.core.transport._guards import request_key
from kluster_integrations.core.transport._key_masking import mask_key, remembered_keys

#: The libraries whose loggers get the filter (every logger of theirs that exists when the
#: clients are built, and these names, created now if need be).
LIBRARIES = ("openai", "httpx", "httpcore")
_LOGGER_NAMES = (
    "openai",
    "openai._base_client",
    "openai._response",
    "openai._legacy_response",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


class KeyMaskingFilter(logging.Filter):
    """Masks the known API keys in each record it sees (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        keys = remembered_keys()
        current = request_key()
        if current and current not in keys:
            keys = (*keys, current)
        if not keys:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the handler reports it as usual
            return True
        masked = message
        for key in keys:
            masked = mask_key(masked, key)
        if masked is not message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            traceback = logging.Formatter().formatException(record.exc_info)
            masked = traceback
            for key in keys:
                masked = mask_key(masked, key)
            if masked is not traceback:
                record.exc_text = masked  # formatters use it instead of formatting again
        return True


_FILTER = KeyMaskingFilter()
_installing = threading.Lock()
#: How many loggers existed at the last install (a new one may belong to a library).
_loggers_seen = -1


def install_log_masking() -> None:
    """Add the filter to the loggers of ``LIBRARIES`` that lack it (cheap when no logger
    was created since the last call)."""
    global _loggers_seen
    known = logging.root.manager.loggerDict
    if len(known) == _loggers_seen:
        return
    with _installing:
        names = set(_LOGGER_NAMES) | {
            name for name in list(known) if name.split(".", 1)[0] in LIBRARIES
        }
        for name in names:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
        _loggers_seen = len(known)
