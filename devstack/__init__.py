"""The local stack: runs template.yaml on one machine with moto's server, no AWS account, no Docker."""
