"""Distribution: record requests, the atomic hand-out, staff batches and admin assignments."""

BULK_MAX = 1000  # requests decided, or records moved, by one bulk action
