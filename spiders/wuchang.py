from spiders.trs import TrsPortalSpider


class WuchangSpider(TrsPortalSpider):
    """武昌区 www.wuchang.gov.cn: one ``/xxgk/{code}/zfxxgknb/`` column per street (config/portals.yaml)."""

    name = "wuchang"
