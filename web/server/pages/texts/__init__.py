"""Page texts by feature: each module holds ``TEXT: key -> (fr, en)`` for one feature's
templates and script (merged into ``web.server.pages.text``)."""
