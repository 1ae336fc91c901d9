"""Platform families: one base class per URL grammar (:mod:`spiders.trs` the TRS t-date family,
:mod:`spiders.hanweb` the Hanweb col/art family). Portal spiders are not files: the spider loader
(crawler/spiderloader.py) makes one per registry entry from its ``platform``."""
