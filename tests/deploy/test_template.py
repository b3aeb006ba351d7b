"""What a deployment gets: settings, alarms, dashboard, parameters, retention and code."""

from __future__ import annotations

import json
import re
import tomllib

from lms.config import Settings
from lms.integration.push import MAX_BACKOFF_SECONDS
from tests.deploy.conftest import ROOT, Rendered

DEPLOYMENT_SETTINGS = {f.alias for f in Settings.model_fields.values() if f.default is None}


def functions(rendered: Rendered) -> dict[str, dict]:
    return rendered.resources("AWS::Lambda::Function")


def alarms(rendered: Rendered) -> dict[str, dict]:
    return {name: r["Properties"] for name, r in rendered.resources("AWS::CloudWatch::Alarm").items()}


def test_every_function_gets_its_own_settings_only(rendered):
    """Which settings each function's code reads: tests/unit/test_function_settings.py."""
    # Issue 28 added the delinquency route and the five of the close of business; issue 29 the two
    # portfolio reports, the daily record, the borrower's statement and the four of provisioning.
    assert len(functions(rendered)) == 88
    given = {}
    for name, function in functions(rendered).items():
        variables = function["Properties"]["Environment"]["Variables"]
        given[name] = set(variables) & DEPLOYMENT_SETTINGS
        if "LMS_TABLE" in variables:
            assert variables["LMS_TABLE"] == {"Ref": "CoreTable"}
        if "PUSH_QUEUE_URL" in variables:
            assert variables["PUSH_QUEUE_URL"] == {"Ref": "PushQueue"}
        if "ACCOUNTING_BASE_URL" in variables:
            assert variables["ACCOUNTING_BASE_URL"] == {"Ref": "AccountingBaseUrl"}
    assert "PUSH_QUEUE_URL" in given["PushToAccountingFunction"]
    assert "ACCOUNTING_BASE_URL" not in given["GetOfficeFunction"]
    assert not given["GetOpenapiFunction"]


def test_service_name_and_namespace_are_set_once_for_all_functions(rendered):
    names = {
        (f["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"],
         f["Properties"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"])
        for f in functions(rendered).values()
    }  # fmt: skip
    assert names == {("lms", "LoanServicing")}
    globals_env = rendered.sam["Globals"]["Function"]["Environment"]["Variables"]
    assert (globals_env["POWERTOOLS_SERVICE_NAME"], globals_env["POWERTOOLS_METRICS_NAMESPACE"]) == names.pop()
    for name, resource in rendered.sam["Resources"].items():
        own = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        assert not {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"} & set(own), name


def test_the_alarms_an_operator_needs_exist_and_notify(rendered):
    found = alarms(rendered)
    dead_letters = found["PushDeadLetterDepthAlarm"]
    assert (dead_letters["MetricName"], dead_letters["Threshold"]) == ("ApproximateNumberOfMessagesVisible", 1)
    assert dead_letters["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["PushDeadLetterQueue", "QueueName"]}
    lag = found["PushLagAlarm"]
    assert (lag["MetricName"], lag["Threshold"]) == ("ApproximateAgeOfOldestMessage", {"Ref": "PushLagAlarmSeconds"})
    assert lag["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["PushQueue", "QueueName"]}
    errors = found["Api5xxRateAlarm"]
    assert (errors["Namespace"], errors["MetricName"], errors["Statistic"]) == ("AWS/ApiGateway", "5XXError", "Average")
    api_name = rendered.cfn["Resources"]["LmsApi"]["Properties"]["Name"]
    assert {d["Name"]: d["Value"] for d in errors["Dimensions"]}["ApiName"] == api_name
    assert found["LambdaThrottlesAlarm"]["MetricName"] == "Throttles"
    expression = next(m for m in found["DynamoDbThrottlesAlarm"]["Metrics"] if "Expression" in m)["Expression"]
    assert set(re.findall(r"\w+", expression)) == {"coreWrites", "coreReads", "ledgerWrites", "ledgerReads"}
    assert found["PushErrorsAlarm"]["Dimensions"][0]["Value"] == {"Ref": "PushToAccountingFunction"}
    for name, alarm in found.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["TreatMissingData"] == "notBreaching", name
        if alarm.get("Namespace") not in (None, "AWS/SQS", "AWS/Lambda", "AWS/ApiGateway", "AWS/DynamoDB"):
            assert alarm["Namespace"] == "LoanServicing", name  # the functions' namespace


def test_every_dead_letter_queue_and_stream_failure_destination_has_an_alarm(rendered):
    """A message parked where nothing reads it is money or a notice waiting on a person."""
    resources = rendered.cfn["Resources"]
    parked = {
        props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for props in (r["Properties"] for r in rendered.resources("AWS::SQS::Queue").values())
        if "RedrivePolicy" in props
    }
    parked |= {
        mapping["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        for mapping in resources.values()
        if mapping["Type"] == "AWS::Lambda::EventSourceMapping" and "DestinationConfig" in mapping["Properties"]
    }
    assert {"PushDeadLetterQueue", "PayoutDeadLetterQueue", "WebhookDeadLetterQueue"} <= parked
    watched = {
        alarm["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in alarms(rendered).values()
        if alarm.get("MetricName") == "ApproximateNumberOfMessagesVisible" and alarm["Threshold"] == 1
    }
    assert parked - watched == set()


def test_an_accounting_outage_of_half_a_day_dead_letters_no_event(rendered):
    """Skipped receives (a loan's later events behind its failing one) count too: with half of an
    event's receives spent that way, its own retries at the default backoff still span 12 hours."""
    policy = rendered.cfn["Resources"]["PushQueue"]["Properties"]["RedrivePolicy"]
    base = Settings.model_fields["push_retry_base_seconds"].default
    own_attempts = policy["maxReceiveCount"] // 2
    waited = sum(min(base * 2 ** (n - 1), MAX_BACKOFF_SECONDS) for n in range(1, own_attempts))
    assert waited >= 12 * 3600, waited


def test_the_dashboard_shows_every_alarm(rendered):
    body, names = rendered.cfn["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert names == {"Namespace": "LoanServicing", "Service": "lms"}
    referenced = set(re.findall(r"\$\{(\w+)\.Arn\}", body))
    assert referenced == set(alarms(rendered))
    document = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    assert [w["type"] for w in document["widgets"]] == ["alarm", "metric", "metric", "metric", "metric"]


def test_parameters_and_their_defaults(rendered):
    parameters = {name: p.get("Default") for name, p in rendered.cfn["Parameters"].items()}
    assert parameters == {
        "StageName": "api",
        "LenderTimeZone": "UTC",
        "BaseCurrency": "TZS",
        "SeedDemoProduct": "false",
        "AccountingBaseUrl": "https://accounting.example.com",
        "AccountingReversalsEnabled": "false",
        "LogLevel": "INFO",
        "LogRetentionDays": 30,
        "AlarmEmail": "",
        "PushLagAlarmSeconds": 900,
        "RateLimitPerMinute": 100,
        "RateLimitPerHour": 1000,
        "RateLimitPerDay": 10000,
        "PayoutProvider": "none",
        "WafRateLimitEnabled": "true",
        "WafRequestsPer5Minutes": 1000,
    }


def test_samconfig_environments_name_only_real_parameters(rendered):
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    assert {"default", "dev", "prod"} <= set(config)
    for environment in ("dev", "prod"):
        overrides = config[environment]["deploy"]["parameters"]["parameter_overrides"]
        named = dict(item.split("=", 1) for item in (overrides.split() if isinstance(overrides, str) else overrides))
        assert set(named) <= set(rendered.cfn["Parameters"]), environment
    assert config["prod"]["deploy"]["parameters"]["confirm_changeset"] is True


def test_the_books_outlive_the_stack(rendered):
    for name in ("CoreTable", "LedgerTable"):
        resource = rendered.cfn["Resources"][name]
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain"), name
        assert resource["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    # Idempotency records live 24 hours (TTL): nothing there outlives a redeploy's purpose.
    idempotency = rendered.cfn["Resources"]["IdempotencyTable"]
    assert "DeletionPolicy" not in idempotency
    assert idempotency["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_every_function_has_its_handler_and_the_layer_its_dependencies(rendered):
    for name, resource in rendered.sam["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        handler = resource["Properties"].get("Handler", rendered.sam["Globals"]["Function"]["Handler"])
        module = rendered.code_dirs[name] / (handler.rsplit(".", 1)[0] + ".py")
        assert module.is_file(), (name, module)
    layer = rendered.code_dirs["SharedLayer"]
    if rendered.source.name == "template.yaml" and rendered.source.parent == ROOT:
        requirements = (layer / "requirements.txt").read_text(encoding="utf-8")
        assert "pydantic==" in requirements
        assert (layer / "lms" / "config.py").is_file()
    else:  # sam build installed the requirements next to the code, under python/
        assert (layer / "python" / "lms" / "config.py").is_file()
        assert (layer / "python" / "pydantic").is_dir()
        assert (layer / "python" / "aws_lambda_powertools").is_dir()


def test_unauthenticated_traffic_is_limited_per_source_address_before_the_authorizer(rendered):
    """Issue 26, case 8: a WAF rate-based rule keyed by IP on the API's stage, on by default and in prod."""
    acl = rendered.cfn["Resources"]["ApiRateLimitWebAcl"]
    assert acl["Condition"] == "HasWafRateLimit"
    assert rendered.cfn["Conditions"]["HasWafRateLimit"] == {"Fn::Equals": [{"Ref": "WafRateLimitEnabled"}, "true"]}
    assert acl["Properties"]["Scope"] == "REGIONAL"
    [rule] = acl["Properties"]["Rules"]
    statement = rule["Statement"]["RateBasedStatement"]
    assert (statement["AggregateKeyType"], statement["Limit"]) == ("IP", {"Ref": "WafRequestsPer5Minutes"})
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    association = rendered.cfn["Resources"]["ApiRateLimitWebAclAssociation"]
    assert association["Condition"] == "HasWafRateLimit"
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": ["ApiRateLimitWebAcl", "Arn"]}
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    # SAM turns ${LmsApi.Stage} into a reference to the stage it creates, so the ACL waits for it.
    assert arn.endswith("/restapis/${LmsApi}/stages/${LmsApiStage}")
    assert list(rendered.resources("AWS::ApiGateway::Stage")) == ["LmsApiStage"]
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    prod = config["prod"]["deploy"]["parameters"]["parameter_overrides"]
    assert "WafRateLimitEnabled=true" in prod.split()


def test_every_function_that_pays_out_is_told_its_payout_provider(rendered):
    for name in (
        "DisburseLoanFunction",
        "BulkDisburseLoansFunction",
        "RetryDisbursementFunction",
        "MakePayoutsFunction",
    ):
        variables = rendered.sam["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert variables["PAYOUT_PROVIDER"] == {"Ref": "PayoutProvider"}, name
    assert rendered.cfn["Parameters"]["PayoutProvider"]["AllowedValues"] == ["none", "sandbox"]
