"""One module per benchmark; each ``run(ctx)`` returns result rows (see ``bench.results``)."""
