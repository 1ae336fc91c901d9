from spiders.trs import TrsPortalSpider


class WehdzSpider(TrsPortalSpider):
    """东湖高新区 www.wehdz.gov.cn: ``/2022/zfxxgk/dfbm/{code}/zfxxgkndbg_{channel}/``; channel ids per street."""

    name = "wehdz"
