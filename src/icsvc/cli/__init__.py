"""The command line: Typer commands over `icsvc.commands`, terminal output."""
