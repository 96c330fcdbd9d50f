"""Everything that arrives in parts: read requests, export tasks, the /data call."""
