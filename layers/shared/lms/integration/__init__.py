"""The accounting push: loan events out of the outbox, through SQS FIFO, into the accounting system."""
