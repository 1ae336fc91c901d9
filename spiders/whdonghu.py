from spiders.trs import TrsPortalSpider


class WhdonghuSpider(TrsPortalSpider):
    """东湖风景区 www.whdonghu.gov.cn: ``…/qsejdw_72648/{code}/`` per unit."""

    name = "whdonghu"
