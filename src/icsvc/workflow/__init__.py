"""The request lifecycle: the history replay, intake, the provider workflow, queues."""
