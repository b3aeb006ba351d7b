"""The template, the function folders and the sample events stay in step."""

import json
from pathlib import Path

import pytest

from devstack.container import LambdaContext
from devstack.lambdas import Functions
from tests.conftest import STACK

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())
CUSTOM_RESOURCE_FUNCTIONS = {
    r["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    for r in STACK.resources.values()
    if r["Type"].startswith("Custom::")
}


def test_every_function_folder_is_in_the_template_with_a_route_or_event_source():
    declared = {fn.code_dir.name: fn for fn in STACK.functions.values()}
    assert sorted(declared) == FOLDERS
    for name, fn in declared.items():
        has_source = bool(fn.events) or fn.logical_id in CUSTOM_RESOURCE_FUNCTIONS or fn.logical_id == STACK.authorizer
        assert has_source, name


def test_one_function_per_route():
    functions = [r.function for r in STACK.routes]
    assert len(functions) == len(set(functions))


def test_read_only_routes_have_read_only_policies():
    for route in STACK.routes:
        policies = STACK.resources[route.function]["Properties"].get("Policies", [])
        names = [next(iter(p)) for p in policies]
        if route.method == "GET":
            assert all(n == "DynamoDBReadPolicy" for n in names), route
        else:
            assert names, route


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_function_has_a_sample_event(folder):
    assert (ROOT / "events" / f"{folder}.json").exists()


API_FUNCTIONS = [r for r in STACK.routes]


@pytest.mark.parametrize("route", API_FUNCTIONS, ids=lambda r: f"{r.method} {r.path}")
def test_sample_api_events_run(seeded, route):
    folder = STACK.functions[route.function].code_dir.name
    event = json.loads((ROOT / "events" / f"{folder}.json").read_text())
    assert event["httpMethod"] == route.method
    assert event["resource"] == route.path
    result = Functions(STACK, inline=True).invoke(route.function, event)
    assert result["statusCode"] < 500, result
    if route.path == "/v1/docs":
        assert result["body"].startswith("<!DOCTYPE html>")
    else:
        assert isinstance(json.loads(result["body"]), dict)


def test_sample_authorizer_event(seeded):
    event = json.loads((ROOT / "events" / "authorizer.json").read_text())
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        Functions(STACK, inline=True).invoke("AuthorizerFunction", event)
    event["headers"] = {"Authorization": "Bearer lms_test-admin-key"}
    policy = Functions(STACK, inline=True).invoke("AuthorizerFunction", event)
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert policy["context"]["role"] == "admin"


def test_sample_bootstrap_event(aws, monkeypatch):
    import boto3

    boto3.client("secretsmanager").put_secret_value(SecretId="AdminApiKeySecret", SecretString="lms_deployed-admin")
    sent = []
    event = json.loads((ROOT / "events" / "bootstrap.json").read_text())
    event["ResourceProperties"]["AdminKeySecretArn"] = "AdminApiKeySecret"
    functions = Functions(STACK, inline=True)
    module = functions.pools["BootstrapFunction"]._acquire().module
    monkeypatch.setattr(module, "_send", lambda e, c, status, reason="", data=None: sent.append((status, data)))
    module.lambda_handler(event, LambdaContext("BootstrapFunction", "req-1", 60, 128))
    assert sent[0][0] == "SUCCESS", sent
    from lms.auth.api_keys import ApiKeyStore

    assert ApiKeyStore().authenticate("lms_deployed-admin").role == "admin"
