"""The bench's anchor: a bare FastAPI endpoint served exactly as the services are (uvicorn, uvloop, httptools,
one process), so every figure of ``make bench`` is printed beside what this machine does with no service code.

    python tests/bench_anchor.py PORT
"""

from __future__ import annotations

import sys

from fastapi import FastAPI

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/anchor")
async def anchor() -> dict[str, str]:
    return {"status": "ok", "service": "anchor"}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), loop="uvloop", http="httptools", access_log=False,
                log_level="warning", timeout_keep_alive=75)
