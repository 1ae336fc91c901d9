from spiders.trs import TrsPortalSpider


class HanyangSpider(TrsPortalSpider):
    """汉阳区 www.hanyang.gov.cn: column not seen by the research; discovered from the portal's navigation."""

    name = "hanyang"
