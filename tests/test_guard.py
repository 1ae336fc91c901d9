"""The fetch policy (crawler/guard.py) and its enforcement in the downloader, on concrete URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.exceptions import RefusedRequestError
from crawler.guard import browser_refusal, literal_address, outgoing_refusal, refusal
from crawler.offsite import GuardMiddleware
from crawler.registry import RegistryError, default_registry, load_registry
from crawler.spiderloader import load_spider

WuchangSpider = load_spider("wuchang")

WUCHANG = default_registry().portal("wuchang")
FILES = WUCHANG.model_copy(update={"attachment_hosts": ("files.wuchang.gov.cn",)})
MIRROR = "http://127.0.0.1:8765"
PAGE = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/202501/t20250111_2516003.html"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme file: is not http or https"),
        ("ftp://www.wuchang.gov.cn/a.pdf", "scheme ftp: is not http or https"),
        ("data:text/html,<p>x</p>", "scheme data: is not http or https"),
        ("javascript:void(0)", "scheme javascript: is not http or https"),
        ("//www.wuchang.gov.cn/a.html", "scheme (none) is not http or https"),
        ("https:///a.html", "no host"),
        ("http://[::1", "unparsable URL"),
        ("http://10.0.0.1/a.html", "private address 10.0.0.1"),
        ("http://192.168.1.1/a.html", "private address 192.168.1.1"),
        ("http://127.0.0.1:8765/www.wuchang.gov.cn/a.html", "loopback address 127.0.0.1"),  # the mirror, as canonical
        ("http://2130706433/a.html", "loopback address 127.0.0.1"),  # 127.0.0.1 as one number
        ("http://0x7f.1/a.html", "loopback address 127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata address 169.254.169.254"),
        ("http://100.100.100.200/latest/", "cloud metadata address 100.100.100.200"),
        ("http://169.254.1.2/a.html", "link-local address 169.254.1.2"),
        ("http://[::1]/a.html", "loopback address ::1"),
        ("http://[::ffff:10.1.2.3]/a.html", "private address 10.1.2.3"),
        ("http://[fd00:ec2::254]/a.html", "cloud metadata address fd00:ec2::254"),
        ("http://0.0.0.0/a.html", "unspecified address 0.0.0.0"),
        ("https://evil.example.net/xxgk/yyj/a.html", "off-site host evil.example.net"),
        ("https://www.wuchang.gov.cn.evil.net/a.html", "off-site host www.wuchang.gov.cn.evil.net"),
        ("https://www.wuchang.gov.cn@evil.example.net/a.html", "credentials in the URL"),  # host is evil.example.net
        ("https://user:pw@www.wuchang.gov.cn/a.html", "credentials in the URL"),
        ("https://www.wuchang.gov.cn:8443/a.html", "port 8443"),
        ("https://files.wuchang.gov.cn/a.pdf", "off-site host files.wuchang.gov.cn"),  # not allowed for wuchang
    ],
)
def test_refused(url: str, reason: str) -> None:
    assert reason in (refusal(url, WUCHANG) or "")


@pytest.mark.parametrize(
    "url",
    [PAGE, "http://www.wuchang.gov.cn/a.html", "https://WWW.Wuchang.gov.cn./a.html",
     "https://www.wuchang.gov.cn:443/a.pdf"],
)  # fmt: skip
def test_the_portals_own_urls_are_allowed(url: str) -> None:
    assert refusal(url, WUCHANG) is None


def test_attachment_hosts_are_allowed_only_where_the_registry_says() -> None:
    assert refusal("https://files.wuchang.gov.cn/a.pdf", FILES) is None
    assert refusal("https://files.wuchang.gov.cn/a.pdf", WUCHANG) is not None
    assert "off-site host" in (refusal("https://www.qiaokou.gov.cn/a.html", FILES) or "")


def test_without_a_portal_only_scheme_and_address_rules_apply() -> None:
    assert refusal("https://example.org/", None) is None
    assert refusal("http://10.1.1.1/", None) == "private address 10.1.1.1"
    assert literal_address("www.wuchang.gov.cn") is None and literal_address("deadbeef.cn") is None


def test_the_mirror_is_allowed_only_in_the_mirrored_form() -> None:
    assert outgoing_refusal(f"{MIRROR}/www.wuchang.gov.cn/a.html", MIRROR) is None
    assert outgoing_refusal("https://www.wuchang.gov.cn/a.html", MIRROR) is not None  # escaping the mirror
    assert outgoing_refusal("http://127.0.0.1:9/a.html", "") == "loopback address 127.0.0.1"
    # Chromium's requests: under the mirror and the portal's, or aborted.
    assert browser_refusal(f"{MIRROR}/www.wuchang.gov.cn/a.html", WUCHANG, MIRROR) is None
    assert "off-site host evil.example.net" in (browser_refusal(f"{MIRROR}/evil.example.net/x", WUCHANG, MIRROR) or "")
    assert browser_refusal("https://cdn.example.net/x.js", WUCHANG, MIRROR) == f"outside the configured mirror {MIRROR}"
    assert browser_refusal(PAGE, WUCHANG, "") is None
    assert "link-local" in (browser_refusal("http://169.254.9.9/", WUCHANG, "") or "")


def test_the_middleware_refuses_dont_filter_requests_and_redirect_hops() -> None:
    crawler = get_crawler(WuchangSpider, {"PORTAL_MIRROR": MIRROR})
    crawler.spider = WuchangSpider.from_crawler(crawler)
    assert crawler.stats is not None
    crawler.stats.open_spider()
    guard = GuardMiddleware.from_crawler(crawler)
    guard.process_request(Request(PAGE, dont_filter=True))  # allowed: no exception
    with pytest.raises(RefusedRequestError, match=r"refused https://evil\.example\.net/a\.html: off-site host"):
        guard.process_request(Request("https://evil.example.net/a.html", dont_filter=True))
    hop = Request("http://169.254.169.254/latest/", dont_filter=True, meta={"redirect_urls": [PAGE]})
    with pytest.raises(RefusedRequestError, match=f"redirect from {PAGE} to .* not followed: cloud metadata address"):
        guard.process_request(hop)
    assert crawler.stats.get_value("guard/refused") == 2
    assert crawler.stats.get_value("guard/refused_redirect") == 1


@pytest.mark.parametrize("bad", ["https://files.example.gov.cn", "files.example.gov.cn/a", "10.0.0.1", "localhost",
                                 "files.example.gov.cn:8080"])  # fmt: skip
def test_the_registry_validates_attachment_hosts(tmp_path: Path, bad: str) -> None:
    text = Path("config/portals.yaml").read_text(encoding="utf-8")
    host = "    host: www.wuchang.gov.cn\n"
    good = text.replace(host, host + "    attachment_hosts: [Files.Wuchang.gov.cn]\n")
    (tmp_path / "good.yaml").write_text(good, encoding="utf-8")
    assert load_registry(tmp_path / "good.yaml").portal("wuchang").attachment_hosts == ("files.wuchang.gov.cn",)
    (tmp_path / "bad.yaml").write_text(good.replace("Files.Wuchang.gov.cn", f"'{bad}'"), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"entry portals\.wuchang\.attachment_hosts.*is not a host name"):
        load_registry(tmp_path / "bad.yaml")
