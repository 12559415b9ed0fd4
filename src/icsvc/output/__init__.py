"""What people see: each command's result rendered as a table, text or JSON, the questions
asked on a terminal, the pager and progress bars. Above the commands, below the command
line: `output/<command>.py` renders `commands/<command>.py`'s result."""
