"""A website's domain key is never made of a scheme written wrong, nor of a name with no top-level domain
(ESMA's list has both: "https:/frame-2u-avapro.org" became domain:https; "https://kapidexnx")."""

from __future__ import annotations

import pytest

from graph import resolve


@pytest.mark.parametrize("url", ["https:/frame-2u-avapro.org", "http:example.com", "https//bad.com",
                                 "HTTPS:/Example.com", "https://kapidexnx", "kapidexnx"])
def test_broken_scheme_or_no_tld_is_refused(url):
    with pytest.raises(resolve.InvalidIdentifier):
        resolve.website_domain(url)


@pytest.mark.parametrize("url,key", [("example.com:8080/x", "example.com"), ("http.example.com", "http.example.com"),
                                     ("https-shop.com/a", "https-shop.com"), ("HTTPS://Example.COM", "example.com")])
def test_look_alikes_of_schemes_are_still_hosts(url, key):
    assert resolve.website_domain(url) == key
