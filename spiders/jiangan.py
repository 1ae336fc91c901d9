from spiders.trs import TrsPortalSpider


class JianganSpider(TrsPortalSpider):
    """江岸区 www.jiangan.gov.cn: one shared ``zfxxgknb_{year}/`` folder per year for all units."""

    name = "jiangan"
