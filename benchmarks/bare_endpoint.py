"""The floor for the load benchmark: a FastAPI endpoint that only verifies the HMAC and answers 202."""

from __future__ import annotations

import os

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.webhooks.signature import is_valid

SECRET = os.environ.get("GITHUB_WEBHOOK_SECRET", "benchmark-secret")
app = FastAPI()


@app.post("/api/github/webhooks")
async def receive(request: Request) -> JSONResponse:
    body = await request.body()
    if not is_valid(SECRET, body, request.headers.get("x-hub-signature-256")):
        return JSONResponse({"message": "bad signature"}, status_code=401)
    return JSONResponse({"message": "accepted"}, status_code=202)
