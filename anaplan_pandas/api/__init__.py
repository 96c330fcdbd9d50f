"""The public operations: the connection, its pool, and the module-level functions."""
