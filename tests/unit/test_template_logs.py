"""Every log group keeps its logs for the LogRetentionDays parameter; API Gateway writes access logs."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import STACK

CLOUDWATCH_RETENTION_DAYS = [
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
]


def test_the_retention_is_a_parameter_of_thirty_days_by_default():
    from cfnlint.decode import decode_str

    from devstack.template import TEMPLATE_PATH

    parameter = decode_str(TEMPLATE_PATH.read_text(encoding="utf-8"))[0]["Parameters"]["LogRetentionDays"]
    assert parameter["Default"] == 30
    assert [int(v) for v in parameter["AllowedValues"]] == CLOUDWATCH_RETENTION_DAYS


def test_every_log_group_has_the_retention():
    groups = STACK.of_type("AWS::Logs::LogGroup")
    assert len(groups) == len(STACK.functions) + 1  # one per function and the API's access logs
    for name, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


@pytest.mark.parametrize("function", sorted(STACK.functions))
def test_every_function_logs_to_its_own_log_group(function):
    config = STACK.resources[function]["Properties"].get("LoggingConfig", {})
    group = config.get("LogGroup", {}).get("Ref")
    assert group, f"{function} has no LoggingConfig.LogGroup: Lambda would create one that keeps logs for ever"
    assert STACK.resources[group]["Type"] == "AWS::Logs::LogGroup"
    others = [f for f in STACK.functions if f != function]
    assert all(STACK.resources[f]["Properties"]["LoggingConfig"]["LogGroup"] != {"Ref": group} for f in others)


def test_api_gateway_writes_json_access_logs_with_the_request_id():
    (api,) = STACK.of_type("AWS::Serverless::Api").values()
    setting = api["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fields = json.loads(setting["Format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["extendedRequestId"] == "$context.extendedRequestId"
    for name in ("ip", "caller", "httpMethod", "resourcePath", "status", "responseLength", "integrationLatency"):
        assert re.fullmatch(r"\$context\.[A-Za-z.]+", fields[name]), name
    assert STACK.resources["ApiAccessLogGroup"]["Type"] == "AWS::Logs::LogGroup"
