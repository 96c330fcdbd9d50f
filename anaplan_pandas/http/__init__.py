"""Talking to Anaplan's services: the session, auth plug-ins, URLs, retries."""
