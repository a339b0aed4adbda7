"""GitHub's published limits for check runs and comments (docs.github.com, REST check runs / reviews),
and what one job may spend."""

import contextlib
import threading
import time

MAX_ANNOTATIONS_PER_REQUEST = 50  # "annotations: maximum of 50 per request"
MAX_SUMMARY_CHARS = 65_535  # output.summary and output.text maxLength
MAX_ANNOTATION_MESSAGE_BYTES = 64 * 1024  # annotation message / raw_details: 64 KB
MAX_ANNOTATION_TITLE_CHARS = 255
MAX_COMMENT_CHARS = 65_536  # issue and review comment bodies
MAX_REVIEW_COMMENTS = 30  # ours: more inline suggestions than this are summarised instead
MAX_ACTIONS = 3  # check run buttons; label <= 20, description <= 40, identifier <= 20 characters


def truncate(text: str, limit: int, note: str = "\n\n… (truncated to fit GitHub's limit)") -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(note)] + note


def truncate_bytes(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 4].decode("utf-8", errors="ignore") + " …"


class BudgetExceeded(Exception):
    """A job used up its time or its reading allowance; it ends with the reason, never silently."""


class Budget:
    """What one job may spend: time, documents and bytes read. Checked before each read."""

    def __init__(self, seconds: float, max_documents: int, max_bytes: int, clock=None) -> None:
        import time
        self._clock = clock or time.monotonic
        self.deadline = self._clock() + seconds
        self.seconds = seconds
        self.max_documents, self.max_bytes = max_documents, max_bytes
        self.documents = self.bytes = 0

    def check_time(self) -> None:
        if self._clock() > self.deadline:
            raise BudgetExceeded(f"the job ran out of its {self.seconds:g}-second time budget")

    def allow_read(self, size: int) -> bool:
        """Whether one more file of this size may be read; counts it when it may."""
        self.check_time()
        if self.documents + 1 > self.max_documents or self.bytes + size > self.max_bytes:
            return False
        self.documents += 1
        self.bytes += size
        return True


_job = threading.local()


@contextlib.contextmanager
def waits_until(deadline: float):
    """While a job runs on this thread, no wait for GitHub (a rate limit's Retry-After or reset)
    may go past its deadline (time.monotonic())."""
    previous = getattr(_job, "deadline", None)
    _job.deadline = deadline
    try:
        yield
    finally:
        _job.deadline = previous


def seconds_left() -> float | None:
    """What the job running on this thread has left, or None outside a job."""
    deadline = getattr(_job, "deadline", None)
    return None if deadline is None else max(0.0, deadline - time.monotonic())
