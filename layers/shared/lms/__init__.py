"""Loan servicing platform: the shared layer used by every Lambda function.

Bounded contexts live in sub-packages (customers, products, loans, ledger, integration);
`domain` modules in them are pure Python and never import boto3.
"""
