"""`icsvc site`: the store as a static, self-contained web site (catalogue, queues, a page
per request, reports, the dependency map, search), built incrementally from the
repository, for any web server or GitHub Pages. It reads the one outcome
(`domain/outcome.py`) through the views' JSON contract (`workflow/views.py`) and the queue's
order (`workflow/queue.py`); the report's pages come in rendered (the command computes
them: this package does not import `reports`)."""
