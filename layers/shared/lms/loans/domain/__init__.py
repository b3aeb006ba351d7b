"""Pure loan domain: no I/O, no boto3. Every function takes values and returns new values."""
