"""One module per concept: a frozen ``Config`` dataclass and ``run(config, progress=None) -> Result``.

Each module also names ``PAGE`` (the page file it feeds) and may define
``first_figure(config)``: the smallest piece of work its page's first figure
needs, which ``python -m bench`` times.
"""
