"""HTTP endpoints of the Toetsafname role: thin, each parses, picks a service and answers."""
