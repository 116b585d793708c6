"""Bounded requests (issue 13): body limits per route before parsing (413), form and header limits as 4xx,
read timeouts for slow clients, and no 500 on a huge offset.

Before: 200 MB bodies were parsed before authentication (2.5 GB of memory), Starlette's form limits and
``offset=9223372036854775808`` answered 500, and connections that never finished a request stayed open."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from test_web_http import csrf, login
from transit_factories import bearer, client_class, train_body

from corridor.transit.api import create_app
from corridor.transit.limits import uvicorn_options
from corridor.transit.settings import Settings

BIG = 9223372036854775808


def test_an_oversized_body_is_413_before_authentication_or_parsing(client, monkeypatch):
    from corridor.transit import api

    parsed = []
    monkeypatch.setattr(api.TokenRequest, "model_validate", lambda *a, **k: parsed.append(1))
    r = client.post("/api/v1/auth/token", content=b"{" + b" " * 20_000 + b"}")
    assert r.status_code == 413 and "16384 bytes" in r.json()["detail"] and not parsed
    r = client.post(
        "/api/v1/declarations", content=b"[" * 600_000, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413  # unauthenticated, and never parsed


def test_declarations_have_a_larger_limit_than_other_routes(client, people):
    body = train_body("BIG-1")
    body["consignments"][0]["description"] = "x" * 400  # ~1.5 kB: fine
    r = client.post("/api/v1/declarations", json=body, headers=bearer(people, "carrier"))
    assert r.status_code == 201
    padded = b'{"reference": "X"' + b" " * 100_000 + b"}"  # 100 kB: over 16 kB but under 512 kB
    r = client.post(
        "/api/v1/declarations",
        content=padded,
        headers={**bearer(people, "carrier"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422


def test_a_chunked_body_is_cut_off_at_the_limit(client):
    def chunks():
        for _ in range(100):
            yield b" " * 1024

    r = client.post("/api/v1/auth/token", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_form_limits_are_400_pages_not_500(client, people):
    login(client, "carrier")
    fields = {f"f{i}": "1" for i in range(300)} | {"csrf_token": csrf(client, "/web/declarations/new")}
    r = client.post("/web/declarations/new", data=fields, follow_redirects=False)
    assert r.status_code == 400 and "Too many fields" in r.text
    r = client.post(
        "/web/declarations/new",
        files={"upload": ("a.txt", b"x")},
        data={"csrf_token": "x"},
        follow_redirects=False,
    )
    assert r.status_code == 400


@pytest.mark.parametrize("path", ["/web/declarations", "/api/v1/declarations"])
def test_a_huge_offset_is_4xx(client, people, path):
    login(client, "officer")
    r = client.get(path, params={"offset": BIG}, headers=bearer(people, "officer"))
    assert 400 <= r.status_code < 500, r.text
    r = client.get(path, params={"offset": 10**9 + 1}, headers=bearer(people, "officer"))
    assert 400 <= r.status_code < 500, r.text


def test_service_refuses_an_offset_beyond_its_range(svc, people):
    from corridor.transit.errors import Unprocessable

    for call in (svc.list, svc.list_slots):
        with pytest.raises(Unprocessable, match="offset must be"):
            call(people.officer, offset=BIG)


# ----- a real server: timeouts and head limits -------------------------------------------------------------


@pytest.fixture
def server(svc):
    settings = Settings(
        environment="test",
        audit_key="k" * 20,
        header_timeout_s=0.5,
        body_timeout_s=0.5,
        max_header_bytes=4096,
        keep_alive_s=1.0,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, service=svc),
        host="127.0.0.1",
        port=port,
        log_level="critical",
        **uvicorn_options(settings),
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield port
    srv.should_exit = True
    thread.join(10)


def _closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    sock.settimeout(seconds)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
        return True, data
    except TimeoutError:
        return False, data


def test_a_connection_that_never_finishes_its_headers_is_closed(server):
    with socket.create_connection(("127.0.0.1", server)) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # no blank line: the head never ends
        closed, _ = _closed_within(s, 3)
    assert closed
    with socket.create_connection(("127.0.0.1", server)) as idle:  # connects and sends nothing
        assert _closed_within(idle, 3)[0]


def test_a_kept_alive_connection_still_serves_prompt_requests(server):
    with socket.create_connection(("127.0.0.1", server)) as s:
        for _ in range(3):
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(3)
            assert b"200 OK" in s.recv(4096)
            time.sleep(0.3)  # below the head timeout each time, 0.9 s in all


def test_an_idle_kept_alive_connection_stays_open_for_keep_alive_s_then_closes(server):
    """The server's idle keep-alive (here 1 s) is what a reusing client must stay under: a connection idle for
    less still serves, one idle for longer is closed by the server (the client sees it closed, so it does not
    send a request on it)."""
    with socket.create_connection(("127.0.0.1", server)) as s:
        s.settimeout(3)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in s.recv(4096)
        time.sleep(0.6)  # idle below the keep-alive
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in s.recv(4096)
        start = time.monotonic()
        closed, data = _closed_within(s, 3)  # idle from here on
    assert closed and data == b""
    assert 0.8 < time.monotonic() - start < 2.5


def test_the_serve_command_applies_the_keep_alive_and_connection_limits():
    settings = Settings(environment="test", audit_key="k" * 20, keep_alive_s=7.5, max_connections=123)
    options = uvicorn_options(settings)
    assert options["timeout_keep_alive"] == 7.5 and options["limit_concurrency"] == 123


def test_a_body_that_stops_arriving_is_408(server):
    with socket.create_connection(("127.0.0.1", server)) as s:
        s.sendall(
            b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"user'
        )
        data = _closed_within(s, 5)[1]
    assert data.startswith(b"HTTP/1.1 408"), data


def test_a_huge_request_head_is_431(server):
    with socket.create_connection(("127.0.0.1", server)) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n")
        closed, data = _closed_within(s, 3)
    assert closed and data.startswith(b"HTTP/1.1 431"), data


def test_api_docs_are_self_hosted_and_off_in_production(svc):
    with client_class()(create_app(service=svc)) as c:
        page = c.get("/docs")
        assert page.status_code == 200 and "/docs-static/swagger-ui-bundle.js" in page.text
        assert "cdn" not in page.text.lower() and "http" not in page.text.split("<body>")[0].replace(
            "http-equiv", ""
        )
        assert c.get("/docs-static/swagger-ui-bundle.js").status_code == 200
        assert c.get("/redoc").status_code == 404
    prod = Settings(environment="test", audit_key="k" * 20, api_docs=False)
    with client_class()(create_app(prod, service=svc)) as c:
        assert c.get("/docs").status_code == 404 and c.get("/openapi.json").status_code == 404
