"""HTTP edge shared by every API function: resolver factory, types, responses, caller identity."""
