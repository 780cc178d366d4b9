"""A request-body ceiling for every route: a declared Content-Length above it is refused with 413 before
the body is read (the XML route also counts the bytes as they stream in)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from servicekit.problems import problem_response


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers", ()):
                if name == b"content-length":
                    if not value.isdigit() or int(value) > self.max_bytes:
                        response = problem_response(
                            413, f"Nội dung yêu cầu vượt quá giới hạn {self.max_bytes // (1024 * 1024)} MB.",
                            slug="payload-too-large",
                        )
                        await response(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)
