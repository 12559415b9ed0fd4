"""Report and feedback commands."""
