from spiders.trs import TrsPortalSpider


class HongshanSpider(TrsPortalSpider):
    """洪山区 www.hongshan.gov.cn: ``/jxbm/{code}/xxgknb/`` per street; unknown codes found via ``/jxbm/``."""

    name = "hongshan"
