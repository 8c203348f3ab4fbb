"""The wa.me links of a page of records."""

import pytest

from crm.models import Product
from crm.services import products
from crm.services.phones import wa_link


@pytest.mark.parametrize("template", [
    "Halo {name}, ini {username} & 100% promo? ✓ #1",
    "{username}{name}",
    "",
    "no placeholders at all",
    "Bad {brace",
    "Unknown {nama}",
    "Positional {}",
    "Spec {name:>10} and {username!r}",
    "Escaped {{name}} stays",
])
@pytest.mark.parametrize("name", ["Budi Santoso", None, "Sité/?&=#"])
def test_wa_link_maker_matches_the_one_record_path(template, name):
    """The page builds 50 links at once; each equals wa_link(phone, wa_message(...))."""
    product = Product(name="P", wa_template=template)
    make = products.wa_link_maker(product)
    expected = wa_link("6281234567890", products.wa_message(product, name=name, username="user_01"))
    assert make("6281234567890", name, "user_01") == expected
    assert make(None, name, "user_01") is None and make("", name, "user_01") is None
    assert make("+6281234567890", name, "{username}") == wa_link("6281234567890", products.wa_message(product, name=name, username="{username}"))
    with pytest.raises(ValueError):
        make("0812 abc", name, "user_01")


@pytest.mark.parametrize("template", ["{username}", "{name}{username}", "{username}{name}"])
def test_a_message_of_empty_fields_gives_a_link_without_text(template):
    product = Product(name="P", wa_template=template)
    make = products.wa_link_maker(product)
    expected = wa_link("6281234567890", products.wa_message(product, name=None, username=""))
    assert make("6281234567890", None, "") == expected == "https://wa.me/6281234567890"
    assert make("6281234567890", "Ani", "") == wa_link("6281234567890", products.wa_message(product, name="Ani", username=""))


def test_fast_quote_equals_urllib():
    from urllib.parse import quote

    from crm.services.products import _quote

    samples = ["".join(map(chr, range(128))), "Budi Santoso", "user_01-x.y~z", "Sité ✓ 😀", "", "user01", " ", "  Budi  2 ",
               "a b_c", "{name}", "Ani%20"]
    for text in samples:
        assert _quote(text) == quote(text, safe="")
