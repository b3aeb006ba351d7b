"""The loan aggregate: its state, status machine, application and payment types."""
