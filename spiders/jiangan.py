from spiders.trs import TrsPortalSpider


class JianganSpider(TrsPortalSpider):
    """江岸区 www.jiangan.gov.cn: one shared ``zfxxgknb_{year}/`` folder per year for streets, departments and the district."""

    name = "jiangan"
