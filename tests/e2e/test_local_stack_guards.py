"""Issue 26, case 9 on the running local stack: webhook receivers on loopback only and never on the
stack's own ports; the `/_local/` controls need the admin key; disbursements use the sandbox."""

import socket
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _subscribe(stack, url: str):
    return stack.session(stack.admin_key).post(
        f"{stack.base_url}/v1/webhooks", json={"url": url, "events": ["loan.closed"]}
    )


def test_webhooks_go_to_this_machine_only_and_never_to_the_stacks_own_ports(stack):
    for url, message in [
        ("http://169.254.169.254/latest/meta-data/", "host 169.254.169.254 is a link-local address"),
        ("http://10.0.0.7/", "host 10.0.0.7 is a private address"),
    ]:
        reply = _subscribe(stack, url)
        assert reply.status_code == 400, reply.text
        assert reply.json()["details"] == [{"field": "url", "message": message}]
    for own in (stack.base_url, stack.accounting_url):
        port = urlsplit(own).port
        reply = _subscribe(stack, f"http://127.0.0.1:{port}/v1/api-keys")
        assert reply.status_code == 400, reply.text
        assert reply.json()["details"] == [
            {"field": "url", "message": f"port {port} of this machine is the local stack's own service"}
        ]
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    assert _subscribe(stack, f"http://127.0.0.1:{port}/hooks").status_code == 201


def test_the_local_controls_need_the_admin_key(stack):
    url = f"{stack.base_url}/_local/environments"
    assert stack.session().get(url).status_code == 401
    assert stack.session("lms_not-a-key").post(f"{stack.base_url}/_local/environments/recycle").status_code == 401
    viewer = stack.session(stack.admin_key).post(
        f"{stack.base_url}/v1/api-keys", json={"name": "guard viewer", "role": "viewer"}
    )
    assert stack.session(viewer.json()["key"]).get(url).status_code == 403
    assert stack.session(stack.admin_key).get(url).status_code == 200
