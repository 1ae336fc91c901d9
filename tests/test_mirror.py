"""The mirror convention: https://HOST/PATH is served at {MIRROR}/HOST/PATH."""

from __future__ import annotations

from crawler.mirror import from_mirror, to_mirror

MIRROR = "http://127.0.0.1:8765"


def test_real_url_to_mirror_and_back() -> None:
    real = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/index_1.html"
    mirrored = to_mirror(real, MIRROR)
    assert mirrored == "http://127.0.0.1:8765/www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/index_1.html"
    assert from_mirror(mirrored, MIRROR) == real


def test_query_root_and_trailing_slash_of_the_mirror() -> None:
    assert to_mirror("https://www.dxh.gov.cn/?a=1", MIRROR + "/") == "http://127.0.0.1:8765/www.dxh.gov.cn/?a=1"
    assert to_mirror("https://www.dxh.gov.cn", MIRROR) == "http://127.0.0.1:8765/www.dxh.gov.cn/"
    assert to_mirror("http://www.wuchang.gov.cn/x.html", "http://m.example/base") == (
        "http://m.example/base/www.wuchang.gov.cn/x.html"
    )


def test_urls_outside_the_mirror_are_not_mapped() -> None:
    assert from_mirror("http://elsewhere/www.wuchang.gov.cn/x.html", MIRROR) is None
    assert from_mirror(MIRROR + "/", MIRROR) is None
    assert from_mirror(MIRROR + "/www.hongshan.gov.cn/a.shtml", MIRROR, "http") == "http://www.hongshan.gov.cn/a.shtml"
