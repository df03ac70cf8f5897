"""Services of the Toetsplanning role: one verb per use case, each one transaction."""
