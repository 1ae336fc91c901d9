from spiders.trs import TrsPortalSpider


class JiangxiaSpider(TrsPortalSpider):
    """江夏区 www.jiangxia.gov.cn: column not seen by the research; discovered from the navigation."""

    name = "jiangxia"
