"""GitHub issue forms and the requests they become."""
