from spiders.trs import TrsPortalSpider


class DongxihuSpider(TrsPortalSpider):
    """东西湖区 www.dxh.gov.cn: column not seen by the research; discovered from the navigation."""

    name = "dongxihu"
