"""nianbao: an archival crawler for the annual disclosure reports of Wuhan street offices."""
