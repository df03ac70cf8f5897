"""Services of the Toetsafname role: one verb per use case, each one transaction."""
