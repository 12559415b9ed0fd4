"""Reports and the quarterly survey."""
