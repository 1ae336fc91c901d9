"""One spider per portal. Platform behaviour lives in :mod:`spiders.trs`; a portal spider is a few
declarative lines naming its registry entry."""
