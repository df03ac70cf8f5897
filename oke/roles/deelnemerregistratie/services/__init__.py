"""What the reference DR does: serve flow 1 and 6, accept flow 5, seed its demo school, push flow 1."""
