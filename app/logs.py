"""Logging for the app's processes: text for people, or JSON lines (LOG_FORMAT=json) for log
pipelines. Secrets never reach a log: settings hold them as SecretStr, failures are described
without tokens (app.github.calls.describe), and this formatter drops any value that looks like one."""

from __future__ import annotations

import json
import logging
import re
import time

_SECRET = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9_]{16,}|v1\.[0-9a-f]{40}|eyJ[\w-]{10,}\.[\w-]+\.[\w-]+)")


def redact(text: str) -> str:
    return _SECRET.sub("[redacted]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
                 "level": record.levelname.lower(), "logger": record.name,
                 "message": redact(record.getMessage())}
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(log_format: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
