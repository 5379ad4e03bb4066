"""Signing in and out, sessions, cookies, the secret key and the trusted proxy header."""

from __future__ import annotations

import re
import stat

import pytest
from support.app import make_app
from support.web_support import CSRF, give_csrf, login, post, session_value_of
from support.world import PASSWORD

from web import create_app


def test_sign_in_and_out(client):
    assert client.get("/").status_code == 302
    login(client, "ana")
    page = client.get("/")
    assert page.status_code == 200 and "ana" in page.text
    assert post(client, "/logout").status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_is_refused(client):
    token = give_csrf(client)
    response = client.post(
        "/login", data={"username": "ana", "password": "wrong-one", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Wrong username or password" in response.text
    assert client.get("/").status_code == 302


def test_unknown_user_is_refused_like_a_wrong_password(client):
    token = give_csrf(client)
    response = client.post(
        "/login", data={"username": "mallory", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401


def test_sign_in_needs_the_csrf_token(client):
    client.get("/login")
    response = client.post("/login", data={"username": "ana", "password": PASSWORD})
    assert response.status_code == 400
    response = client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400


def test_sign_in_form_carries_the_session_token(client):
    page = client.get("/login")
    with client.session_transaction() as session:
        value = session["csrf_token"]
    # Flask-WTF puts the session's value in the form signed with the secret key.
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert session_value_of(token) == value
    response = client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_anonymous_pages_redirect_to_sign_in_and_come_back(client):
    response = client.get("/teams/ops?start=2027-01-04")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    token = give_csrf(client)
    response = client.post(
        location,
        data={"username": "ana", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/teams/ops?start=2027-01-04"


OFF_SITE = [
    "//evil.example/x",
    "https://evil.example/",
    "/\\evil",
    "/\t/evil.example",
    "/%09/evil.example",
    "/%5c/evil.example",
    "/%2F/evil.example",
    "/\r\nLocation: https://evil.example/",
    "/x\r\nSet-Cookie: a=b",
    "/ /evil.example",
    "javascript:alert(1)",
    "/\x7f/evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_redirects_off_site(client, target):
    token = give_csrf(client)
    response = client.post(
        "/login",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token, "next": target},
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0d%0aSet-Cookie:%20a=b"])
def test_a_next_in_the_query_string_never_leaves_the_site(client, target):
    token = give_csrf(client)
    response = client.post(
        f"/login?next={target}",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Set-Cookie: a" not in str(response.headers)


def test_json_endpoints_say_401_to_anonymous(client):
    response = client.get("/plans/jobs/nope.json")
    assert response.status_code == 401
    assert response.is_json


def test_session_cookie_flags(client):
    token = give_csrf(client)
    response = client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in development unless asked


def test_secure_cookies_when_configured(engine, world, clock, tmp_path, monkeypatch):
    monkeypatch.setenv("ROTA_SECURE_COOKIES", "1")
    secure = make_app(engine, clock, tmp_path / "jobs")
    client = secure.test_client()
    token = give_csrf(client)
    response = client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token}
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_new_secret_key_is_kept_in_the_instance_folder(engine, tmp_path, monkeypatch):
    monkeypatch.delenv("ROTA_SECRET_KEY", raising=False)
    monkeypatch.setenv("ROTA_INSTANCE_PATH", str(tmp_path / "instance"))
    first = create_app({"ENGINE": engine, "MIGRATE": False})
    key_file = tmp_path / "instance" / "secret_key"
    assert len(first.config["SECRET_KEY"]) >= 64
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "*" in (tmp_path / "instance" / ".gitignore").read_text()  # never committed
    again = create_app({"ENGINE": engine, "MIGRATE": False})
    assert again.config["SECRET_KEY"] == first.config["SECRET_KEY"]  # sessions survive restarts


def test_the_environment_key_wins(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("ROTA_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("ROTA_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"ENGINE": engine, "MIGRATE": False})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_proxy_header_is_ignored_unless_trusted(client):
    response = client.get("/", headers={"X-Forwarded-User": "admin"})
    assert response.status_code == 302


def test_trusted_proxy_header_signs_in(engine, world, clock, tmp_path):
    proxied = make_app(
        engine, clock, tmp_path / "jobs", TRUST_PROXY_HEADER="X-Forwarded-User"
    ).test_client()
    assert proxied.get("/", headers={"X-Forwarded-User": "ana"}).status_code == 200
    assert proxied.get("/", headers={"X-Forwarded-User": "mallory"}).status_code == 302
    assert proxied.get("/").status_code == 302


def test_pages_send_security_headers(client):
    login(client, "ana")
    response = client.get("/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_sign_out_needs_post_and_the_token(client):
    login(client, "ana")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/").status_code == 200  # still signed in
    assert client.post("/logout", data={"csrf_token": CSRF}).status_code == 302


def test_a_browser_signs_in_and_out_with_the_tokens_its_pages_carry(client):
    def token_on(page) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    form = client.get("/login")
    response = client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token_on(form)}
    )
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert client.post("/logout", data={"csrf_token": token_on(home)}).status_code == 302
    assert client.get("/").status_code == 302
