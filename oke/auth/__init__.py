"""OAuth2 client credentials (OKE security): registered clients, signed Bearer tokens, scope checks."""
