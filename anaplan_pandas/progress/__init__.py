"""Progress of a read: one model of the counts, a text bar and a widget."""
