"""Passwordstate auth=windows end to end: NTLM over /winapi/ against the local imitation (a real handshake)."""

from __future__ import annotations

import pytest

from sandbox.passwordstate import seed_data as S

pytest.importorskip("requests_ntlm")
pytest.importorskip("spnego")

WRONG_PASSWORD = "Wrong-Win-Pass-0"
NEVER_SHOWN = (S.WINDOWS_PASSWORD, WRONG_PASSWORD, "Web-Alice-Pass-1", "Web-Admin-Pass-2", "Mail-Bob-Pass-3",
               "Win-Created-Pass-55", S.SYSTEM_API_KEY, S.GENERATOR_API_KEY)


@pytest.fixture(scope="module")
def server(sandbox_factory):
    return sandbox_factory("passwordstate")


def test_passwordstate_winapi(target, server):
    server.reset_stats()
    env = dict(server.env, PASSWORDSTATE_WINDOWS_USERNAME=S.WINDOWS_USERNAME,
               PASSWORDSTATE_WINDOWS_PASSWORD=S.WINDOWS_PASSWORD)
    result = target("passwordstate_winapi", env=env, extra_vars={"ps_wrong_password": WRONG_PASSWORD}, args=["-v"])
    assert result.rc == 0, result
    shown = result.stdout + result.stderr
    leaked = [secret for secret in NEVER_SHOWN if secret in shown]
    assert not leaked, "secrets in the playbook output: %s" % leaked

    stats = server.stats()
    # every request went to /winapi/, none carried an API key (PASSWORDSTATE_API_KEY was set)
    assert stats["by_route"], stats
    assert all(route.split(" ", 1)[1].startswith("/winapi/") for route in stats["by_route"]), stats
    assert stats.get("winapi_apikey_seen", 0) == 0, stats
    assert stats.get("winapi_requests", 0) > 0
    assert stats.get("logins", 0) >= 1          # NTLM handshakes that succeeded
    assert stats.get("auth_failures", 0) >= 2   # the wrong password, lookup and module
    assert stats.get("creates", 0) == 1 and stats.get("deletes", 0) == 1
    assert stats.get("updates", 0) == 0         # the wrong-password module run wrote nothing
    logins = server.admin("GET", "windows_user")["logins"]
    assert logins and set(logins) == {S.WINDOWS_USERNAME}
    state = server.admin("GET", "state")
    assert state["passwords"]["5001"]["Notes"] != "never written"


def test_winapi_handshake_like_iis(server):
    """The server side alone: 401 offers, the NTLM challenge, a wrong password, an API key that opens nothing."""
    requests = pytest.importorskip("requests")
    from requests_ntlm import HttpNtlmAuth  # pylint: disable=import-outside-toplevel

    url = server.base_url + "/winapi/passwords/5001"
    bare = requests.get(url, headers={"APIKey": S.SYSTEM_API_KEY}, timeout=30)
    assert bare.status_code == 401
    assert "NTLM" in bare.headers["WWW-Authenticate"] and "Negotiate" in bare.headers["WWW-Authenticate"]
    with requests.Session() as session:
        session.auth = HttpNtlmAuth(S.WINDOWS_USERNAME, S.WINDOWS_PASSWORD)
        first = session.get(url, timeout=30)
        assert first.status_code == 200 and first.json()[0]["Password"] == "Web-Alice-Pass-1"
        assert [r.status_code for r in first.history] == [401, 401]
        assert first.history[1].headers["WWW-Authenticate"].startswith("NTLM ")
        # the connection stays authenticated (IIS keeps NTLM per connection)
        second = session.get(url, timeout=30)
        assert second.status_code == 200 and not second.history
    with requests.Session() as session:
        session.auth = HttpNtlmAuth(S.WINDOWS_USERNAME, WRONG_PASSWORD)
        assert session.get(url, timeout=30).status_code == 401
