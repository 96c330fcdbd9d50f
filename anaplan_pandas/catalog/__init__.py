"""Names to ids, and what the metadata says: listings, targets, column plans."""
