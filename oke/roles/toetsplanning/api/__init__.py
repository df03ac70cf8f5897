"""HTTP endpoints of the Toetsplanning role: thin, each parses, picks a service and answers."""
