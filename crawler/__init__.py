"""nianbao: an archival crawler for Wuhan street offices ' annual disclosure reports."""
