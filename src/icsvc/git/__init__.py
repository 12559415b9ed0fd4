"""Git: the merge driver, pull-request checks, signing, commits, CODEOWNERS."""
