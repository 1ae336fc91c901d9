from spiders.trs import TrsPortalSpider


class QiaokouSpider(TrsPortalSpider):
    """硚口区 www.qiaokou.gov.cn: ``…/qzfpcjg/{code}/`` per street; unknown codes found on the street index."""

    name = "qiaokou"
