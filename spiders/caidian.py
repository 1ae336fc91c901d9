from spiders.trs import TrsPortalSpider


class CaidianSpider(TrsPortalSpider):
    """蔡甸区 www.caidian.gov.cn: column not seen by the research; discovered from the navigation."""

    name = "caidian"
