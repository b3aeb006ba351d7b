"""The local stack's own logic: event filters and IAM policy evaluation."""

import json

from devstack.filters import any_filter_matches
from devstack.gateway import method_arn, policy_allows


def test_filter_patterns():
    record = {"eventName": "MODIFY", "dynamodb": {"NewImage": {"entity": {"S": "loan"}, "eventSeq": {"N": "3"}}}}
    criteria = lambda p: {"Filters": [{"Pattern": json.dumps(p)}]}  # noqa: E731
    assert any_filter_matches(None, record)
    assert any_filter_matches(criteria({"dynamodb": {"NewImage": {"entity": {"S": ["loan"]}}}}), record)
    assert not any_filter_matches(criteria({"dynamodb": {"NewImage": {"entity": {"S": ["customer"]}}}}), record)
    assert any_filter_matches(
        criteria({"dynamodb": {"NewImage": {"eventSeq": {"N": [{"numeric": [">", 0]}]}}}}), record
    )
    assert not any_filter_matches(criteria({"dynamodb": {"OldImage": {"entity": [{"exists": True}]}}}), record)
    assert any_filter_matches(criteria({"eventName": [{"anything-but": ["REMOVE"]}]}), record)
    assert any_filter_matches(criteria({"eventName": [{"prefix": "MOD"}]}), record)


def test_policy_evaluation():
    arn = method_arn("POST", "/v1/loans/3/approve")
    allow = {"Statement": [{"Effect": "Allow", "Resource": arn}]}
    deny = {"Statement": [{"Effect": "Deny", "Resource": arn}]}
    wildcard = {"Statement": [{"Effect": "Allow", "Resource": ["arn:aws:execute-api:*:*:*/*/POST/v1/loans/*"]}]}
    assert policy_allows(allow, arn)
    assert not policy_allows(deny, arn)
    assert policy_allows(wildcard, arn)
    assert not policy_allows(wildcard, method_arn("DELETE", "/v1/loans/3"))
    assert not policy_allows({}, arn)
