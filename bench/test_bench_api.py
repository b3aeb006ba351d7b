"""Throughput of API operations through the local gateway pipeline (authorizer + handler + moto).

Run with `make bench`; numbers are for comparison between changes, not assertions.
"""

from tests.support.data import customer_body, loan_body, new_customer


def test_submit_and_approve_loan(benchmark, operator):
    customer = new_customer(operator)

    def submit_and_approve():
        loan = operator.post("/v1/loans", loan_body(customer["id"])).json
        return operator.post(f"/v1/loans/{loan['id']}/approve", {"approvedOnDate": "2026-05-23"})

    reply = benchmark(submit_and_approve)
    assert reply.status == 200


def test_create_customer(benchmark, operator):
    reply = benchmark(lambda: operator.post("/v1/customers", customer_body()))
    assert reply.status == 201


def test_get_loan(benchmark, operator):
    customer = new_customer(operator)
    loan = operator.post("/v1/loans", loan_body(customer["id"])).json
    reply = benchmark(lambda: operator.get(f"/v1/loans/{loan['id']}"))
    assert reply.status == 200
