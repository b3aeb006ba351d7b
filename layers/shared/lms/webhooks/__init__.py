"""Webhooks: subscriptions to loan events, signed deliveries (Standard Webhooks), retried through a queue."""
