"""Customers (borrowers): people and entities, each in one office."""
