from spiders.trs import TrsPortalSpider


class WhkfqSpider(TrsPortalSpider):
    """武汉经开区 www.whkfq.gov.cn (also 汉南区's streets): one shared ``{year}/jdbsc/`` folder for all streets."""

    name = "whkfq"
