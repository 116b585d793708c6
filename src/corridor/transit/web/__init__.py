"""Server-rendered web pages of the transit service (Jinja2 templates, bundled CSS/JS, no CDN).

`mount_web(app)` adds the pages under ``/web`` to the FastAPI app built by `corridor.transit.api.create_app`.
The pages call the same `TransitService` as the API (``app.state.service``), so every role and object-level
check applies unchanged: a carrier's page asks the service, and the service answers 404 for a foreign declaration.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from corridor.transit.web.pages import router

STATIC_URL = "/web/static"


def mount_web(app: FastAPI, *, board_refresh_s: float = 5.0) -> None:
    """Serve the pages under ``/web`` (and redirect ``/`` there). ``board_refresh_s``: board polling period."""
    app.state.web_board_refresh_s = board_refresh_s
    static = StaticFiles(directory=str(resources.files("corridor.transit.web") / "static"))
    app.mount(STATIC_URL, static, name="web-static")
    app.include_router(router)

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/web/", status_code=303)


__all__ = ["mount_web"]
