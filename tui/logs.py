"""A debug log file for what the operator is not shown (tracebacks), with secrets removed."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

# Bearer tokens and JWTs that a library might put in a debug line.
_TOKEN = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9._-]+")


def log_path() -> Path:
    env = os.environ.get("FAILBACK_PREP_LOG")
    if env:
        return Path(env)
    from platformdirs import user_log_dir

    return Path(user_log_dir("failback-prep")) / "failback-prep.log"


class Redact(logging.Filter):
    """Removes every secret the process knows, and bearer tokens, from every record before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        record.msg, record.args = scrub(message), None
        return True


def scrub(text: str) -> str:
    # The process's one set of known secrets (checks.sources.KNOWN_SECRETS): what the engine was handed
    # (environment, keyring), what was typed into the wizard, the demo's. The environment's are known
    # from the start, even before anything asks for them.
    from checks.sources import KNOWN_SECRETS
    from control.credentials import ENV

    KNOWN_SECRETS.update(os.environ.get(name) for name in ENV.values())
    text = KNOWN_SECRETS.redact(text)
    return _TOKEN.sub(lambda m: (m.group(1) or "") + KNOWN_SECRETS.MASK, text)


_configured = False


def setup() -> None:
    """Send our debug records to the log file (0600); nothing goes to the terminal."""
    global _configured
    if _configured:
        return
    _configured = True
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        handler: logging.Handler = logging.StreamHandler(os.fdopen(fd, "a", encoding="utf-8"))
    except OSError:
        handler = logging.NullHandler()
    handler.addFilter(Redact())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for name in ("failback_prep", "azure", "pyVmomi", "httpx"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.propagate = False
    logging.getLogger("failback_prep").setLevel(logging.DEBUG)
    logging.getLogger("azure").setLevel(logging.WARNING)


def record_crash() -> None:
    logging.getLogger("failback_prep").error("unexpected error", exc_info=True)
