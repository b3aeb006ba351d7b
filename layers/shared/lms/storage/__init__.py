"""DynamoDB access shared by every repository (the only package that imports boto3 clients)."""
