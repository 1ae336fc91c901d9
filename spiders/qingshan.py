from spiders.trs import TrsPortalSpider


class QingshanSpider(TrsPortalSpider):
    """青山区 www.qingshan.gov.cn: street columns not seen by the research; discovered from the navigation."""

    name = "qingshan"
