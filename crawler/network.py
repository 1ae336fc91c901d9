"""Network hygiene: the crawler talks to the portals (or their mirror) and to nothing else.

Scrapy's cookie middleware asks tldextract whether a cookie domain is a public suffix; by default
tldextract downloads the Public Suffix List from publicsuffix.org and GitHub on first use. An
archival crawler must not make third-party requests (and on an offline machine the attempt only
produces noise), so the bundled snapshot is used instead.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares import cookies
from tldextract import TLDExtract


def use_bundled_public_suffix_list() -> None:
    cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)
