"""The ``anaplan-pandas`` command."""
