"""Counting every GitHub API call by method, route and status (for /metrics and the benchmarks).

PyGithub makes its HTTP connections through classes it lets tests replace; these subclasses
count each response and otherwise do exactly what PyGithub's own do. Keep-alive stays on.
"""

from __future__ import annotations

from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass, Requester

from app.metrics import GITHUB_CALLS, route_of


class _Counted:
    def getresponse(self):
        try:
            response = super().getresponse()
        except Exception:
            GITHUB_CALLS.labels(self.verb, route_of(self.url), "error").inc()
            raise
        GITHUB_CALLS.labels(self.verb, route_of(self.url), str(response.status)).inc()
        return response


class CountedHTTP(_Counted, HTTPRequestsConnectionClass):
    pass


class CountedHTTPS(_Counted, HTTPSRequestsConnectionClass):
    pass


_installed = False


def count_github_calls() -> None:
    """Route PyGithub's connections through the counting classes, once per process."""
    global _installed
    if _installed:
        return
    Requester.injectConnectionClasses(CountedHTTP, CountedHTTPS)
    Requester._Requester__persist = True  # injecting turns keep-alive off; the classes above are safe to reuse
    _installed = True
