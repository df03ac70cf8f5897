"""HTTP endpoints of the Deelnemerregistratie role: thin, each parses, picks a service and answers."""
