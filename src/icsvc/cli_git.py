"""Git collaboration commands (merge-driver, sync, git-setup, codeowners)."""
