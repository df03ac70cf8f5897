"""HTTP plumbing shared by the three roles: problem+json errors, request bodies, the app skeleton."""
