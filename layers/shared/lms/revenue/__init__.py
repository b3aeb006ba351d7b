"""The monthly revenue run: accrue every earning loan's interest for a month that has ended."""
