"""Where kluster.ai is, how its key is named, and the client defaults of every class.

Example::

    >>> DEFAULT_BASE_URL
    'https://api.kluster.ai/v1'
"""

API_KEY_ENV = "KLUSTER_API_KEY"
BASE_URL_ENV = "KLUSTER_BASE_URL"
DEFAULT_BASE_URL = "https://api.kluster.ai/v1"

#: Client defaults for every adapter class, whatever its framework's own default: retries
#: (on 408/409/429/5xx and connection errors, with backoff and ``Retry-After``) and the
#: seconds to wait for a non-streamed answer.
DEFAULT_MAX_RETRIES = 2
DEFAULT_TIMEOUT = 300.0
#: Seconds a whole non-streamed call may take, all attempts included (streams are bounded
#: by ``stream_idle_timeout``, which defaults to ``timeout``, unless a deadline is given).
DEFAULT_DEADLINE = 600.0
#: Bytes an answer (or one line of a stream) may grow to, decompressed, while it is read.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024

DEFAULT_CHAT_MODEL = "klusterai/Meta-Llama-3.3-70B-Instruct-Turbo"
DEFAULT_EMBEDDING_MODEL = "BAAI/bge-m3"
