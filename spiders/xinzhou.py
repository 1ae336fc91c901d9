from spiders.trs import TrsPortalSpider


class XinzhouSpider(TrsPortalSpider):
    """新洲区 www.whxinzhou.gov.cn: column not seen by the research; discovered from the navigation."""

    name = "xinzhou"
