from spiders.trs import TrsPortalSpider


class QiaokouSpider(TrsPortalSpider):
    """硚口区 www.qiaokou.gov.cn: one ``…/bmjdhz/qzfpcjg/{code}/`` folder per street; unknown codes enumerated from the street index."""

    name = "qiaokou"
