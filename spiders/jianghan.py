from spiders.trs import TrsPortalSpider


class JianghanSpider(TrsPortalSpider):
    """江汉区 www.jianghan.gov.cn: ``/qzfpcjg/{code}/zfxxgkgznb/`` where codes carry a ``_<channelid>`` suffix."""

    name = "jianghan"
