"""After downtime: find deliveries GitHub failed to make and ask for them again (it never retries)."""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime

from app.github.calls import describe
from app.github.client import GitHubApp
from app.settings import Settings
from app.state.store import Store

log = logging.getLogger("openwashing.deliveries")
_NEXT = re.compile(r'<[^>]*[?&]cursor=([^&>]+)[^>]*>;\s*rel="next"')


def redeliver_missed(app: GitHubApp, store: Store, settings: Settings) -> list[int]:
    """Ask GitHub to redeliver failed deliveries of the recent past that the app never stored."""
    requester = app.integration().requester
    since = time.time() - settings.redeliver_window_hours * 3600
    asked: list[int] = []
    cursor, seen_ok = None, set()
    try:
        while len(asked) < settings.redeliver_max:
            params = {"per_page": 100, **({"cursor": cursor} if cursor else {})}
            headers, page = requester.requestJsonAndCheck("GET", "/app/hook/deliveries", parameters=params)
            if not page:
                break
            seen_ok |= {d["guid"] for d in page if d.get("status") == "OK"}
            recent = [d for d in page if _timestamp(d["delivered_at"]) >= since]
            known = store.known_deliveries([d["guid"] for d in recent])
            for item in recent:
                if item.get("status") == "OK" or item["guid"] in known or item["guid"] in seen_ok:
                    continue
                if len(asked) >= settings.redeliver_max:
                    break
                requester.requestJsonAndCheck("POST", f"/app/hook/deliveries/{item['id']}/attempts")
                asked.append(item["id"])
                seen_ok.add(item["guid"])  # one attempt per delivery
                log.info("asked GitHub to redeliver %s (%s.%s, failed with %s)", item["guid"], item.get("event"),
                         item.get("action"), item.get("status"))
            match = _NEXT.search((headers or {}).get("link", "") or "")
            if len(recent) < len(page) or not match:
                break
            cursor = match.group(1)
    except Exception as exc:
        log.warning("could not check for missed deliveries: %s", describe(exc))
    if asked:
        log.info("asked for %d redeliveries", len(asked))
    return asked


def _timestamp(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
