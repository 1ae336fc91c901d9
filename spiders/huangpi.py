from spiders.trs import TrsPortalSpider


class HuangpiSpider(TrsPortalSpider):
    """黄陂区 www.huangpi.gov.cn (.html): column not seen by the research; discovered from the navigation."""

    name = "huangpi"
