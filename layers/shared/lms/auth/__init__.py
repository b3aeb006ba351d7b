"""API keys, roles and the rule that says which role each route needs."""
