"""Provider workflow commands (triage, update, escalate, explain, queue)."""
