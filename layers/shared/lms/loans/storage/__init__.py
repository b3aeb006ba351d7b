"""How a loan is stored: its head and history pages, signal items (the only code that knows the
item format)."""
